"""Bolt listeners that keep the request, ack at once and hand the work to the worker.

Bolt inspects a listener's parameter names (`ack`, `body`), so these return
closures with exactly those names; the work itself is a plain function
`work(ctx, body)` that tests call directly.

Slack never sends an acknowledged request again, so before the ack the body
is kept in the `inbox` table (one INSERT); the work marks its row done. Rows
a crash left not done are handed to the worker again, in order, when the
next bot starts (`replay`). A replayed body carries `REPLAYED: True`.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from bot.context import BotContext
from bot.payload import user_of
from checkin.db.connection import BUSY_TIMEOUT_MS, PRIORITY
from checkin.ops import inbox

Work = Callable[[BotContext, dict], Any]
REPLAYED = "_checkin_replayed"
INSERT_PATIENCE_S = 2.0  # then the request is done from memory only (and logged)


def _handlers(ctx: BotContext) -> dict[str, Work]:
    return ctx.cache.setdefault("inbox_handlers", {})


def handles(ctx: BotContext, kind: str, work: Work) -> None:
    """Name the work of inbox rows of `kind` (listeners register theirs; `replay` looks it up)."""
    _handlers(ctx)[kind] = work


def keep(ctx: BotContext, kind: str, work: Work, body: dict) -> tuple[bool, int | None]:
    """Keep `body` in the inbox before its ack: (is new, row id).

    (False, None) for an event already kept (a redelivery: ack it, do nothing).
    When the database cannot take it, (True, None): the work still runs, in memory.
    """
    handles(ctx, kind, work)
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    try:
        row_id = _insert(ctx, kind, body, str(event_id) if event_id else None)
    except Exception:
        ctx.logger.exception("could not keep a %s request; doing it from memory", kind)
        return True, None
    return row_id is not None, row_id


def _insert(ctx: BotContext, kind: str, body: dict, event_id: str | None) -> int | None:
    """`inbox.inbox_add`, polling for the write lock every 0.2 ms.

    SQLite's own busy handler sleeps 25 to 100 ms between tries once a writer
    has waited a little, which alone would break the ack's budget while the
    worker writes; the worker's transactions are short, so polling finds the
    lock free within a few milliseconds.
    """
    conn = ctx.conn
    payload = json.dumps(body)
    deadline = time.monotonic() + INSERT_PATIENCE_S
    with PRIORITY.urgent():
        return _poll(ctx, conn, kind, body, payload, event_id, deadline)


def _poll(
    ctx: BotContext,
    conn: sqlite3.Connection,
    kind: str,
    body: dict,
    payload: str,
    event_id: str | None,
    deadline: float,
) -> int | None:
    conn.execute("PRAGMA busy_timeout = 0")
    conn.execute("PRAGMA wal_autocheckpoint = 0")  # checkpoints: the worker's commits do them
    try:
        while True:
            try:
                return inbox.inbox_add(
                    conn, kind, user_of(body), payload, event_id=event_id, clock=ctx.clock
                )
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.0002)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA wal_autocheckpoint = 1000")


def hand_off(ctx: BotContext, row_id: int | None, work: Work, body: dict) -> None:
    """After the ack: the work in the member's queue, then its inbox row marked done."""
    ctx.defer(user_of(body), _do, ctx, row_id, work, body)


def _do(ctx: BotContext, row_id: int | None, work: Work, body: dict) -> None:
    try:
        work(ctx, body)
    finally:
        # Done even when the work raised (it was logged): a request that always
        # fails must not be replayed at every start.
        if row_id is not None:
            try:
                inbox.inbox_done(ctx.conn, row_id, clock=ctx.clock)
            except Exception:
                ctx.logger.exception("could not mark inbox row %s done", row_id)


_do.__name__ = "inbox_work"


def replay(ctx: BotContext) -> int:
    """Hand the requests a crash left not done to the worker, oldest first; how many."""
    count = 0
    for row in inbox.inbox_pending(ctx.conn):
        work = _handlers(ctx).get(row["kind"])
        if work is None:
            ctx.logger.warning("inbox row %s: no handler for %r; dropped", row["id"], row["kind"])
            inbox.inbox_done(ctx.conn, row["id"], clock=ctx.clock)
            continue
        body = json.loads(row["payload"])
        body[REPLAYED] = True
        ctx.defer(row["member_id"] or "-", _do, ctx, row["id"], work, body)
        count += 1
    if count:
        ctx.logger.info("replaying %s request(s) acknowledged before the last stop", count)
    return count


def take(ctx: BotContext, ack: Callable[..., Any], kind: str, work: Work, body: dict) -> None:
    """Keep the request, ack it, then hand its work to the member's queue.

    Listeners that first check a submission (and may ack with errors instead)
    end with this once it is accepted.
    """
    new, row_id = keep(ctx, kind, work, body)
    try:
        ack()
    except Exception:
        ctx.logger.exception("listener %s: ack failed", kind)
    if new:  # even when the ack failed: a redelivery would find the row kept
        hand_off(ctx, row_id, work, body)


def acked(ctx: BotContext, work: Work) -> Callable[..., None]:
    kind = work.__name__
    handles(ctx, kind, work)

    def listener(ack: Callable[..., Any], body: dict) -> None:
        take(ctx, ack, kind, work, body)

    listener.__name__ = f"ack_then_{work.__name__}"
    return listener
