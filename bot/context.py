"""What every listener, tick and outbox handler of the bot is handed.

Feature modules (conversation, commands, home, reports, ...) each expose:

- `register(app: slack_bolt.App, ctx: BotContext) -> None`: wire listeners;
- optionally `tick(ctx: BotContext) -> None`: called by the scheduler loop
  every few seconds (decide with `ctx.clock()` what is due; never raise);
- optionally `OUTBOX: dict[str, Callable[[BotContext, dict], None]]`: handlers
  for outbox rows by kind (raise to mark the row failed with the message).

Listener callbacks are plain functions so tests can call them directly. A
listener acks first and hands the rest to `ctx.defer(key, fn, *args)`: the
bot's worker runs it after the ack, in order per key (a member id); without a
worker (a unit test) it runs at once, in the caller's thread.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from slack_sdk import WebClient

from checkin.clock import Clock, system_clock
from checkin.config import Config
from checkin.db import ThreadLocal


@dataclass
class BotContext:
    config: Config
    db: ThreadLocal
    client: WebClient
    clock: Clock = system_clock
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("checkin.bot"))
    bot_user_id: str | None = None
    worker: Any = None  # bot.worker.Worker; None runs deferred work inline
    features: list[ModuleType] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)  # rosters and the like, per process
    is_connected: Callable[[], bool] = lambda: False

    def defer(self, key: str, fn: Callable[..., Any], *args: Any) -> None:
        """Run `fn(*args)` after the ack, in order with the other work for `key`; never raises."""
        if self.worker is not None:
            self.worker.submit(key, fn, *args)
            return
        try:
            fn(*args)
        except Exception:
            self.logger.exception("work %s for %s failed", getattr(fn, "__name__", fn), key)

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's own connection to the database."""
        return self.db.conn
