"""Whatever arrives is acknowledged, answered sensibly, stored correctly or not at all."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.bot.conftest import settle, tick
from tests.fakeslack import envelopes

pytestmark = pytest.mark.timeout(60)

PARIS_NINE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def count(bot, sql: str) -> int:  # noqa: ANN001
    return bot.ctx.conn.execute(sql).fetchone()[0]


@pytest.mark.parametrize(
    "kind, payload",
    [
        ("interactive", {}),
        ("interactive", {"type": "block_actions"}),
        ("interactive", {"type": "block_actions", "user": {"id": "U001"}, "actions": []}),
        ("interactive", {"type": "view_submission", "user": {"id": "U001"}}),
        ("events_api", {"type": "event_callback"}),
        ("events_api", {"type": "event_callback", "event": {"type": "message"}}),
        ("slash_commands", {"command": "/checkin"}),
        ("slash_commands", {}),
    ],
)
def test_envelopes_with_missing_fields_are_acked(slack, bot, kind, payload):  # noqa: ANN001
    env = envelopes.envelope(kind, payload, accepts_response_payload=kind != "events_api")
    slack.send_envelope(env)
    slack.ack_for(env["envelope_id"], timeout=3)
    settle(slack, bot)
    assert count(bot, "SELECT COUNT(*) FROM answers") == 0


def test_unknown_action_ids_are_acked_and_change_nothing(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    message = slack.dm("U001")[-1]
    for action_id, value in (("nonsense", "x"), ("answer_9", "1:1:9"), ("answer_0", "bad")):
        action = {
            "action_id": action_id,
            "block_id": "b",
            "type": "button",
            "value": value,
            "text": {"type": "plain_text", "text": "?"},
            "action_ts": "1.1",
        }
        payload = envelopes.block_actions(
            slack.workspace,
            "U001",
            action,
            slack.api.issue_trigger("U001"),
            channel_id=message.get("channel") or slack.workspace.dm_by_user["U001"],
            message=message,
            response_url=slack.response_url("U001", None),
        )
        slack.send_interaction(payload, "U001", wait=True, timeout=3)
    settle(slack, bot)
    assert count(bot, "SELECT COUNT(*) FROM answers") == 0


def test_someone_else_clicking_a_members_button_stores_nothing(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    message = slack.dm("U001")[-1]
    block = next(b for b in message["blocks"] if b["block_id"].startswith("answer:"))
    button = block["elements"][0]
    action = {
        "action_id": button["action_id"],
        "block_id": block["block_id"],
        "type": "button",
        "value": button["value"],
        "text": button["text"],
        "action_ts": "1.1",
    }
    payload = envelopes.block_actions(
        slack.workspace,
        "U002",
        action,
        slack.api.issue_trigger("U002"),
        channel_id=slack.workspace.dm_by_user["U001"],
        message=message,
        response_url=slack.response_url("U002", None),
    )
    slack.send_interaction(payload, "U002", wait=True, timeout=3)
    settle(slack, bot)
    assert count(bot, "SELECT COUNT(*) FROM answers") == 0


def answer_up_to_text(slack, bot, clock, user: str = "U001") -> None:  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    slack.user(user).clicks("good")
    settle(slack, bot)
    slack.user(user).clicks("home")
    settle(slack, bot)


def test_a_40000_character_answer_is_kept_whole_and_echoed_short(slack, bot, clock):  # noqa: ANN001
    answer_up_to_text(slack, bot, clock)
    long = ("All work and no play. " * 2000)[:40_000]
    settle(slack, bot, slack.user("U001").types(long))
    stored = bot.ctx.conn.execute("SELECT text FROM answers WHERE question_id = 3").fetchone()[0]
    assert stored == long.strip()
    assert slack.calls("chat.update", ok=False) == []
    assert slack.calls("chat.postMessage", ok=False) == []
    settle(slack, bot, slack.user("U001").types("3"))
    recap = slack.dm("U001")[-1]
    assert recap["text"].startswith("Thanks!")
    assert len(recap["text"]) <= 40_000
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in recap["blocks"])
    slack.user("U001").clicks("Edit answers")
    settle(slack, bot)
    view = slack.open_view("U001")
    work = next(b for b in view["blocks"] if b.get("block_id") == "q:3")
    assert "initial_value" not in work["element"], "too long for the input: described, not cut"
    slack.user("U001").submits_modal({})
    settle(slack, bot)
    assert bot.ctx.conn.execute("SELECT text FROM answers WHERE question_id = 3").fetchone()[0] == (
        long.strip()
    ), "an empty input keeps the answer"


def test_emoji_and_right_to_left_text_round_trip(slack, bot, clock):  # noqa: ANN001
    answer_up_to_text(slack, bot, clock)
    text = "שלום 👋🏽 <b>not html</b> *not bold* & مرحبا"
    settle(slack, bot, slack.user("U001").types(text))
    assert bot.ctx.conn.execute("SELECT text FROM answers WHERE question_id = 3").fetchone()[0] == (
        text
    )
    answered = next(m for m in slack.dm("U001") if m["text"].startswith("3/4"))
    assert answered["blocks"][-1]["text"] == {"type": "plain_text", "text": text, "emoji": True}


def test_a_view_submission_for_a_run_that_no_longer_exists(slack, bot, clock):  # noqa: ANN001
    view = {
        "id": "V404",
        "type": "modal",
        "callback_id": "edit_answers",
        "private_metadata": json.dumps({"run": 999}),
        "state": {
            "values": {
                "q:1": {"value": {"type": "static_select", "selected_option": {"value": "0"}}}
            }
        },
    }
    payload = envelopes.view_submission(slack.workspace, "U001", view, "t")
    ack = slack.send_interaction(payload, "U001", wait=True, timeout=3)
    settle(slack, bot)
    assert ack.payload in (None, {})
    assert count(bot, "SELECT COUNT(*) FROM answers") == 0
    assert count(bot, "SELECT COUNT(*) FROM answer_history") == 0
    # and the bot is still up
    clock.set(PARIS_NINE)
    tick(bot)
    slack.user("U001").clicks("good")
    settle(slack, bot)
    assert count(bot, "SELECT COUNT(*) FROM answers") == 1


def test_typing_when_nothing_is_asked_gets_a_hint(slack, bot):  # noqa: ANN001
    settle(slack, bot, slack.user("U002").types("hello?"))
    assert "Nothing to answer right now" in slack.dm("U002")[-1]["text"]
    assert count(bot, "SELECT COUNT(*) FROM answers") == 0


def test_a_scale_question_also_takes_its_label_typed(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    settle(slack, bot, slack.user("U001").types("meh"))
    assert "Please pick one of the buttons" in slack.dm("U001")[-1]["text"]
    settle(slack, bot, slack.user("U001").types("Great"))
    row = bot.ctx.conn.execute("SELECT text, number FROM answers").fetchone()
    assert tuple(row) == ("great", 5.0)
