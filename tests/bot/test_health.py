"""The bot's loops say when they last completed; a dead or overdue one is named."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from bot import scheduler
from bot.health import Loops
from bot.scheduler import Heartbeat
from bot.worker import Worker
from checkin.clock import FakeClock
from checkin.ops import heartbeat as heartbeat_rows


def test_a_loop_that_stops_completing_is_stale_once_past_its_allowance(clock: FakeClock):
    loops = Loops(clock)
    loops.expect("scheduler", 30)
    loops.expect("outbox", 30)
    clock.advance(seconds=20)
    loops.done("outbox")
    assert loops.stale() == []
    clock.advance(seconds=11)
    stale = loops.stale()
    assert [s.loop for s in stale] == ["scheduler"]
    assert stale[0].since == clock() - timedelta(seconds=31) and not stale[0].dead
    assert "scheduler tick loop has not completed since" in stale[0].line(clock())


def test_a_loop_whose_thread_died_is_stale_at_once(clock: FakeClock):
    loops = Loops(clock)
    alive = threading.Event()
    loops.expect("heartbeat", 300, alive.is_set)
    stale = loops.stale()
    assert [(s.loop, s.dead) for s in stale] == [("heartbeat", True)]
    assert "its thread has died" in stale[0].line(clock())


def test_idle_member_queues_are_well_but_a_task_running_too_long_is_not(clock: FakeClock):
    loops = Loops(clock)
    worker = Worker(1, clock=clock, on_done=lambda: loops.done("members"))
    loops.expect("members", 60, worker.alive, worker.busy_since)
    clock.advance(hours=1)
    assert loops.stale() == []  # nothing to do is not stuck

    started, release = threading.Event(), threading.Event()

    def stuck() -> None:
        started.set()
        release.wait(10)

    worker.submit("U001", stuck)
    assert started.wait(5)
    began = clock()
    clock.advance(seconds=61)
    assert [(s.loop, s.since) for s in loops.stale()] == [("members", began)]
    assert loops.detail()["members"]["busy_since"] is not None
    release.set()
    assert worker.wait_idle(5)
    assert loops.stale() == []
    worker.stop()


def test_the_heartbeat_thread_says_when_it_ends_and_is_then_stale(ctx, monkeypatch, caplog):  # noqa: ANN001
    def broken(_ctx):  # noqa: ANN001, ANN202
        raise SystemExit("injected")

    monkeypatch.setattr(scheduler, "heartbeat", broken)
    beat = Heartbeat(ctx, on_lost=lambda: None, interval=0.01)
    with caplog.at_level(logging.ERROR, logger="checkin.bot"):
        beat.start()
        beat._thread.join(5)
    assert "the heartbeat thread ended: SystemExit: injected" in caplog.text
    assert [(s.loop, s.dead) for s in ctx.loops.stale()] == [("heartbeat", True)]


def test_each_loops_last_completion_goes_into_the_heartbeat(ctx, clock):  # noqa: ANN001
    ctx.loops = Loops(clock)
    ctx.loops.expect("scheduler", 15)
    heartbeat_rows.claim_heartbeat(
        ctx.conn,
        env="production",
        dev_users=[],
        started_at=clock(),
        clock=clock,
        instance=ctx.instance,
    )
    clock.advance(seconds=10)
    scheduler.tick(ctx)
    assert scheduler.heartbeat(ctx)
    hb = heartbeat_rows.read_heartbeat(ctx.conn)
    assert hb.detail["loops"]["scheduler"]["last"] == "2026-11-30T00:00:10.000000Z"
    assert heartbeat_rows.stale_loops(hb, clock()) == []
    clock.advance(seconds=16)
    assert scheduler.heartbeat(ctx)  # the heartbeat beats; the tick has not run since
    hb = heartbeat_rows.read_heartbeat(ctx.conn)
    stale = heartbeat_rows.stale_loops(hb, clock())
    assert [(s.name, s.since) for s in stale] == [
        ("scheduler tick", clock() - timedelta(seconds=16))
    ]
