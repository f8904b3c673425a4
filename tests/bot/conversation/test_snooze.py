"""Snooze and reminders: one message after a snooze, an honest answer when the window is too
short, and a wake-up that fails is posted again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from checkin.answers import runs
from checkin.clock import parse_iso
from tests.bot.conftest import settle, tick

pytestmark = pytest.mark.timeout(60)

PARIS_NINE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # the daily check-in reminds after 2 h


def texts(slack) -> list[str]:  # noqa: ANN001
    return [m["text"] for m in slack.dm("U001")]


def test_a_snooze_ending_after_the_reminder_time_gets_one_message(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    clock.advance(minutes=90)
    slack.user("U001").clicks("Snooze 1 h")  # ends at 10:30 UTC, after the 10:00 reminder
    settle(slack, bot)
    for _ in range(8):
        clock.advance(minutes=10)
        tick(bot)
    back = [t for t in texts(slack) if t.startswith("Back from your snooze")]
    reminders = [t for t in texts(slack) if "gentle reminder" in t]
    assert len(back) == 1 and reminders == []


def test_a_snooze_that_would_outlast_the_window_says_so_and_keeps_the_buttons(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    run = bot.ctx.conn.execute("SELECT * FROM runs WHERE member_id = 'U001'").fetchone()
    clock.set(parse_iso(run["closes_at"]) - timedelta(minutes=30))
    slack.user("U001").clicks("Snooze 1 h")
    settle(slack, bot)
    assert "before a snooze would end, so it is not snoozed" in texts(slack)[-1]
    assert runs.get_run(bot.ctx.conn, run["id"])["snoozed_until"] is None
    slack.user("U001").clicks("good")  # the buttons still work
    settle(slack, bot)
    assert bot.ctx.conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 1


def test_a_wake_up_that_cannot_be_posted_is_posted_again(slack, bot, clock):  # noqa: ANN001
    bot.ctx.client.retry_handlers[0].max_retry_count = 0
    clock.set(PARIS_NINE)
    tick(bot)
    slack.user("U001").clicks("Snooze 1 h")
    settle(slack, bot)
    clock.advance(minutes=61)
    slack.fail("chat.postMessage", "ratelimited", times=1, retry_after=0, match={"channel": "D001"})
    tick(bot)
    assert not any(t.startswith("Back from your snooze") for t in texts(slack))
    clock.advance(seconds=30)
    tick(bot)
    back = [t for t in texts(slack) if t.startswith("Back from your snooze")]
    assert len(back) == 1, "posted again, once"
    slack.user("U001").clicks("good")  # and it has buttons to answer
    settle(slack, bot)
    assert bot.ctx.conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 1


def test_a_skip_while_a_run_is_left_sending_applies_to_it(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    slack.fail("chat.postMessage", 500, times=1, applied=True, match={"channel": "D001"})
    tick(bot)  # posted, but the bot heard a 500: the run stays 'sending' until checked
    conn = bot.ctx.conn
    run = conn.execute("SELECT * FROM runs WHERE member_id = 'U001'").fetchone()
    assert run["status"] == "sending"
    slack.user("U001").runs("/checkin skip")
    settle(slack, bot)
    assert runs.get_run(conn, run["id"])["status"] == "skipped"
    clock.advance(minutes=1)
    tick(bot)
    assert runs.get_run(conn, run["id"])["status"] == "skipped", "not opened nor sent again"
    assert len(slack.dm("U001")) == 1
