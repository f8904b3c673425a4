"""A request acknowledged, then the bot killed before its work: the next bot does the work, once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from checkin.people import members
from tests.bot.conftest import settle, tick

pytestmark = pytest.mark.timeout(60)

PARIS_NINE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def count(conn, sql: str, *args: object) -> int:  # noqa: ANN001
    return conn.execute(sql, args).fetchone()[0]


def lose_the_queue(bot) -> None:  # noqa: ANN001
    """What a kill after the ack does: the work queued in memory never runs."""
    bot.ctx.worker.submit = lambda *args: None


def test_an_acked_click_and_typed_answer_survive_a_kill_and_are_stored_once(
    slack,
    make_bot,
    clock,  # noqa: ANN001
):
    first = make_bot()
    clock.set(PARIS_NINE)
    tick(first)
    settle(slack, first)
    slack.user("U001").clicks("good")
    settle(slack, first)
    slack.user("U001").clicks("home")
    settle(slack, first)
    lose_the_queue(first)
    event_id = slack.user("U001").types("Release notes")
    slack.wait_until(lambda: any(a.event_id == event_id for a in slack.acks))
    conn = first.ctx.conn
    assert count(conn, "SELECT COUNT(*) FROM answers WHERE question_id = 3") == 0
    assert count(conn, "SELECT COUNT(*) FROM inbox WHERE done_at IS NULL") == 1
    first.stop(timeout=1)

    second = make_bot()
    settle(slack, second)
    conn = second.ctx.conn
    assert conn.execute("SELECT text FROM answers WHERE question_id = 3").fetchone()[0] == (
        "Release notes"
    )
    assert count(conn, "SELECT COUNT(*) FROM inbox WHERE done_at IS NULL") == 0
    asked = [m for m in slack.dm("U001") if m["text"].startswith("4/4")]
    assert len(asked) == 1, "the next question is asked once, by the second bot"
    second.stop(timeout=1)

    third = make_bot()
    settle(slack, third)
    conn = third.ctx.conn
    assert count(conn, "SELECT COUNT(*) FROM answers WHERE member_id = 'U001'") == 3
    assert len([m for m in slack.dm("U001") if m["text"].startswith("4/4")]) == 1


def test_a_redelivered_event_is_kept_once(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    settle(slack, bot)
    event_id = slack.user("U001").types("hello")
    settle(slack, bot, event_id)
    envelope = next(
        e for e in slack.sent_envelopes if (e.get("payload") or {}).get("event_id") == event_id
    )
    slack.redeliver(envelope["envelope_id"])
    slack.wait_until(lambda: sum(a.event_id == event_id for a in slack.acks) == 2)
    settle(slack, bot)
    assert count(bot.ctx.conn, "SELECT COUNT(*) FROM inbox WHERE event_id = ?", event_id) == 1


def test_a_slash_command_acked_before_a_kill_is_done_after_the_restart(
    slack,
    make_bot,
    clock,  # noqa: ANN001
):
    first = make_bot()
    clock.set(PARIS_NINE)
    lose_the_queue(first)
    slack.user("U001").runs("/checkin pause until 2026-12-24")
    row = members.get_member(first.ctx.conn, "U001")
    assert row is None or row["paused_until"] is None
    first.stop(timeout=1)

    second = make_bot()
    settle(slack, second)
    assert members.get_member(second.ctx.conn, "U001")["paused_until"] == "2026-12-24"
    assert any("paused until" in str(r.body.get("text")) for r in slack.responses)
