"""Restarts, redeliveries, double clicks and crashes never ask twice nor store twice."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from bot.conversation import sending
from checkin.answers import runs
from checkin.checkins import model
from checkin.ops import heartbeat
from checkin.people.members import get_member
from tests.bot.conftest import settle, tick

pytestmark = pytest.mark.timeout(60)

PARIS_NINE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def greetings(slack, user: str) -> int:  # noqa: ANN001
    return sum(1 for m in slack.dm(user) if m["text"].startswith("Hi "))


def count(conn, sql: str, *args: object) -> int:  # noqa: ANN001
    return conn.execute(sql, args).fetchone()[0]


def test_a_bot_killed_mid_run_carries_on_after_restart(slack, make_bot, clock):  # noqa: ANN001
    first = make_bot()
    clock.set(PARIS_NINE)
    tick(first)
    slack.user("U001").clicks("good")
    settle(slack, first)
    first.stop(timeout=1)

    second = make_bot()
    clock.advance(minutes=20)
    tick(second)
    assert greetings(slack, "U001") == 1, "the restarted bot does not send the run again"
    slack.user("U001").clicks("office")  # a button posted by the first bot
    settle(slack, second)
    settle(slack, second, slack.user("U001").types("Release notes"))
    settle(slack, second, slack.user("U001").types("5"))
    conn = second.ctx.conn
    assert count(conn, "SELECT COUNT(*) FROM answers WHERE member_id = 'U001'") == 4
    assert runs.get_run(conn, 1)["status"] == "answered"
    assert slack.dm("U001")[-1]["text"].startswith("Thanks!")


def test_a_run_due_while_the_bot_was_down_is_sent_when_it_starts(slack, make_bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE + timedelta(hours=2, minutes=30))  # 11:30 in Paris, the bot was down
    bot = make_bot(connect=False)
    bot.start(scheduler=True)  # the scheduler ticks at once on start
    slack.wait_until(lambda: greetings(slack, "U001") == 1, message="U001's missed run")
    slack.wait_until(lambda: heartbeat.read_heartbeat(bot.ctx.conn) is not None)
    slack.wait_until(lambda: greetings(slack, "U004") == 1, message="U004's missed run")
    settle(slack, bot)
    assert greetings(slack, "U002") == 0, "not yet 09:00 in New York"


def test_a_run_missed_on_an_earlier_day_is_not_sent(slack, bot, clock):  # noqa: ANN001
    clock.set(datetime(2026, 12, 1, 7, 0, tzinfo=UTC))  # Tuesday 08:00 in Paris
    tick(bot)
    assert greetings(slack, "U001") == 0
    assert count(bot.ctx.conn, "SELECT COUNT(*) FROM runs WHERE member_id = 'U001'") == 0


def test_a_second_tick_or_a_second_bot_does_not_send_again(slack, make_bot, clock):  # noqa: ANN001
    one, two = make_bot(), make_bot(connect=False)
    clock.set(PARIS_NINE)
    tick(one)
    tick(two)
    tick(one)
    assert greetings(slack, "U001") == 1
    assert count(one.ctx.conn, "SELECT COUNT(*) FROM runs") == 3  # Paris, Berlin, Kolkata


def test_a_double_click_stores_one_answer(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    first = slack.user("U001").clicks("good")
    envelope = next(e for e in slack.sent_envelopes if e["envelope_id"] == first.envelope_id)
    again = copy.deepcopy(envelope)
    again["envelope_id"] = str(uuid.uuid4())
    slack.send_envelope(again)
    slack.ack_for(again["envelope_id"])
    settle(slack, bot)
    conn = bot.ctx.conn
    assert count(conn, "SELECT COUNT(*) FROM answers") == 1
    assert count(conn, "SELECT COUNT(*) FROM events WHERE kind = 'answer_stored'") == 1
    asked = [m for m in slack.dm("U001") if "Where are you working from?" in m["text"]]
    assert len(asked) == 1, "the next question is asked once"


def test_a_redelivered_event_stores_one_answer(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    slack.user("U001").clicks("good")
    settle(slack, bot)
    slack.user("U001").clicks("home")
    settle(slack, bot)
    event_id = slack.user("U001").types("Reviews")
    settle(slack, bot, event_id)
    envelope = next(
        e for e in slack.sent_envelopes if (e.get("payload") or {}).get("event_id") == event_id
    )
    slack.redeliver(envelope["envelope_id"])
    slack.wait_until(lambda: sum(a.event_id == event_id for a in slack.acks) == 2)
    settle(slack, bot)
    conn = bot.ctx.conn
    assert count(conn, "SELECT COUNT(*) FROM answers") == 3
    assert conn.execute("SELECT text FROM answers WHERE question_id = 3").fetchone()[0] == (
        "Reviews"
    )
    number_question = [m for m in slack.dm("U001") if m["text"].startswith("4/4")]
    assert len(number_question) == 1


def test_a_crash_between_posting_and_recording_does_not_resend(
    slack,
    bot,
    clock,
    monkeypatch,  # noqa: ANN001
):
    real = runs.set_run_status

    def crash_on_open(conn, run_id, status, **kwargs):  # noqa: ANN001, ANN202
        if status == "open":
            raise SystemExit("killed")
        return real(conn, run_id, status, **kwargs)

    clock.set(PARIS_NINE)
    monkeypatch.setattr(runs, "set_run_status", crash_on_open)
    with pytest.raises(SystemExit):
        sending.send_run(bot.ctx, _due_run(bot, "U001"))
    monkeypatch.setattr(runs, "set_run_status", real)
    run = runs.get_run(bot.ctx.conn, 1)
    assert run["status"] == "sending"
    assert greetings(slack, "U001") == 1

    clock.advance(minutes=5)
    tick(bot)
    run = runs.get_run(bot.ctx.conn, 1)
    assert run["status"] == "open"
    assert run["message_ts"] == slack.dm("U001")[0]["ts"]
    assert greetings(slack, "U001") == 1, "found in the DM's history, not posted again"
    slack.user("U001").clicks("great")
    settle(slack, bot)
    assert count(bot.ctx.conn, "SELECT COUNT(*) FROM answers") == 1


def test_a_claimed_run_that_never_reached_slack_is_sent_after_the_check(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    run_id = _due_run(bot, "U001")
    runs.set_run_status(bot.ctx.conn, run_id, "sending", sent_at=clock())
    clock.advance(minutes=5)
    tick(bot)
    assert greetings(slack, "U001") == 1
    assert runs.get_run(bot.ctx.conn, run_id)["status"] == "open"


def _due_run(bot, member: str) -> int:  # noqa: ANN001
    """Create (not send) the member's run that is due now."""
    ctx = bot.ctx
    checkin = model.get_checkin(ctx.conn, "daily")
    from bot import members
    from checkin.checkins.timing import MemberClock, Schedule, due_runs

    members.roster(ctx, checkin)
    row = get_member(ctx.conn, member)
    (due,) = due_runs(Schedule.of(checkin), [MemberClock.of(row)], ctx.clock())
    return runs.create_run(ctx.conn, checkin["id"], due, [1, 2, 3, 4], clock=ctx.clock)
