"""What every listener, tick and outbox handler of the bot is handed.

Feature modules (conversation, commands, home, reports, ...) each expose:

- `register(app: slack_bolt.App, ctx: BotContext) -> None`: wire listeners;
- optionally `tick(ctx: BotContext) -> None`: called by the scheduler loop
  every few seconds (decide with `ctx.clock()` what is due; never raise);
- optionally `OUTBOX: dict[str, Callable[[BotContext, dict], None]]`: handlers
  for outbox rows by kind (raise to mark the row failed with the message).

Listener callbacks are plain functions so tests can call them directly.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field

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

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's own connection to the database."""
        return self.db.conn
