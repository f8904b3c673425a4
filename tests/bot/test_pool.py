"""The question pool through the real slack_bolt code against the fake Slack:
ask → pending → approved from the Slack button → asked in the next run → answered → reported."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from bot.app import Bot
from checkin.checkins import model
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.db import connection
from checkin.people import members
from checkin.pool import moderation, submit
from checkin.reports import build, formats
from tests.bot.conftest import bot_config, settle, tick

pytestmark = pytest.mark.timeout(60)
APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")

PULSE = """
[[checkin]]
name = "pulse"
days = ["mon", "tue", "wed", "thu", "fri"]
time = "09:00"
participants = ["U001"]
random_question = true

[[checkin.question]]
text = "What did you work on?"
kind = "text"
"""
PARIS_NINE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 09:00 in Europe/Paris
BOOK = "What's the best book you read this year?"


@pytest.fixture
def pool_bot(slack, db_path, clock):  # noqa: ANN001, ANN201
    """A bot with one check-in that asks a pool question; U003 is configured as admin and
    Slack says U004 is a workspace admin."""
    conn = connection.connect(db_path)
    import_definitions(conn, parse_toml(PULSE), clock=clock)
    conn.close()
    slack.workspace.users["U004"]["is_admin"] = True
    bot = Bot(bot_config(slack, db_path, admins=("U003",)), clock, tick_interval=5)
    bot.start(scheduler=False)
    slack.wait_for_connection()
    members.upsert_member(
        bot.ctx.conn, "U004", real_name="Dmitri Volkov", is_admin=True, clock=clock
    )
    yield bot
    bot.stop(timeout=1)


def ask(slack, bot, user: str, text: str) -> str:  # noqa: ANN001
    ack = slack.user(user).runs(f"/checkin ask {text}")
    assert ack.latency < 3.0
    settle(slack, bot)
    return slack.ephemerals(user)[-1]["text"]


def moderation_dm(slack, admin: str) -> dict:  # noqa: ANN001
    return [m for m in slack.dm(admin) if "New question for the pool" in m["text"]][-1]


def test_asked_approved_from_slack_asked_in_the_next_run_answered_and_reported(
    slack, pool_bot, clock, monkeypatch
):  # noqa: ANN001
    conn = pool_bot.ctx.conn
    said = ask(slack, pool_bot, "U002", BOOK)
    assert said == f"Thanks! “{BOOK}” was submitted and will be reviewed by an admin."
    row = conn.execute("SELECT * FROM pool_questions").fetchone()
    assert (row["status"], row["submitted_by"], row["source"]) == (
        "pending",
        "U002",
        "slack_command",
    )

    # one DM per admin, each with the three buttons
    for admin in ("U003", "U004"):
        dm = moderation_dm(slack, admin)
        assert BOOK in dm["text"] and "<@U002>" in dm["text"]
        buttons = [
            e["text"]["text"] for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"]
        ]
        assert buttons == ["Approve", "Edit", "Reject"]
    assert len([m for m in slack.dm("U003") if "New question" in m["text"]]) == 1

    ack = slack.user("U004").clicks("Approve")
    assert ack.latency < 1.0
    settle(slack, pool_bot)
    assert submit.get(conn, row["id"])["status"] == "approved"
    # both admins' DMs were updated in place: no buttons left, the outcome shown
    for admin in ("U003", "U004"):
        dm = [m for m in slack.dm(admin) if BOOK in m["text"]]
        assert len(dm) == 1 and dm[0]["text"].startswith(":white_check_mark: Approved by <@U004>")
        assert not any(b["type"] == "actions" for b in dm[0]["blocks"])
    assert any("was approved" in m["text"] and BOOK in m["text"] for m in slack.dm("U002"))

    # the next run asks it after the fixed question; the member answers both
    clock.set(PARIS_NINE)
    tick(pool_bot)
    settle(slack, pool_bot, slack.user("U001").types("The export"))
    assert any(BOOK in (m.get("text") or "") for m in slack.dm("U001"))
    settle(slack, pool_bot, slack.user("U001").types("Piranesi"))
    answers = conn.execute(
        "SELECT a.question_text, a.text, q.pool_question_id FROM answers a "
        "JOIN questions q ON q.id = a.question_id ORDER BY a.id"
    ).fetchall()
    assert [tuple(a) for a in answers] == [
        ("What did you work on?", "The export", None),
        (BOOK, "Piranesi", row["id"]),
    ]
    assert submit.get(conn, row["id"])["times_asked"] == 1

    # the week's report has it like any other question
    checkin = model.get_checkin(conn, "pulse")
    report = build.build_report(conn, checkin, "2026-W49", clock())
    from_pool = [q for q in report.questions if q.from_pool]
    assert [(q.text, q.answers) for q in from_pool] == [(BOOK, 1)]
    assert "Piranesi" in formats.to_markdown(report)

    # and on the dashboard's Question pool page, one click away
    monkeypatch.setenv("CHECKIN_DB", str(pool_bot.config.db_path))
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page("dashboard/pages/pool.py")
    at.run()
    table = at.dataframe[0].value
    assert (list(table["question"]), list(table["times asked"]), list(table["answers"])) == (
        [BOOK],
        [1],
        [1],
    )
    assert list(at.expander[0].dataframe[0].value["answer"]) == ["Piranesi"]


def test_a_duplicate_and_a_paraphrase_are_refused_naming_the_existing_question(slack, pool_bot):  # noqa: ANN001
    ask(slack, pool_bot, "U002", BOOK)
    assert ask(slack, pool_bot, "U001", "what's the best book you read this year") == (
        f"A question like this is waiting for review already: “{BOOK}”"
    )
    assert ask(slack, pool_bot, "U005", "Which book was the best you read this year?") == (
        f"A question like this is waiting for review already: “{BOOK}”"
    )
    assert pool_bot.ctx.conn.execute("SELECT COUNT(*) FROM pool_questions").fetchone()[0] == 1


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "Write the question after `ask`: `/checkin ask What's the best book"),
        ("<@U002|bob> <#C0001|general>", "The question has no words, only markup"),
        ("x" * 301, "The question is 301 characters long; keep it to 300 or fewer."),
    ],
)
def test_bad_questions_are_refused_with_their_reason(slack, pool_bot, text, said):  # noqa: ANN001
    assert ask(slack, pool_bot, "U001", text).startswith(said)
    assert pool_bot.ctx.conn.execute("SELECT COUNT(*) FROM pool_questions").fetchone()[0] == 0


def test_anonymous_ask_stores_no_name_and_admins_see_none(slack, pool_bot):  # noqa: ANN001
    said = ask(slack, pool_bot, "U002", "anonymously What should we stop doing?")
    assert "anonymously (your name is not stored)" in said
    row = pool_bot.ctx.conn.execute("SELECT * FROM pool_questions").fetchone()
    assert row["submitted_by"] is None and row["anonymous"] == 1
    assert "U002" not in moderation_dm(slack, "U003")["text"]


def test_typed_encoding_is_decoded_before_storing(slack, pool_bot):  # noqa: ANN001
    """The fake escapes the command's text as Slack does; what is kept is what was typed."""
    typed = "Tea & biscuits or cake, as on https://example.com/?a=1&b=2 &lt;really&gt;?"
    ask(slack, pool_bot, "U001", typed)
    command = [c for c in slack.sent_envelopes if c.get("type") == "slash_commands"][-1]
    assert "&amp;" in command["payload"]["text"]  # Slack's encoding reached the bot
    row = pool_bot.ctx.conn.execute("SELECT text FROM pool_questions").fetchone()
    assert row[0] == typed


def test_a_click_after_another_admin_moderated_changes_nothing_and_shows_the_outcome(
    slack, pool_bot, clock
):  # noqa: ANN001
    ask(slack, pool_bot, "U002", BOOK)
    question_id = pool_bot.ctx.conn.execute("SELECT id FROM pool_questions").fetchone()[0]
    moderation.moderate(pool_bot.ctx.conn, question_id, "reject", "U004", clock=clock)  # on the web
    slack.user("U003").clicks("Approve")  # U003's DM still shows the buttons
    settle(slack, pool_bot)
    row = submit.get(pool_bot.ctx.conn, question_id)
    assert (row["status"], row["reviewed_by"]) == ("rejected", "U004")
    dm = [m for m in slack.dm("U003") if BOOK in m["text"]]
    assert len(dm) == 1 and dm[0]["text"].startswith(":no_entry_sign: Rejected by <@U004>")
    assert slack.calls("chat.update", ok=True)
    told = [m["text"] for m in slack.dm("U002") if BOOK in m["text"]]
    assert told == [f"Your question “{BOOK}” was not taken into the pool this time."]


def test_a_non_admin_cannot_moderate(slack, pool_bot):  # noqa: ANN001
    ask(slack, pool_bot, "U002", BOOK)
    from bot import pool as pool_feature

    question_id = pool_bot.ctx.conn.execute("SELECT id FROM pool_questions").fetchone()[0]
    body = {
        "user": {"id": "U005"},
        "actions": [{"action_id": "pool_approve", "value": str(question_id)}],
    }
    pool_feature.on_moderate(pool_bot.ctx, body)
    assert submit.get(pool_bot.ctx.conn, question_id)["status"] == "pending"
    assert slack.dm("U005")[-1]["text"] == "Only admins moderate the question pool."


def test_edit_from_the_dm_changes_the_wording_and_approves(slack, pool_bot):  # noqa: ANN001
    ask(slack, pool_bot, "U002", "best book this year")
    slack.user("U003").clicks("Edit")
    settle(slack, pool_bot)
    modal = slack.open_view("U003")
    assert modal["blocks"][0]["element"]["initial_value"] == "best book this year"
    slack.user("U003").submits_modal({"text": BOOK})
    settle(slack, pool_bot)
    row = pool_bot.ctx.conn.execute("SELECT * FROM pool_questions").fetchone()
    assert (row["status"], row["text"], row["original_text"]) == (
        "approved",
        BOOK,
        "best book this year",
    )
    assert any("an admin edited its wording" in m["text"] for m in slack.dm("U002"))


def test_home_tab_button_opens_the_modal_and_a_submission_is_kept(slack, pool_bot):  # noqa: ANN001
    settle(slack, pool_bot, slack.user("U001").opens_home())
    ack = slack.user("U001").clicks("Suggest a question")
    assert ack.latency < 1.0
    settle(slack, pool_bot)
    assert slack.open_view("U001")["callback_id"] == "pool_submit"
    slack.user("U001").submits_modal(
        {
            "text": "Mountains or sea?",
            "kind": "Multiple choice",
            "choices": "mountains, sea",
            "anonymous": [],
        }
    )
    settle(slack, pool_bot)
    row = pool_bot.ctx.conn.execute("SELECT * FROM pool_questions").fetchone()
    assert (row["text"], row["kind"], row["options"], row["source"], row["submitted_by"]) == (
        "Mountains or sea?",
        "choice",
        '["mountains", "sea"]',
        "slack_home",
        "U001",
    )
    assert slack.open_view("U001") is None


def test_the_modal_shows_a_duplicate_next_to_the_question_and_stays_open(slack, pool_bot):  # noqa: ANN001
    ask(slack, pool_bot, "U002", BOOK)
    settle(slack, pool_bot, slack.user("U001").opens_home())
    slack.user("U001").clicks("Suggest a question")
    settle(slack, pool_bot)
    ack = slack.user("U001").submits_modal({"text": "Best book you read this year?"})
    assert ack.payload["response_action"] == "errors"
    assert ack.payload["errors"]["text"] == f"A question like this is already in the pool: “{BOOK}”"
    assert slack.open_view("U001") is not None
    ack = slack.user("U001").submits_modal({"text": "Cats or dogs?", "kind": "Multiple choice"})
    assert ack.payload["errors"] == {"choices": "A choice question needs at least 2 options."}


def test_a_question_submitted_on_the_web_is_dmed_to_admins_on_the_next_tick(slack, pool_bot):  # noqa: ANN001
    submit.submit(pool_bot.ctx.conn, BOOK, submitted_by="U005", source="web")
    tick(pool_bot)
    assert BOOK in moderation_dm(slack, "U003")["text"]
    tick(pool_bot)
    assert len([m for m in slack.dm("U003") if "New question" in m["text"]]) == 1


def test_a_question_moderated_on_the_web_updates_the_admin_dms_and_tells_the_submitter(
    slack, pool_bot, clock
):  # noqa: ANN001
    ask(slack, pool_bot, "U002", BOOK)
    question_id = pool_bot.ctx.conn.execute("SELECT id FROM pool_questions").fetchone()[0]
    moderation.moderate(pool_bot.ctx.conn, question_id, "approve", "operator", clock=clock)
    tick(pool_bot)
    for admin in ("U003", "U004"):
        dm = [m for m in slack.dm(admin) if BOOK in m["text"]]
        assert len(dm) == 1
        assert dm[0]["text"].startswith(":white_check_mark: Approved on the web app:")
        assert not any(b["type"] == "actions" for b in dm[0]["blocks"])
    assert [m["text"] for m in slack.dm("U002") if "was approved" in m["text"]] == [
        f"Your question “{BOOK}” was approved: it will be asked in check-ins."
    ]
    tick(pool_bot)
    assert len([m for m in slack.dm("U002") if "was approved" in m["text"]]) == 1


def test_a_pending_question_reworded_on_the_web_updates_the_admins_dms_in_place(
    slack, pool_bot, clock
):  # noqa: ANN001
    ask(slack, pool_bot, "U002", BOOK)
    conn = pool_bot.ctx.conn
    question_id = conn.execute("SELECT id FROM pool_questions").fetchone()[0]
    before = {admin: moderation_dm(slack, admin)["ts"] for admin in ("U003", "U004")}
    reworded = "Which book did you enjoy most this year?"
    moderation.edit_text(
        conn, question_id, reworded, "U003", clock=clock
    )  # what the web page calls
    tick(pool_bot)
    for admin in ("U003", "U004"):
        dms = [m for m in slack.dm(admin) if "New question for the pool" in m["text"]]
        assert len(dms) == 1 and dms[0]["ts"] == before[admin]  # the same message, updated
        assert reworded in dms[0]["text"] and BOOK not in dms[0]["text"]
        buttons = [
            e["text"]["text"]
            for b in dms[0]["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
        ]
        assert buttons == ["Approve", "Edit", "Reject"]
    assert len(slack.calls("chat.update", ok=True)) == 2
    tick(pool_bot)
    assert len(slack.calls("chat.update")) == 2  # shown already: not updated again
    slack.user("U004").clicks("Approve")
    settle(slack, pool_bot)
    row = submit.get(conn, question_id)
    assert (row["status"], row["text"]) == ("approved", reworded)


def test_a_failed_rewording_update_is_tried_again_on_the_next_tick(slack, pool_bot, clock):  # noqa: ANN001
    from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

    for handler in pool_bot.ctx.client.retry_handlers:  # the same retries, without ~5 s of backoff
        handler.interval_calculator = FixedValueRetryIntervalCalculator(0.01)
    ask(slack, pool_bot, "U002", BOOK)
    conn = pool_bot.ctx.conn
    question_id = conn.execute("SELECT id FROM pool_questions").fetchone()[0]
    reworded = "Which book did you enjoy most this year?"
    moderation.edit_text(conn, question_id, reworded, "U003", clock=clock)
    slack.fail("chat.update", 500, times=4)  # the first admin's update, beyond 3 retries
    tick(pool_bot)
    assert BOOK in moderation_dm(slack, "U003")["text"]
    assert reworded in moderation_dm(slack, "U004")["text"]
    tick(pool_bot)
    for admin in ("U003", "U004"):
        assert reworded in moderation_dm(slack, admin)["text"]


def _names_in(conn, member: str) -> list[str]:  # noqa: ANN001
    """Every inbox and events cell that holds the member's id."""
    found = []
    for table in ("inbox", "events"):
        for row in conn.execute(f"SELECT * FROM {table}"):  # noqa: S608
            found += [f"{table}: {v}" for v in tuple(row) if member in str(v or "")]
    return found


def test_an_anonymous_ask_leaves_no_user_id_in_inbox_events_or_log(slack, pool_bot, caplog):  # noqa: ANN001
    caplog.set_level("INFO")  # the level the bot logs at
    ask(slack, pool_bot, "U002", "anonymously What should we stop doing?")
    settle(slack, pool_bot)
    conn = pool_bot.ctx.conn
    kept = conn.execute("SELECT member_id, payload, done_at FROM inbox").fetchall()
    assert kept and all(r["done_at"] for r in kept)  # the request was kept, and is done
    assert _names_in(conn, "U002") == []
    assert "U002" not in caplog.text
    assert "anonymous" in moderation_dm(slack, "U003")["text"]


def test_an_anonymous_question_from_the_home_tab_leaves_no_user_id_behind(slack, pool_bot, caplog):  # noqa: ANN001
    caplog.set_level("INFO")  # the level the bot logs at
    settle(slack, pool_bot, slack.user("U001").opens_home())
    slack.user("U001").clicks("Suggest a question")
    settle(slack, pool_bot)
    caplog.clear()
    before = {r[0] for r in pool_bot.ctx.conn.execute("SELECT id FROM inbox")}
    slack.user("U001").submits_modal(
        {
            "text": "Mountains or sea?",
            "kind": "Free text",
            "choices": "",
            "anonymous": ["Submit anonymously (your name is not stored)"],
        }
    )
    settle(slack, pool_bot)
    row = pool_bot.ctx.conn.execute("SELECT * FROM pool_questions").fetchone()
    assert row["submitted_by"] is None and row["anonymous"] == 1
    new = [r for r in pool_bot.ctx.conn.execute("SELECT * FROM inbox") if r["id"] not in before]
    assert new and all(r["member_id"] is None and r["payload"] == "{}" for r in new)
    events = pool_bot.ctx.conn.execute(
        "SELECT * FROM events WHERE member_id = 'U001' AND kind = 'message_sent'"
    ).fetchall()
    assert [e["at"] for e in events if e["method"] == "chat.postMessage"] == []
    assert "U001" not in caplog.text
