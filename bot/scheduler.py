"""The loop: every few seconds, one `tick(ctx)`.

`schedule` only keeps the beat; what is due is decided inside each feature's
tick with `ctx.clock` and the core's time-zone rules, so a test calls
`tick(ctx)` with a fake clock instead of waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import schedule

from bot import listen, maintenance, outbox
from bot.context import BotContext
from bot.feature import tick_all
from bot.features import FEATURES
from checkin.checkins import model
from checkin.clock import iso
from checkin.ops import events, inbox
from checkin.ops.heartbeat import beat_if_ours, read_heartbeat

INTERVAL_S = 5
WAKE_S = 0.2  # how often the loop looks at the clock
OUTBOX_POLL_S = 1.0
BEAT_INTERVAL_S = 15  # a bot is taken over once its heartbeat is 90 s old
STALL_AFTER_S = 300  # a loop that has not completed for this long (or 3 intervals) is stale


def allowance(interval: float, stall_after: float) -> float:
    """How long a loop of this interval may go without completing before the bot restarts."""
    return max(stall_after, 3 * interval)


def features_of(ctx: BotContext) -> list[Any]:
    """The features the bot registered; every one when there is no app (a context in a test)."""
    return ctx.features or list(FEATURES)


def tick(ctx: BotContext) -> None:
    """One pass: each feature's tick, then the outbox. Never raises.

    Slow Slack work (sending runs) goes to the members' queues in the worker;
    the heartbeat has its own thread (`Heartbeat`), so a long tick cannot
    make this bot look dead.
    """
    features = features_of(ctx)
    ctx.cache["last_tick_at"] = ctx.clock()
    tick_all(ctx, features)
    try:
        outbox.work(ctx, features)
    except Exception:
        ctx.logger.exception("outbox failed")
    try:
        listen.retry_asked(ctx)  # set-aside requests an admin asked to try again
    except Exception:
        ctx.logger.exception("could not take the requests asked to be tried again")
    maintenance.tick(ctx)  # once a day: backup, prune, retention (never raises)
    ctx.loops.done("scheduler")


def heartbeat(ctx: BotContext) -> bool:
    """Write this bot's heartbeat; False when another bot has taken the claim over."""
    now = ctx.clock()
    started = ctx.cache.setdefault("started_at", now)
    detail = {
        "env": ctx.config.env,
        "dms_to": "everyone" if ctx.config.is_production else list(ctx.config.dev_users),
        "dm_skipped_24h": events.count_events(ctx.conn, "dm_skipped", now - timedelta(days=1)),
        "checkins": [c["name"] for c in model.active_checkins(ctx.conn)],
        # a heartbeat alone says the process lives; this says its loop still ticks
        "last_tick_at": iso(ctx.cache["last_tick_at"]) if "last_tick_at" in ctx.cache else None,
        "set_aside": inbox.count_set_aside(ctx.conn),  # kept requests that kept failing
        "loops": ctx.loops.detail(),  # when each loop last completed; the web app's banner
    }
    return beat_if_ours(
        ctx.conn,
        env=ctx.config.env,
        dev_users=ctx.config.dev_users,
        started_at=started,
        connected=ctx.is_connected(),
        detail=detail,
        clock=ctx.clock,
        instance=ctx.instance,
    )


class Heartbeat:
    """A thread that writes the heartbeat every `interval` seconds, whatever the ticks do.

    When another bot holds the claim (this one stalled past the stale limit
    and was taken over), it logs one line, calls `on_lost` and ends. Anything
    else that ends the thread is logged too, and the watch on the loops
    (`bot.health`) then stops the bot: it never dies quietly.
    """

    def __init__(
        self,
        ctx: BotContext,
        on_lost: Callable[[], None],
        interval: float = BEAT_INTERVAL_S,
        stall_after: float = STALL_AFTER_S,
    ) -> None:
        self.ctx = ctx
        self.on_lost = on_lost
        self.interval = interval
        self.allowed = allowance(interval, stall_after)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        self.ctx.loops.expect("heartbeat", self.allowed, self._alive)
        self._thread.start()
        return self

    def _alive(self) -> bool:
        return self._thread.is_alive() or self._stop.is_set()

    def _run(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # noqa: BLE001 - said, then the watch stops the bot
            self.ctx.logger.error("the heartbeat thread ended: %s: %s", type(exc).__name__, exc)

    def _loop(self) -> None:
        while True:
            try:
                ours = heartbeat(self.ctx)
            except Exception:
                self.ctx.logger.exception("heartbeat failed")
                ours = True
            else:
                if ours:
                    self.ctx.loops.done("heartbeat")
            if not ours:
                try:
                    holder = read_heartbeat(self.ctx.conn)
                    who = f"pid {holder.pid} on {holder.host}" if holder else "another bot"
                except Exception:  # noqa: BLE001 - who holds it is a detail; stopping is not
                    who = "another bot"
                self.ctx.logger.error("heartbeat claim lost: %s holds it now; this bot stops", who)
                self.on_lost()  # never a thread that dies quietly while two bots run
                return
            if self._stop.wait(self.interval):
                return

    def stop(self, timeout: float = 1.0) -> bool:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)
        return not self._thread.is_alive()


class Scheduler:
    """A thread that runs `tick` every `interval` seconds of the injected clock until stopped.

    `schedule` keeps the registry of jobs, but what is due is decided here from
    `ctx.clock()` in UTC: `schedule`'s own loop compares naive local time, so
    on a host whose zone falls back (or after a backward clock step) it runs
    nothing for an hour. A backward step ticks at once and starts counting
    again. A second thread takes outbox rows every OUTBOX_POLL_S seconds, so a
    slow tick never holds up what someone asked for in the web app.
    """

    def __init__(
        self,
        ctx: BotContext,
        interval: float = INTERVAL_S,
        stall_after: float = STALL_AFTER_S,
        outbox_interval: float = OUTBOX_POLL_S,
    ) -> None:
        self.ctx = ctx
        self.interval = timedelta(seconds=interval)
        self.outbox_interval = outbox_interval
        self.allowed = allowance(interval, stall_after)
        self.outbox_allowed = allowance(outbox_interval, stall_after)
        self.jobs = schedule.Scheduler()
        self.jobs.every(interval).seconds.do(tick, ctx)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self._outbox = threading.Thread(target=self._poll_outbox, name="outbox", daemon=True)

    def start(self) -> Scheduler:
        loops = self.ctx.loops
        loops.expect("scheduler", self.allowed, lambda: self._alive(self._thread))
        loops.expect("outbox", self.outbox_allowed, lambda: self._alive(self._outbox))
        self._thread.start()
        self._outbox.start()
        return self

    def _alive(self, thread: threading.Thread) -> bool:
        return thread.is_alive() or self._stop.is_set()

    def _run(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # noqa: BLE001 - said, then the watch stops the bot
            self.ctx.logger.error("the scheduler thread ended: %s: %s", type(exc).__name__, exc)

    def _loop(self) -> None:
        last = self.ctx.clock()  # when this tick began, as for every later one
        tick(self.ctx)  # at once: runs missed while the bot was down go out now
        while not self._stop.wait(WAKE_S):
            now = self.ctx.clock()
            if now - last >= self.interval or now < last:
                last = now
                for job in list(self.jobs.jobs):
                    job.run()

    def _poll_outbox(self) -> None:
        while not self._stop.wait(self.outbox_interval):
            try:
                outbox.work(self.ctx, features_of(self.ctx))
            except Exception:
                self.ctx.logger.exception("outbox failed")
            else:
                self.ctx.loops.done("outbox")

    def stop(self, timeout: float = 3.0) -> bool:
        self._stop.set()
        self._thread.join(timeout)
        self._outbox.join(max(0.1, timeout / 2))
        return not self._thread.is_alive()
