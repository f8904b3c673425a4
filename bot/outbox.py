"""Work the web app and the CLI leave in the outbox table, done by the bot.

Each feature may export `OUTBOX = {kind: handler(ctx, payload)}` (`bot.feature`);
a handler that raises marks the row failed with the message as its reason.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from bot.context import BotContext
from bot.feature import OutboxHandler, outbox_handlers
from checkin.ops import events, outbox


def work(ctx: BotContext, features: Iterable[Any], limit: int = 20) -> int:
    """Take up to `limit` pending rows, oldest first; returns how many were taken.

    Taking a row is one write; its handler runs in the worker's `outbox` lane,
    before any waiting member work, so a row is picked up within seconds even
    during a fan-out, and no Slack call is made on the calling thread.
    """
    known = outbox_handlers(features)
    running: set[int] = ctx.cache.setdefault("outbox_running", set())
    done = 0
    while done < limit and not ctx.cache.get("stopping"):
        row = outbox.claim_outbox(ctx.conn, clock=ctx.clock, running_here=running)
        if row is None:
            break
        done += 1
        running.add(row["id"])
        ctx.defer_urgent("outbox", do_row, ctx, row, known.get(row["kind"]))
    return done


def do_row(ctx: BotContext, row: sqlite3.Row, handler: OutboxHandler | None) -> None:
    """Run one taken row's handler and record how it ended."""
    error = None
    try:
        if handler is None:
            raise LookupError(f"this bot has no handler for {row['kind']!r}")
        handler(ctx, json.loads(row["payload"] or "{}"))
    except Exception as exc:
        error = str(exc) or type(exc).__name__
        ctx.logger.warning("outbox #%s (%s) failed: %s", row["id"], row["kind"], error)
    outbox.finish_outbox(ctx.conn, row["id"], error, clock=ctx.clock)
    ctx.cache.setdefault("outbox_running", set()).discard(row["id"])
    events.record_event(
        ctx.conn, "outbox_failed" if error else "outbox_done", error=error,
        detail={"outbox": row["id"], "kind": row["kind"]}, clock=ctx.clock,
    )  # fmt: skip


do_row.__name__ = "outbox_row"
