"""The loop follows the injected clock in UTC: a host's fall-back or a backward clock step
never stalls it; the outbox is picked up within seconds during a 500-member fan-out."""

from __future__ import annotations

import threading
import time
import types
from datetime import UTC, datetime, timedelta

import pytest

from bot.scheduler import Scheduler
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.db import connection
from checkin.ops import outbox
from tests.bot.conftest import settle
from tests.fakeslack.workspace import make_user

pytestmark = pytest.mark.timeout(120)

# Europe/Berlin falls back at 01:00 UTC on Sunday 2026-10-25 (03:00 CEST -> 02:00 CET).
FALL_BACK = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
PARIS_NINE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def counting(bot) -> list[datetime]:  # noqa: ANN001
    """A feature whose tick notes the injected clock's time of each pass."""
    seen: list[datetime] = []
    feature = types.ModuleType("counting")
    feature.tick = lambda ctx: seen.append(ctx.clock())
    bot.ctx.features.append(feature)
    return seen


def test_the_loop_ticks_on_the_injected_clock_through_a_fall_back(slack, bot, clock):  # noqa: ANN001
    seen = counting(bot)
    clock.set(FALL_BACK - timedelta(seconds=30))
    loop = Scheduler(bot.ctx, interval=5).start()
    try:
        slack.wait_until(lambda: len(seen) == 1, 5, "the first tick, at once")
        for n in range(2, 14):  # a minute across the fall-back, 5 s at a time
            clock.advance(seconds=5)
            slack.wait_until(lambda n=n: len(seen) == n, 5, f"tick {n}")
    finally:
        loop.stop(1)
    assert seen[-1] - seen[0] == timedelta(seconds=60)


def test_a_backward_step_ticks_at_once_and_keeps_ticking_and_sending(slack, bot, clock):  # noqa: ANN001
    seen = counting(bot)
    clock.set(PARIS_NINE - timedelta(seconds=10))
    loop = Scheduler(bot.ctx, interval=5).start()
    try:
        slack.wait_until(lambda: len(seen) == 1, 5)
        clock.advance(seconds=10)  # 08:00 UTC: 09:00 in Paris and Berlin
        slack.wait_until(lambda: len(seen) == 2, 5)
        slack.wait_until(lambda: slack.dm("U001") and slack.dm("U004"), 10, "the sends")
        clock.set(PARIS_NINE - timedelta(minutes=10))  # the host's clock stepped back
        slack.wait_until(lambda: len(seen) == 3, 5, "a tick at once after the step")
        for n in range(4, 8):
            clock.advance(seconds=5)
            slack.wait_until(lambda n=n: len(seen) == n, 5, f"tick {n} after the step")
        clock.set(PARIS_NINE + timedelta(seconds=5))
        slack.wait_until(lambda: len(seen) == 8, 5)
        assert settle(slack, bot) is None
    finally:
        loop.stop(1)
    assert len(slack.dm("U001")) == 1 and len(slack.dm("U004")) == 1, "sent once, not again"


def test_a_tick_while_the_due_runs_are_being_made_is_not_lost(slack, bot, clock, monkeypatch):  # noqa: ANN001
    """The pass a tick queued reads the clock as it starts; a tick at 09:00 that comes while
    the 08:59:50 pass is still reading the roster gets a pass of its own after it."""
    from bot import scheduler
    from bot.conversation import sending

    first_pass = threading.Event()
    go_on = threading.Event()
    create_runs = sending.create_runs

    def slow_first(ctx, checkin, now):  # noqa: ANN001, ANN202
        if not first_pass.is_set():
            first_pass.set()
            assert go_on.wait(10)
        return create_runs(ctx, checkin, now)

    monkeypatch.setattr(sending, "create_runs", slow_first)
    clock.set(PARIS_NINE - timedelta(seconds=10))
    scheduler.tick(bot.ctx)
    assert first_pass.wait(10), "the first pass started"
    clock.set(PARIS_NINE)  # 09:00 in Paris and Berlin, while the 08:59:50 pass runs
    scheduler.tick(bot.ctx)
    go_on.set()
    slack.wait_until(lambda: slack.dm("U001") and slack.dm("U004"), 10, "the 09:00 sends")
    assert settle(slack, bot) is None
    assert len(slack.dm("U001")) == 1 and len(slack.dm("U004")) == 1, "sent once"


FANOUT = 500


def test_an_outbox_row_is_picked_up_within_5_s_during_a_500_member_fan_out(
    slack, make_bot, story_db, clock
):  # noqa: ANN001
    ids = [f"U8{n:04d}" for n in range(FANOUT)]
    for uid in ids:
        slack.workspace.add_user(make_user(uid, f"p{uid}", f"Person {uid}", "Europe/Paris", 3600))
    toml = f"""
[[checkin]]
name = "crowd"
days = ["mon"]
time = "09:00"
participants = {ids!r}
[[checkin.question]]
text = "How are you feeling?"
kind = "scale"
""".replace("'", '"')
    conn = connection.connect(story_db)
    import_definitions(conn, parse_toml(toml), clock=clock)
    conn.execute("UPDATE checkins SET participants = ? WHERE name = 'daily'", ('["U002"]',))
    conn.close()
    slack.rate_limit("chat.postMessage", per_second=40, retry_after=1)  # Slack's own pace
    bot = make_bot()
    conn = bot.ctx.conn
    clock.set(PARIS_NINE)
    loop = Scheduler(bot.ctx, interval=5).start()
    try:
        slack.wait_until(lambda: sum(bool(slack.dm_count(u)) for u in ids[:50]) >= 5, 30, "fan-out")
        outbox_id = outbox.enqueue(conn, "send_checkin", {"checkin": "daily", "members": ["U002"]})
        queued = time.monotonic()
        slack.wait_until(
            lambda: (
                conn.execute("SELECT status FROM outbox WHERE id = ?", (outbox_id,)).fetchone()[0]
                == "done"
            ),
            10,
            "the outbox row",
        )
        picked_after = time.monotonic() - queued
        still_sending = sum(not slack.dm_count(u) for u in ids)
        print(
            f"outbox row done {picked_after:.2f} s after it was queued; "
            f"{still_sending} of {FANOUT} members not yet sent"
        )
        assert picked_after < 5
        assert still_sending > 0, "the fan-out was still going"
        slack.wait_until(lambda: all(slack.dm_count(u) for u in ids), 90, "everyone")
        slack.wait_until(lambda: slack.dm("U002"), 30, "the row's own send")
    finally:
        loop.stop(1)
