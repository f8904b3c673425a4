"""Bolt listeners that keep the request, ack at once and hand the work to the worker.

Bolt inspects a listener's parameter names (`ack`, `body`), so these return
closures with exactly those names; the work itself is a plain function
`work(ctx, body)` that tests call directly.

Slack never sends an acknowledged request again, so before the ack the body
is kept in the `inbox` table (one INSERT); the work marks its row done once
it succeeded. Work that fails for a passing reason (a locked or full
database, Slack 5xx, 429, a timeout) is tried again with backoff while the
member's later requests wait behind it; after RETRY_BACKOFF_S runs out, or
at once for a failure that cannot pass, the row is set aside with its error
(the Operations page lists it; an admin may ask for it to be tried again).
Rows a crash left not done are handed to the worker again, in order, when
the next bot starts (`replay`). A replayed or retried body carries
`REPLAYED: True`.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import killpoint
from bot.context import BotContext
from bot.dm import tell
from bot.payload import user_of
from bot.slack import is_transient
from bot.worker import RetryLater
from checkin.clock import parse_iso
from checkin.db import connection
from checkin.db.connection import PRIORITY
from checkin.ops import faults, inbox

Work = Callable[[BotContext, dict], Any]
REPLAYED = "_checkin_replayed"
INSERT_PATIENCE_S = 2.0  # then the worker keeps trying to store it, ahead of its work
# Waits between tries of a request whose work failed for a passing reason; after the
# last, the request is set aside (about five minutes of tries in all).
RETRY_BACKOFF_S: tuple[float, ...] = (1, 2, 4, 8, 15, 30, 60, 60, 60, 60)
TELL_AFTER = timedelta(minutes=1)  # a member whose request is not saved by then is told


def _handlers(ctx: BotContext) -> dict[str, Work]:
    return ctx.cache.setdefault("inbox_handlers", {})


def handles(ctx: BotContext, kind: str, work: Work) -> None:
    """Name the work of inbox rows of `kind` (listeners register theirs; `replay` looks it up)."""
    _handlers(ctx)[kind] = work


@dataclass
class Kept:
    """A request after its ack: its inbox row (None until stored) and how its tries went."""

    kind: str
    body: dict
    received_at: datetime
    row_id: int | None = None
    event_id: str | None = None
    attempts: int = 0
    work_done: bool = False
    told: bool = False
    store_failures: int = 0


def keep(ctx: BotContext, kind: str, work: Work, body: dict) -> tuple[bool, int | None]:
    """Keep `body` in the inbox before its ack: (is new, row id).

    (False, None) for an event already kept (a redelivery: ack it, do nothing).
    When the database cannot take it within INSERT_PATIENCE_S, (True, None):
    the worker keeps trying to store it before its work (`_do`).
    """
    handles(ctx, kind, work)
    event_id = _event_id(body)
    try:
        row_id = _insert(ctx, kind, body, event_id)
    except Exception as exc:
        ctx.logger.warning(
            "could not keep a %s request yet (%s); holding it and trying again",
            kind,
            faults.describe(exc),
        )
        return True, None
    if row_id is not None:
        killpoint.reached("inbox_kept")
    return row_id is not None, row_id


def _event_id(body: dict) -> str | None:
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    return str(event_id) if event_id else None


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
        conn.execute(f"PRAGMA busy_timeout = {connection.BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA wal_autocheckpoint = 1000")


def hand_off(ctx: BotContext, row_id: int | None, work: Work, body: dict, kind: str = "") -> None:
    """After the ack: the work in the member's queue, then its inbox row marked done."""
    kept = Kept(
        kind=kind or getattr(work, "__name__", "request"),
        body=body,
        received_at=ctx.clock(),
        row_id=row_id,
        event_id=_event_id(body),
    )
    ctx.defer(user_of(body), _do, ctx, kept, work)


def _do(ctx: BotContext, kept: Kept, work: Work) -> None:
    """Store the request if the ack could not, do its work, mark it done: each step tried
    again after a passing fault (the member's later requests wait behind it); a
    request that keeps failing, or fails for a reason that cannot pass, is set aside."""
    if kept.row_id is None and not _store(ctx, kept):
        return  # a redelivery of it was kept meanwhile: that one does the work
    if not kept.work_done:
        try:
            work(ctx, kept.body)
        except RetryLater:
            raise
        except Exception as exc:
            _failed(ctx, kept, exc)
            return
        kept.work_done = True
    try:
        inbox.inbox_done(ctx.conn, kept.row_id, clock=ctx.clock)
    except Exception as exc:
        if not faults.is_passing_database_error(exc):
            ctx.logger.exception("could not mark inbox row %s done", kept.row_id)
            return
        raise RetryLater(_backoff(kept.store_failures)) from None
    if kept.told:
        tell(
            ctx, _member(kept), "Saved now: what you sent earlier is stored. Thank you for waiting."
        )


_do.__name__ = "inbox_work"


def _store(ctx: BotContext, kept: Kept) -> bool:
    """Keep a request the ack path could not store; tried until it is (never dropped)."""
    try:
        kept.row_id = inbox.inbox_add(
            ctx.conn,
            kept.kind,
            user_of(kept.body),
            json.dumps(kept.body),
            event_id=kept.event_id,
            clock=ctx.clock,
        )
    except Exception as exc:
        if not faults.is_passing_database_error(exc):
            # Not a fault that passes (a body that cannot be stored): do the work all the
            # same, from memory, rather than lose it.
            ctx.logger.error("could not keep a %s request: %s", kept.kind, faults.describe(exc))
            kept.row_id = None
            return True
        kept.store_failures += 1
        _tell_if_late(ctx, kept)
        raise RetryLater(_backoff(kept.store_failures - 1)) from None
    return kept.row_id is not None


def _failed(ctx: BotContext, kept: Kept, exc: Exception) -> None:
    """The work raised: try again later (raises RetryLater) or set the request aside."""
    error = faults.describe(exc)
    kept.attempts += 1
    passing = is_passing(exc)
    if passing and kept.attempts < len(RETRY_BACKOFF_S) + 1:
        ctx.logger.warning(
            "%s request (inbox %s) failed, try %s: %s; trying again",
            kept.kind,
            kept.row_id,
            kept.attempts,
            error,
        )
        if kept.row_id is not None:
            try:
                inbox.inbox_failed(ctx.conn, kept.row_id, error, clock=ctx.clock)
            except Exception:  # noqa: BLE001 - the database may be what fails; the try is in memory
                pass
        _tell_if_late(ctx, kept)
        kept.body[REPLAYED] = True  # the work checks its own progress, as after a restart
        raise RetryLater(_backoff(kept.attempts - 1))
    if passing:
        ctx.logger.error(
            "%s request (inbox %s) set aside after %s tries: %s",
            kept.kind,
            kept.row_id,
            kept.attempts,
            error,
        )
    else:
        ctx.logger.error(
            "%s request (inbox %s) set aside: %s", kept.kind, kept.row_id, error, exc_info=exc
        )
    if kept.row_id is not None:
        try:
            inbox.inbox_set_aside(ctx.conn, kept.row_id, error, clock=ctx.clock)
        except Exception as second:
            if faults.is_passing_database_error(second):
                raise RetryLater(_backoff(len(RETRY_BACKOFF_S) - 1)) from None
            ctx.logger.exception("could not set inbox row %s aside", kept.row_id)
    if kept.told:
        tell(
            ctx,
            _member(kept),
            "Sorry: what you sent earlier could not be saved. An admin sees it on the "
            "Operations page and can try it again.",
        )


def is_passing(exc: BaseException) -> bool:
    """A failure a later try can get past: a locked or full database, Slack 5xx, 429, a timeout."""
    return (
        faults.is_passing_database_error(exc)
        or is_transient(exc)
        or isinstance(exc, TimeoutError | ConnectionError)
    )


def _backoff(n: int) -> float:
    return RETRY_BACKOFF_S[min(n, len(RETRY_BACKOFF_S) - 1)]


def _member(kept: Kept) -> str | None:
    return user_of(kept.body)


def _tell_if_late(ctx: BotContext, kept: Kept) -> None:
    """Once a request is a minute old and still not saved, the member hears it is being retried."""
    member = _member(kept)
    if kept.told or not member or ctx.clock() - kept.received_at < TELL_AFTER:
        return
    kept.told = True
    tell(
        ctx,
        member,
        "I have what you sent but could not save it yet; I keep trying and will tell "
        "you here once it is saved.",
    )


def replay(ctx: BotContext) -> int:
    """Hand the requests a crash left not done to the worker, oldest first; how many."""
    return _hand_rows(
        ctx,
        inbox.inbox_pending(ctx.conn),
        "replaying %s request(s) acknowledged before the last stop",
    )


def retry_asked(ctx: BotContext) -> int:
    """Set-aside requests an admin asked to try again (Operations page), back to the worker."""
    return _hand_rows(
        ctx, inbox.take_tried_again(ctx.conn), "trying %s set-aside request(s) again, as asked"
    )


def _hand_rows(ctx: BotContext, rows: list[sqlite3.Row], line: str) -> int:
    count = 0
    for row in rows:
        work = _handlers(ctx).get(row["kind"])
        if work is None:
            ctx.logger.warning("inbox row %s: no handler for %r; set aside", row["id"], row["kind"])
            inbox.inbox_set_aside(
                ctx.conn, row["id"], f"no handler for {row['kind']!r}", clock=ctx.clock
            )
            continue
        try:
            body = json.loads(row["payload"])
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            ctx.logger.error("inbox row %s: payload cannot be read; set aside", row["id"])
            inbox.inbox_set_aside(
                ctx.conn, row["id"], f"payload cannot be read: {exc}", clock=ctx.clock
            )
            continue
        body[REPLAYED] = True
        kept = Kept(
            kind=row["kind"],
            body=body,
            received_at=parse_iso(row["received_at"]),
            row_id=row["id"],
            event_id=row["event_id"],
            attempts=row["attempts"] or 0,
        )
        ctx.defer(row["member_id"] or "-", _do, ctx, kept, work)
        count += 1
    if count:
        ctx.logger.info(line, count)
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
        hand_off(ctx, row_id, work, body, kind)


def acked(ctx: BotContext, work: Work) -> Callable[..., None]:
    kind = work.__name__
    handles(ctx, kind, work)

    def listener(ack: Callable[..., Any], body: dict) -> None:
        take(ctx, ack, kind, work, body)

    listener.__name__ = f"ack_then_{work.__name__}"
    return listener
