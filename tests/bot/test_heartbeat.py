"""The heartbeat has its own thread, is fenced on pid and host, and a tick only queues sends."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot import conversation, scheduler
from checkin.ops import events, heartbeat
from tests.bot.conftest import settle

pytestmark = pytest.mark.timeout(60)

PARIS_NINE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def greetings(slack, user: str) -> int:  # noqa: ANN001
    return sum(1 for m in slack.dm(user) if m["text"].startswith("Hi "))


def test_the_heartbeat_goes_on_while_a_tick_is_stuck(slack, make_bot, clock, monkeypatch):  # noqa: ANN001
    stuck, release = threading.Event(), threading.Event()

    def slow_tick(ctx):  # noqa: ANN001, ANN202
        stuck.set()
        release.wait(10)

    monkeypatch.setattr(conversation, "tick", slow_tick)
    bot = make_bot(connect=False, beat_interval=0.05)
    bot.start(scheduler=True)
    try:
        assert stuck.wait(5), "the first tick started"
        clock.advance(minutes=5)  # the tick is still running five (fake) minutes on
        slack.wait_until(
            lambda: getattr(heartbeat.read_heartbeat(bot.ctx.conn), "beat_at", None) == clock(),
            message="a heartbeat written while the tick is stuck",
        )
    finally:
        release.set()


def test_a_bot_whose_claim_was_taken_over_stops_and_leaves_the_new_claim(
    slack,
    make_bot,
    clock,
    caplog,  # noqa: ANN001
):
    bot = make_bot(connect=False, beat_interval=0.05)
    bot.start(scheduler=True)
    conn = bot.ctx.conn
    slack.wait_until(lambda: heartbeat.read_heartbeat(conn) is not None)
    # Another bot found ours stale and claimed the heartbeat (another process, another host).
    heartbeat.beat(
        conn,
        env="production",
        dev_users=[],
        started_at=clock(),
        connected=True,
        clock=clock,
        pid=4242,
        host="elsewhere",
    )
    with caplog.at_level(logging.ERROR, logger="checkin.bot"):
        slack.wait_until(lambda: bot.ctx.cache.get("stopping"), message="the old bot stops")
        time.sleep(0.2)
    from checkin.db import connection

    holder = heartbeat.read_heartbeat(connection.connect(bot.config.db_path))
    assert (holder.pid, holder.host) == (4242, "elsewhere"), "the new claim is not overwritten"
    lost = [r for r in caplog.records if "claim lost" in r.getMessage()]
    assert len(lost) == 1 and "pid 4242 on elsewhere" in lost[0].getMessage()


def test_the_fenced_beat_refuses_someone_elses_claim(db_path, clock):  # noqa: ANN001
    from checkin.db import connection

    conn = connection.connect(db_path)
    kw = dict(env="production", dev_users=[], started_at=clock(), connected=True, clock=clock)
    assert heartbeat.beat_if_ours(conn, **kw), "no claim yet: it is ours"
    heartbeat.beat(conn, pid=4242, host="elsewhere", **kw)
    clock.advance(seconds=30)
    assert not heartbeat.beat_if_ours(conn, **kw)
    assert heartbeat.read_heartbeat(conn).beat_at == clock() - timedelta(seconds=30)


def test_a_tick_hands_the_sends_to_the_members_queues(slack, bot, clock):  # noqa: ANN001
    busy, release = threading.Event(), threading.Event()
    bot.ctx.defer("U001", lambda: (busy.set(), release.wait(10)))
    assert busy.wait(5)
    clock.set(PARIS_NINE)
    started = time.perf_counter()
    scheduler.tick(bot.ctx)
    assert time.perf_counter() - started < 2
    slack.wait_until(lambda: greetings(slack, "U004") == 1, message="U004 is not held up")
    assert greetings(slack, "U001") == 0, "U001's send waits behind U001's own work"
    release.set()
    settle(slack, bot)
    assert greetings(slack, "U001") == 1


def test_the_fence_tells_two_bots_with_the_same_pid_and_host_apart(db_path, clock):  # noqa: ANN001
    """Containers: every bot may be pid 1 on a host named alike; the instance id decides."""
    from checkin.db import connection

    conn = connection.connect(db_path)
    kw = dict(env="production", dev_users=[], started_at=clock(), connected=True, clock=clock)
    assert heartbeat.claim_heartbeat(conn, instance="first", **kw_claim(kw)) is None
    assert heartbeat.beat_if_ours(conn, instance="first", **kw)
    assert not heartbeat.beat_if_ours(conn, instance="second", **kw), "same pid and host, not ours"
    holder = heartbeat.claim_heartbeat(conn, instance="second", **kw_claim(kw))
    assert holder is not None and holder.instance == "first", "a live claim with our pid waits"
    clock.advance(seconds=91)
    assert heartbeat.claim_heartbeat(conn, instance="second", **kw_claim(kw)) is None, (
        "stale: taken"
    )
    assert not heartbeat.beat_if_ours(conn, instance="first", **kw)


def kw_claim(kw: dict) -> dict:
    return {k: v for k, v in kw.items() if k != "connected"}


def test_a_claim_of_a_dead_process_on_this_host_is_taken_at_once(db_path, clock):  # noqa: ANN001
    import socket
    import subprocess
    import sys

    from checkin.db import connection

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    conn = connection.connect(db_path)
    kw = dict(env="production", dev_users=[], started_at=clock(), clock=clock)
    heartbeat.beat(
        conn, pid=dead.pid, host=socket.gethostname(), instance="old", connected=True, **kw
    )
    assert heartbeat.claim_heartbeat(conn, instance="new", **kw) is None, "its pid is gone: no wait"
    assert heartbeat.read_heartbeat(conn).instance == "new"

    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        heartbeat.beat(
            conn, pid=alive.pid, host=socket.gethostname(), instance="live", connected=True, **kw
        )
        holder = heartbeat.claim_heartbeat(conn, instance="new", **kw)
        assert holder is not None and holder.pid == alive.pid, "a live bot is not taken over"
        heartbeat.beat(conn, pid=dead.pid, host="elsewhere", instance="other", connected=True, **kw)
        assert heartbeat.claim_heartbeat(conn, instance="new", **kw) is not None, (
            "another host's pid says nothing here: its heartbeat must go stale first"
        )
    finally:
        alive.kill()
        alive.wait()


def test_a_clean_stop_leaves_a_stopped_claim_anyone_may_take(db_path, clock):  # noqa: ANN001
    from checkin.db import connection

    conn = connection.connect(db_path)
    kw = dict(env="production", dev_users=[], started_at=clock(), clock=clock)
    assert heartbeat.claim_heartbeat(conn, instance="a", **kw) is None
    heartbeat.clear_heartbeat(conn, "a", clock=clock)
    hb = heartbeat.read_heartbeat(conn)
    assert hb.stopped_at == clock() and hb.is_stale(clock()), "not running, right away"
    assert heartbeat.claim_heartbeat(conn, instance="b", **kw) is None
    assert heartbeat.read_heartbeat(conn).stopped_at is None


def test_a_stop_never_closes_the_database_under_running_work(slack, make_bot, clock):  # noqa: ANN001
    bot = make_bot()
    started, release, wrote = threading.Event(), threading.Event(), []

    def long_work() -> None:
        started.set()
        release.wait(10)
        events.record_event(bot.ctx.conn, "late_write", clock=clock)  # after the stop began
        wrote.append(True)

    bot.ctx.defer("U001", long_work)
    assert started.wait(5)
    began = time.monotonic()
    bot.stop(timeout=0.5)
    assert time.monotonic() - began < 2, "the stop keeps its budget"
    release.set()
    slack.wait_until(lambda: wrote, 5, "the running work could still write")
    from checkin.db import connection

    conn = connection.connect(bot.config.db_path)
    assert conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'late_write'").fetchone()[0] == 1


def test_old_events_are_pruned_after_the_configured_days(slack, make_bot, clock):  # noqa: ANN001
    from bot.conversation import scheduling

    bot = make_bot(events_days=30)
    conn = bot.ctx.conn
    for age in (31, 29, 1):
        events.record_event(
            conn, "message_sent", clock=lambda age=age: clock() - timedelta(days=age)
        )
    scheduling.forget_old_events(bot.ctx, clock())
    left = sorted(r[0] for r in conn.execute("SELECT at FROM events WHERE kind = 'message_sent'"))
    assert len(left) == 2, "the 31-day-old one went"
    events.record_event(conn, "message_sent", clock=lambda: clock() - timedelta(days=40))
    scheduling.forget_old_events(bot.ctx, clock() + timedelta(minutes=5))
    assert (
        conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'message_sent'").fetchone()[0] == 3
    ), "hourly, not every tick"
