"""The outbox: work the web app and the CLI leave for the bot, picked up within seconds."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction

OUTBOX_KINDS = ("send_checkin", "post_report", "feedback_invites")


def enqueue(
    conn: sqlite3.Connection,
    kind: str,
    payload: dict,
    *,
    requested_by: str | None = None,
    clock: Clock = system_clock,
) -> int:
    """Ask the bot to do something in Slack; it picks the row up within seconds."""
    if kind not in OUTBOX_KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    with transaction(conn):
        return conn.execute(
            "INSERT INTO outbox (kind, payload, requested_by, created_at) VALUES (?, ?, ?, ?)",
            (kind, json.dumps(payload), requested_by, iso(clock())),
        ).lastrowid


def claim_outbox(
    conn: sqlite3.Connection, clock: Clock = system_clock, running_here: set[int] | None = None
) -> sqlite3.Row | None:
    """Take the oldest pending row (or one left 'running' by a crashed bot).

    `running_here`: ids this process is still working on; never taken again,
    however long they run.
    """
    now = clock()
    stale = iso(now - timedelta(minutes=5))
    mine = sorted(running_here or ())
    not_mine = f" AND id NOT IN ({', '.join('?' for _ in mine)})" if mine else ""
    with transaction(conn):
        sql = (
            "SELECT * FROM outbox WHERE (status = 'pending' "  # noqa: S608 - marks are only "?"
            "AND (retry_at IS NULL OR retry_at <= ?)) "
            f"OR (status = 'running' AND started_at < ?{not_mine}) "
            "ORDER BY id LIMIT 1"
        )
        row = conn.execute(sql, (iso(now), stale, *mine)).fetchone()
        if row is None:
            return None
        conn.execute(
            "UPDATE outbox SET status = 'running', started_at = ?, attempts = attempts + 1 "
            "WHERE id = ?",
            (iso(now), row["id"]),
        )
    return conn.execute("SELECT * FROM outbox WHERE id = ?", (row["id"],)).fetchone()


def finish_outbox(
    conn: sqlite3.Connection, outbox_id: int, error: str | None = None, clock: Clock = system_clock
) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE outbox SET status = ?, error = ?, finished_at = ? WHERE id = ?",
            ("failed" if error else "done", error, iso(clock()), outbox_id),
        )


def retry_outbox(
    conn: sqlite3.Connection,
    outbox_id: int,
    error: str,
    retry_at: datetime,
) -> None:
    """A row whose work failed for a passing reason: pending again, not taken before `retry_at`."""
    with transaction(conn):
        conn.execute(
            "UPDATE outbox SET status = 'pending', error = ?, retry_at = ? WHERE id = ?",
            (error, iso(retry_at), outbox_id),
        )
