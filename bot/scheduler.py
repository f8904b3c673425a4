"""The loop: every few seconds, one `tick(ctx)`.

`schedule` only keeps the beat; what is due is decided inside each feature's
tick with `ctx.clock` and the core's time-zone rules, so a test calls
`tick(ctx)` with a fake clock instead of waiting.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from types import ModuleType

import schedule

from bot import outbox
from bot.context import BotContext
from checkin import store

INTERVAL_S = 5


def features_of(ctx: BotContext) -> list[ModuleType]:
    if ctx.features:
        return ctx.features
    from bot.app import load_features

    return load_features()


def tick(ctx: BotContext) -> None:
    """One pass: each feature's tick, the outbox, the heartbeat. Never raises."""
    features = features_of(ctx)
    for feature in features:
        step = getattr(feature, "tick", None)
        if step is None:
            continue
        try:
            step(ctx)
        except Exception:
            ctx.logger.exception("%s.tick failed", feature.__name__)
    try:
        outbox.work(ctx, features)
    except Exception:
        ctx.logger.exception("outbox failed")
    try:
        heartbeat(ctx)
    except Exception:
        ctx.logger.exception("heartbeat failed")


def heartbeat(ctx: BotContext) -> None:
    now = ctx.clock()
    started = ctx.cache.setdefault("started_at", now)
    detail = {
        "env": ctx.config.env,
        "dms_to": "everyone" if ctx.config.is_production else list(ctx.config.dev_users),
        "dm_skipped_24h": store.count_events(ctx.conn, "dm_skipped", now - timedelta(days=1)),
        "checkins": [c["name"] for c in store.active_checkins(ctx.conn)],
    }
    store.beat(
        ctx.conn, env=ctx.config.env, dev_users=ctx.config.dev_users, started_at=started,
        connected=ctx.is_connected(), detail=detail, clock=ctx.clock,
    )  # fmt: skip


class Scheduler:
    """A thread that runs `tick` every INTERVAL_S seconds until stopped."""

    def __init__(self, ctx: BotContext, interval: float = INTERVAL_S) -> None:
        self.ctx = ctx
        self.jobs = schedule.Scheduler()
        self.jobs.every(interval).seconds.do(tick, ctx)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)

    def start(self) -> Scheduler:
        self._thread.start()
        return self

    def _loop(self) -> None:
        tick(self.ctx)  # at once: runs missed while the bot was down go out now
        while not self._stop.wait(0.2):
            self.jobs.run_pending()

    def stop(self, timeout: float = 3.0) -> bool:
        self._stop.set()
        self._thread.join(timeout)
        return not self._thread.is_alive()
