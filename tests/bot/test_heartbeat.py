"""The heartbeat has its own thread, is fenced on pid and host, and a tick only queues sends."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot import conversation, scheduler
from checkin import store
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
            lambda: getattr(store.read_heartbeat(bot.ctx.conn), "beat_at", None) == clock(),
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
    slack.wait_until(lambda: store.read_heartbeat(conn) is not None)
    # Another bot found ours stale and claimed the heartbeat (another process, another host).
    store.beat(
        conn, env="production", dev_users=[], started_at=clock(), connected=True, clock=clock,
        pid=4242, host="elsewhere",
    )  # fmt: skip
    with caplog.at_level(logging.ERROR, logger="checkin.bot"):
        slack.wait_until(lambda: bot.ctx.cache.get("stopping"), message="the old bot stops")
        time.sleep(0.2)
    from checkin import db

    holder = store.read_heartbeat(db.connect(bot.config.db_path))
    assert (holder.pid, holder.host) == (4242, "elsewhere"), "the new claim is not overwritten"
    lost = [r for r in caplog.records if "claim lost" in r.getMessage()]
    assert len(lost) == 1 and "pid 4242 on elsewhere" in lost[0].getMessage()


def test_the_fenced_beat_refuses_someone_elses_claim(db_path, clock):  # noqa: ANN001
    from checkin import db

    conn = db.connect(db_path)
    kw = dict(env="production", dev_users=[], started_at=clock(), connected=True, clock=clock)
    assert store.beat_if_ours(conn, **kw), "no claim yet: it is ours"
    store.beat(conn, pid=4242, host="elsewhere", **kw)
    clock.advance(seconds=30)
    assert not store.beat_if_ours(conn, **kw)
    assert store.read_heartbeat(conn).beat_at == clock() - timedelta(seconds=30)


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
