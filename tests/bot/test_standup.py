"""Standup mode through the real bot against the fake Slack: each member's answers in the
channel once, under the day's message, kept current when edited; the channel checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.conversation import broadcasting
from checkin.checkins import editing, model
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.db import connection
from checkin.people.viewer import Viewer
from tests.bot.conftest import settle, tick
from tests.fakeslack.workspace import BOT_USER_ID

pytestmark = pytest.mark.timeout(60)

STANDUP = """
[[checkin]]
name = "Daily standup"
days = ["mon", "tue", "wed", "thu", "fri"]
time = "09:00"
timezone = "Europe/Berlin"
participants = ["U001", "U002", "U004"]
broadcast = "{channel}"

[[checkin.question]]
text = "What did you do yesterday?"
kind = "text"

[[checkin.question]]
text = "Anything blocking you?"
kind = "choice"
options = ["nothing", "something"]
"""
# Monday 2026-11-30: 09:00 in Paris and Berlin, then in New York
EUROPE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
NEW_YORK = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
NAMES = {"U001": "Alice Moreau", "U002": "Bob Okafor", "U004": "Dmitri Volkov"}


@pytest.fixture
def standup(story_db, clock):  # noqa: ANN001, ANN201
    """`standup(channel)`: the story database with the standup check-in posting to `channel`
    (the story's own check-in off)."""

    def make(channel: str = "#team"):  # noqa: ANN202
        conn = connection.connect(story_db)
        conn.execute("UPDATE checkins SET active = 0 WHERE name = 'daily'")
        result = import_definitions(conn, parse_toml(STANDUP.format(channel=channel)), clock=clock)
        conn.close()
        return result

    return make


def at(bot, clock, moment: datetime) -> None:  # noqa: ANN001
    clock.set(moment)
    tick(bot)


def finish(slack, bot, user: str, text: str, choice: str = "nothing") -> None:  # noqa: ANN001
    """The member answers their two questions: types the first, clicks the second."""
    settle(slack, bot, slack.user(user).types(text))
    slack.user(user).clicks(choice)
    settle(slack, bot)


def posts(slack, channel: str = "#team") -> tuple[list[dict], list[dict]]:  # noqa: ANN001
    """The day's messages and the members' posts the bot made in the channel."""
    messages = slack.history(channel)
    kind = [(m.get("metadata") or {}).get("event_type") for m in messages]
    days = [m for m, k in zip(messages, kind, strict=True) if k == broadcasting.METADATA_DAY]
    members = [m for m, k in zip(messages, kind, strict=True) if k == broadcasting.METADATA_POST]
    return days, members


def posted_to(slack, channel_id: str) -> int:  # noqa: ANN001
    return len([c for c in slack.calls("chat.postMessage") if c.get("channel") == channel_id])


def text_of(message: dict) -> str:
    return " ".join(
        (b.get("text") or {}).get("text", "") for b in message.get("blocks") or []
    ).strip()


def test_each_member_finishing_posts_once_in_the_days_thread_under_their_name(
    slack, standup, make_bot, clock
) -> None:  # noqa: ANN001
    standup()
    bot = make_bot()
    at(bot, clock, EUROPE)
    assert posts(slack) == ([], []), "nothing is posted before anyone finishes"

    finish(slack, bot, "U001", "Fixed the build & the <flaky> tests")
    (day,), (alice,) = posts(slack)
    assert text_of(day).startswith("*Daily standup · Mon 30 Nov*")
    assert "thread_ts" not in day or day["thread_ts"] == day["ts"]
    assert alice["thread_ts"] == day["ts"]
    assert text_of(alice).startswith("*Alice Moreau*")
    answer = alice["blocks"][2]["text"]
    assert answer == {
        "type": "plain_text",
        "text": "Fixed the build & the <flaky> tests",
        "emoji": True,
    }

    finish(slack, bot, "U004", "Reviewed PRs", choice="something")
    at(bot, clock, NEW_YORK)
    finish(slack, bot, "U002", "Wrote the release notes")
    for later in (5, 60, 180):  # the scheduler finds nothing left to post
        at(bot, clock, NEW_YORK + timedelta(minutes=later))

    days, members = posts(slack)
    assert len(days) == 1, "one message a day, posted by whoever finished first"
    assert [text_of(m).split("*")[1] for m in members] == [
        NAMES["U001"],
        NAMES["U004"],
        NAMES["U002"],
    ]
    assert {m["thread_ts"] for m in members} == {days[0]["ts"]}
    assert [b["text"]["text"] for b in members[1]["blocks"][1:]] == [
        "*What did you do yesterday?*",
        "Reviewed PRs",
        "*Anything blocking you?*",
        "something",
    ]
    assert posted_to(slack, "C0002") == 4, "the day's message and three members, once each"
    runs = {m["metadata"]["event_payload"]["run_id"] for m in members}
    assert len(runs) == 3


def test_an_edit_updates_the_post_and_a_skipped_run_posts_nothing(
    slack, standup, make_bot, clock
) -> None:  # noqa: ANN001
    standup()
    bot = make_bot()
    at(bot, clock, EUROPE)
    slack.user("U004").clicks("Skip today")
    settle(slack, bot)
    finish(slack, bot, "U001", "Fixed the build")
    (day,), (alice,) = posts(slack)

    clock.advance(minutes=10)
    slack.user("U001").clicks("Edit answers")
    settle(slack, bot)
    slack.user("U001").submits_modal({"What did you do yesterday?": "Fixed the build, twice"})
    settle(slack, bot)
    at(bot, clock, EUROPE + timedelta(hours=1))

    days, members = posts(slack)
    assert [m["ts"] for m in members] == [alice["ts"]], "the same post, changed in place"
    assert "Fixed the build, twice" in str(members[0]["blocks"])
    assert members[0]["edited"]["user"] == BOT_USER_ID
    updates = [c for c in slack.calls("chat.update", ok=True) if c.get("channel") == "C0002"]
    assert len(updates) == 1
    assert posted_to(slack, "C0002") == 2, "Dmitri skipped: nothing of his is posted"


def test_a_run_finished_after_its_day_goes_into_its_own_days_thread(
    slack, standup, make_bot, clock
) -> None:  # noqa: ANN001
    standup()
    bot = make_bot()
    at(bot, clock, EUROPE)
    finish(slack, bot, "U001", "Planning")
    settle(slack, bot, slack.user("U004").types("Monday's work, typed after midnight"))
    # Tuesday 00:30 in Berlin: Monday's run closed half an hour ago; Dmitri finishes it
    at(bot, clock, datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    slack.user("U004").clicks("nothing")
    settle(slack, bot)
    at(bot, clock, datetime(2026, 12, 1, 8, 0, tzinfo=UTC))  # Tuesday's runs
    finish(slack, bot, "U001", "Tuesday things")

    days, members = posts(slack)
    assert [text_of(d).split("*")[1] for d in days] == [
        "Daily standup · Mon 30 Nov",
        "Daily standup · Tue 1 Dec",
    ]
    monday, tuesday = (d["ts"] for d in days)
    assert [(text_of(m).split("*")[1], m["thread_ts"]) for m in members] == [
        (NAMES["U001"], monday),
        (NAMES["U004"], monday),
        (NAMES["U001"], tuesday),
    ]
    assert "(answered late)" in text_of(members[1])


def test_one_message_each_without_a_thread(slack, standup, make_bot, clock) -> None:  # noqa: ANN001
    standup()
    bot = make_bot()
    bot.ctx.conn.execute("UPDATE checkins SET broadcast_thread = 0")
    at(bot, clock, EUROPE)
    finish(slack, bot, "U001", "Planning")
    finish(slack, bot, "U004", "Reviewing")
    days, members = posts(slack)
    assert days == []
    assert [m.get("thread_ts") for m in members] == [None, None]
    assert text_of(members[0]).startswith("*Alice Moreau* · Daily standup, Mon 30 Nov")


def test_a_channel_without_the_bot_is_reported_with_how_to_invite_it_then_posted_to(
    slack, standup, make_bot, clock
) -> None:  # noqa: ANN001
    slack.workspace.add_channel("C0003", "standup", ["U001", "U002", "U004"])
    imported = standup("#standup")
    invite = "`/invite @checkin` in #standup"
    assert invite in imported.summary(), "the import says how, before the bot has looked"
    bot = make_bot()
    at(bot, clock, EUROPE)

    checkin = model.get_checkin(bot.ctx.conn, "Daily standup")
    assert checkin["broadcast_problem"] == (
        "The bot is not in #standup, so Daily standup's answers cannot be posted there: "
        "type `/invite @checkin` in #standup."
    )
    admin = Viewer.operator()
    form = editing.checkin_form(bot.ctx.conn, admin, checkin["id"])
    assert invite in form.broadcast_note, "the Check-ins page shows it"
    events = bot.ctx.conn.execute(
        "SELECT error FROM events WHERE kind = 'standup_channel'"
    ).fetchall()
    assert len(events) == 1 and invite in events[0][0]

    finish(slack, bot, "U001", "Waiting for the bot")
    at(bot, clock, EUROPE + timedelta(minutes=5))
    assert posted_to(slack, "C0003") == 0, "nothing tried while the bot is not in it"
    assert (
        len(bot.ctx.conn.execute("SELECT * FROM events WHERE kind = 'standup_channel'").fetchall())
        == 1
    )

    slack.workspace.invite("#standup", BOT_USER_ID)
    at(bot, clock, EUROPE + timedelta(minutes=11))  # looked at again after RECHECK
    settle(slack, bot)
    at(bot, clock, EUROPE + timedelta(minutes=12))
    (day,), (alice,) = posts(slack, "#standup")
    assert alice["thread_ts"] == day["ts"] and "Waiting for the bot" in str(alice["blocks"])
    assert model.get_checkin(bot.ctx.conn, "Daily standup")["broadcast_problem"] is None
    assert editing.checkin_form(bot.ctx.conn, admin, checkin["id"]).broadcast_note == ""


def test_a_post_refused_for_want_of_the_channel_goes_out_once_the_bot_is_invited(
    slack, standup, make_bot, clock
) -> None:  # noqa: ANN001
    standup()
    bot = make_bot()
    at(bot, clock, EUROPE)  # the bot looked: it is in #team
    slack.workspace.remove("#team", BOT_USER_ID)
    finish(slack, bot, "U001", "Removed meanwhile")
    assert posts(slack) == ([], [])
    assert "`/invite @checkin` in #team" in (
        model.get_checkin(bot.ctx.conn, "Daily standup")["broadcast_problem"] or ""
    )
    slack.workspace.invite("#team", BOT_USER_ID)
    at(bot, clock, EUROPE + timedelta(minutes=11))
    settle(slack, bot)
    at(bot, clock, EUROPE + timedelta(minutes=12))
    (day,), (alice,) = posts(slack)
    assert alice["thread_ts"] == day["ts"]
    assert posted_to(slack, "C0002") == 3, "the refused day's message, then it and the post"


def test_a_bot_started_again_looks_at_the_channel_at_once(slack, standup, make_bot, clock) -> None:  # noqa: ANN001
    slack.workspace.add_channel("C0003", "standup", ["U001", "U002", "U004"])
    standup("C0003")  # by id: the line names the channel as people type it
    first = make_bot()
    at(first, clock, EUROPE)
    finish(slack, first, "U001", "Waiting for the bot")
    problem = model.get_checkin(first.ctx.conn, "Daily standup")["broadcast_problem"]
    assert problem.endswith("type `/invite @checkin` in #standup.")
    first.stop(timeout=1)

    slack.workspace.invite("#standup", BOT_USER_ID)  # while no bot runs
    second = make_bot()
    at(second, clock, EUROPE + timedelta(minutes=1))  # long before the 10-minute look again
    at(second, clock, EUROPE + timedelta(minutes=2))
    (day,), (alice,) = posts(slack, "#standup")
    assert alice["thread_ts"] == day["ts"] and "Waiting for the bot" in str(alice["blocks"])
