"""The inbox: each Slack request kept before its ack, so a crash after the ack cannot lose it."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import checkpoint, transaction


def inbox_add(
    conn: sqlite3.Connection,
    kind: str,
    member_id: str | None,
    payload: str,
    *,
    event_id: str | None = None,
    clock: Clock = system_clock,
) -> int | None:
    """Keep a request before it is acknowledged: one INSERT, its own transaction.

    Returns the row id, or None when `event_id` is kept already (a redelivery).
    """
    cur = conn.execute(
        "INSERT OR IGNORE INTO inbox (received_at, kind, member_id, event_id, payload) "
        "VALUES (?, ?, ?, ?, ?)",
        (iso(clock()), kind, member_id, event_id, payload),
    )
    return cur.lastrowid if cur.rowcount == 1 else None


def inbox_done(conn: sqlite3.Connection, inbox_id: int, clock: Clock = system_clock) -> None:
    conn.execute(
        "UPDATE inbox SET done_at = ? WHERE id = ? AND done_at IS NULL", (iso(clock()), inbox_id)
    )


KEYS = {"trigger_id": "$.trigger_id", "view_id": "$.view.id"}  # what finds a kept request


def forget_sender(conn: sqlite3.Connection, kind: str, key: str, value: str) -> int:
    """Clear the kept request of an anonymous submission once its work is done: its payload
    becomes `{}` and its member NULL, so neither the database, the next backup nor a
    replay holds who sent it (`secure_delete` zeroes the old row; the WAL is emptied
    when no reader holds it). `key` names the request: `trigger_id` or `view_id`.
    How many rows were cleared."""
    with transaction(conn):
        cleared = conn.execute(
            "UPDATE inbox SET payload = '{}', member_id = NULL "
            "WHERE kind = ? AND json_extract(payload, ?) = ?",
            (kind, KEYS[key], value),
        ).rowcount
    checkpoint(conn)
    return cleared


def inbox_pending(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Requests acknowledged but never done (the bot stopped first), oldest first."""
    return conn.execute("SELECT * FROM inbox WHERE done_at IS NULL ORDER BY id").fetchall()


def forget_inbox(
    conn: sqlite3.Connection, older_than: timedelta, clock: Clock = system_clock
) -> int:
    """Done requests older than `older_than` go: they hold answers' text."""
    with transaction(conn):
        return conn.execute(
            "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?",
            (iso(clock() - older_than),),
        ).rowcount
