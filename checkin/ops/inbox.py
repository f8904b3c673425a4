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
    """Requests acknowledged but never done (the bot stopped first), oldest first.

    Set-aside requests wait for an admin's "try again" (`take_tried_again`).
    """
    return conn.execute(
        "SELECT * FROM inbox WHERE done_at IS NULL AND set_aside_at IS NULL ORDER BY id"
    ).fetchall()


def inbox_failed(
    conn: sqlite3.Connection, inbox_id: int, error: str, clock: Clock = system_clock
) -> int:
    """One more failed try of a kept request (it stays kept); how many tries so far."""
    with transaction(conn):
        conn.execute(
            "UPDATE inbox SET attempts = attempts + 1, error = ? WHERE id = ?", (error, inbox_id)
        )
        row = conn.execute("SELECT attempts FROM inbox WHERE id = ?", (inbox_id,)).fetchone()
    return row[0] if row else 0


def inbox_set_aside(
    conn: sqlite3.Connection, inbox_id: int, error: str, clock: Clock = system_clock
) -> None:
    """A request that kept failing, or failed for a reason that cannot pass: kept, not retried."""
    with transaction(conn):
        conn.execute(
            "UPDATE inbox SET set_aside_at = ?, error = ?, try_again_at = NULL, "
            "try_again_by = NULL WHERE id = ? AND done_at IS NULL",
            (iso(clock()), error, inbox_id),
        )


def set_aside_requests(conn: sqlite3.Connection, limit: int = 200) -> list[sqlite3.Row]:
    """Set-aside requests, newest first: when, whose, which kind, the error, tries, asked again."""
    return conn.execute(
        "SELECT id, received_at, set_aside_at, kind, member_id, attempts, error, try_again_at, "
        "try_again_by FROM inbox WHERE set_aside_at IS NOT NULL AND done_at IS NULL "
        "ORDER BY id DESC LIMIT ?",
        (limit,),
    ).fetchall()


def count_set_aside(conn: sqlite3.Connection) -> int:
    return conn.execute(
        "SELECT COUNT(*) FROM inbox WHERE set_aside_at IS NOT NULL AND done_at IS NULL"
    ).fetchone()[0]


def ask_try_again(
    conn: sqlite3.Connection, inbox_id: int, by: str | None, clock: Clock = system_clock
) -> bool:
    """An admin asks for a set-aside request to be tried again; the bot picks it up.

    False when the request is not set aside (done meanwhile, or unknown).
    """
    with transaction(conn):
        return (
            conn.execute(
                "UPDATE inbox SET try_again_at = ?, try_again_by = ? "
                "WHERE id = ? AND set_aside_at IS NOT NULL AND done_at IS NULL",
                (iso(clock()), by, inbox_id),
            ).rowcount
            == 1
        )


def take_tried_again(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Set-aside requests an admin asked to try again, back among the kept ones (tries reset)."""
    with transaction(conn):
        rows = conn.execute(
            "SELECT * FROM inbox WHERE set_aside_at IS NOT NULL AND try_again_at IS NOT NULL "
            "AND done_at IS NULL ORDER BY id"
        ).fetchall()
        conn.executemany(
            "UPDATE inbox SET set_aside_at = NULL, try_again_at = NULL, attempts = 0 WHERE id = ?",
            [(row["id"],) for row in rows],
        )
    return rows


def forget_inbox(
    conn: sqlite3.Connection, older_than: timedelta, clock: Clock = system_clock
) -> int:
    """Done requests older than `older_than` go: they hold answers' text."""
    with transaction(conn):
        return conn.execute(
            "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?",
            (iso(clock() - older_than),),
        ).rowcount
