"""Work the web app and the CLI leave in the outbox table, done by the bot.

Each feature may export `OUTBOX = {kind: handler(ctx, payload)}` (`bot.feature`);
a handler that raises marks the row failed with the message as its reason.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from bot import listen
from bot.context import BotContext
from bot.feature import OutboxHandler, outbox_handlers
from checkin.ops import events, outbox

RETRY_BACKOFF_S: tuple[float, ...] = (5, 15, 30, 60, 120)  # then the row ends failed


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
    """Run one taken row's handler and record how it ended.

    A failure that can pass (a locked or full database, Slack 5xx, 429, a
    timeout) puts the row back, taken again after a growing wait; after
    RETRY_BACKOFF_S runs out, or for any other failure, it ends failed with
    its reason. When even that cannot be written, the row stays `running` and
    is taken again once it is stale: never lost.
    """
    error = None
    retry_at = None
    try:
        if handler is None:
            raise LookupError(f"this bot has no handler for {row['kind']!r}")
        handler(ctx, json.loads(row["payload"] or "{}"))
    except Exception as exc:
        error = str(exc) or type(exc).__name__
        tries = row["attempts"] or 1
        if listen.is_passing(exc) and tries <= len(RETRY_BACKOFF_S):
            retry_at = ctx.clock() + timedelta(seconds=RETRY_BACKOFF_S[tries - 1])
        ctx.logger.warning(
            "outbox #%s (%s) failed%s: %s",
            row["id"],
            row["kind"],
            f" (try {tries}; trying again)" if retry_at else "",
            error,
        )
    try:
        if retry_at is not None:
            outbox.retry_outbox(ctx.conn, row["id"], error or "", retry_at)
        else:
            outbox.finish_outbox(ctx.conn, row["id"], error, clock=ctx.clock)
    except Exception as exc:  # noqa: BLE001 - left running: taken again once stale
        ctx.logger.error("outbox #%s: could not record how it ended (%s)", row["id"], exc)
        ctx.cache.setdefault("outbox_running", set()).discard(row["id"])
        return
    ctx.cache.setdefault("outbox_running", set()).discard(row["id"])
    if retry_at is not None:
        return
    events.record_event(
        ctx.conn,
        "outbox_failed" if error else "outbox_done",
        error=error,
        detail={"outbox": row["id"], "kind": row["kind"]},
        clock=ctx.clock,
    )


do_row.__name__ = "outbox_row"
