"""Answers given after the weekly summary was posted: one note in its thread, through the real
bot against the fake Slack, kept current at most once an hour on the test's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import reports as bot_reports
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.db import connection
from tests.bot.conftest import settle, tick

pytestmark = pytest.mark.timeout(60)

WEEKLY = """
[[checkin]]
name = "weekly"
days = ["mon"]
time = "09:00"
timezone = "Europe/Berlin"
participants = ["U001", "U004"]
report_channel = "#general"
report = { day = "mon", time = "12:00" }
visibility = "team"

[[checkin.question]]
text = "What did you work on?"
kind = "text"
"""
ASKED = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris and Berlin
SUMMARY = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)  # Monday 12:00 in Berlin


@pytest.fixture
def weekly(story_db, clock):  # noqa: ANN001, ANN201
    conn = connection.connect(story_db)
    conn.execute("UPDATE checkins SET active = 0 WHERE name = 'daily'")
    import_definitions(conn, parse_toml(WEEKLY), clock=clock)
    conn.close()
    return story_db


def at(bot, clock, moment: datetime) -> None:  # noqa: ANN001
    clock.set(moment)
    tick(bot, timeout=30)


def summary_and_notes(slack) -> tuple[dict, list[dict]]:  # noqa: ANN001
    messages = slack.history("#general")
    kinds = [(m.get("metadata") or {}).get("event_type") for m in messages]
    (summary,) = [m for m, k in zip(messages, kinds, strict=True) if k == "checkin_report"]
    notes = [
        m
        for m, k in zip(messages, kinds, strict=True)
        if k == bot_reports.LATE_EVENT and m.get("thread_ts") == summary["ts"]
    ]
    return summary, notes


def answers(slack, bot, user: str, text: str) -> None:  # noqa: ANN001
    settle(slack, bot, slack.user(user).types(text))


def test_a_late_answer_adds_one_note_to_the_summary_kept_current_hourly(
    slack, weekly, make_bot, clock
) -> None:  # noqa: ANN001
    bot = make_bot()
    at(bot, clock, ASKED)
    at(bot, clock, SUMMARY)
    summary, notes = summary_and_notes(slack)
    assert notes == [], "no note before anyone answers late"

    clock.set(SUMMARY + timedelta(minutes=10))
    answers(slack, bot, "U001", "Shipped the release")
    at(bot, clock, SUMMARY + timedelta(minutes=10))
    _, (note,) = summary_and_notes(slack)
    assert note["text"] == "Late: 1 more answer, participation now 50%."

    clock.set(SUMMARY + timedelta(minutes=20))
    answers(slack, bot, "U004", "Reviewed the release")
    at(bot, clock, SUMMARY + timedelta(minutes=20))
    at(bot, clock, SUMMARY + timedelta(minutes=65))
    _, (note,) = summary_and_notes(slack)
    assert note["text"] == "Late: 1 more answer, participation now 50%.", "at most hourly"

    at(bot, clock, SUMMARY + timedelta(minutes=71))
    at(bot, clock, SUMMARY + timedelta(hours=3))
    _, (note,) = summary_and_notes(slack)
    assert note["text"] == "Late: 2 more answers, participation now 100%."
    assert "edited" in note, "the same note, changed in place"
    in_thread = [c for c in slack.calls("chat.postMessage") if c.get("thread_ts") == summary["ts"]]
    assert len(in_thread) == 1, "one note per summary"


def test_a_note_slack_took_before_failing_is_found_in_the_thread_not_posted_again(
    slack, weekly, make_bot, clock
) -> None:  # noqa: ANN001
    bot = make_bot()
    at(bot, clock, ASKED)
    at(bot, clock, SUMMARY)
    clock.set(SUMMARY + timedelta(minutes=10))
    answers(slack, bot, "U001", "Shipped the release")
    slack.fail("chat.postMessage", 500, applied=True, match={"channel": "C0001"})
    at(bot, clock, SUMMARY + timedelta(minutes=10))
    summary, (note,) = summary_and_notes(slack)  # Slack has it; the bot heard a 500
    assert note["text"] == "Late: 1 more answer, participation now 50%."

    clock.set(SUMMARY + timedelta(minutes=30))
    answers(slack, bot, "U004", "Reviewed the release")
    at(bot, clock, SUMMARY + timedelta(minutes=30))
    at(bot, clock, SUMMARY + timedelta(minutes=75))
    _, notes = summary_and_notes(slack)
    assert [n["ts"] for n in notes] == [note["ts"]], "found in the thread, not posted twice"
    assert notes[0]["text"] == "Late: 2 more answers, participation now 100%."
    row = bot.ctx.conn.execute("SELECT late_status, late_ts, late_answers FROM report_posts")
    assert tuple(row.fetchone()) == ("posted", note["ts"], 2)
