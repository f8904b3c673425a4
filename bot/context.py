"""What every listener, tick and outbox handler of the bot is handed.

The features (`bot.features`; what one provides is in `bot.feature`) are
registered with the Bolt app and kept in `ctx.features`, which the scheduler,
the outbox worker and the Home tab ask.

Listener callbacks are plain functions so tests can call them directly. A
listener acks first and hands the rest to `ctx.defer(key, fn, *args)`: the
bot's worker runs it after the ack, in order per key (a member id); without a
worker (a unit test) it runs at once, in the caller's thread.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient

from bot.health import Loops
from checkin.clock import Clock, system_clock
from checkin.config import Config
from checkin.db.connection import ThreadLocal


@dataclass
class BotContext:
    config: Config
    db: ThreadLocal
    client: WebClient
    clock: Clock = system_clock
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("checkin.bot"))
    bot_user_id: str | None = None
    worker: Any = None  # bot.worker.Worker; None runs deferred work inline
    features: list[Any] = field(default_factory=list)  # bot.feature.Feature modules
    cache: dict[str, Any] = field(default_factory=dict)  # rosters and the like, per process
    is_connected: Callable[[], bool] = lambda: False
    # A random id per bot start: the heartbeat claim and the sends it owns name it
    # (pids repeat, in containers every bot may be pid 1).
    instance: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    # When each loop last completed; `python -m bot` exits when one stops (`bot.health`).
    loops: Loops = field(default_factory=lambda: Loops(system_clock))
    _once_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def defer(self, key: str, fn: Callable[..., Any], *args: Any) -> None:
        """Run `fn(*args)` after the ack, in order with the other work for `key`; never raises."""
        if self.worker is not None:
            self.worker.submit(key, fn, *args)
            return
        try:
            fn(*args)
        except Exception:
            self.logger.exception("work %s for %s failed", getattr(fn, "__name__", fn), key)

    def defer_urgent(self, key: str, fn: Callable[..., Any], *args: Any) -> None:
        """`defer`, taken before every other waiting key (the outbox: a fan-out of sends to
        many members must not hold up what someone asked for in the web app)."""
        if self.worker is not None:
            self.worker.submit(key, fn, *args, urgent=True)
            return
        self.defer(key, fn, *args)

    def defer_once(
        self, key: str, member: str, fn: Callable[..., Any], *args: Any, again: bool = False
    ) -> bool:
        """`defer` unless work under `key` is queued or running already; True if queued now.

        The scheduler finds the same pending work (a post owed, a send to
        check) every few seconds; it is queued once until it has run. With
        `again` (work that reads the clock when it starts, as a tick's due
        runs do), a request made while the work is already running runs it
        once more when it ends: the newer tick's time is never skipped.
        """
        with self._once_lock:
            state: dict[str, str] = self.cache.setdefault("queued_once", {})
            if key in state:
                if again and state[key] == "running":
                    state[key] = "again"
                return False
            state[key] = "queued"

        def once() -> None:
            with self._once_lock:
                state[key] = "running"
            try:
                fn(*args)
            finally:
                with self._once_lock:
                    rerun = state.pop(key, None) == "again"
                if rerun:
                    self.defer_once(key, member, fn, *args, again=again)

        once.__name__ = getattr(fn, "__name__", "work")
        self.defer(member, once)
        return True

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's own connection to the database."""
        return self.db.conn
