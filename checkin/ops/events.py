"""Events: everything the bot does, counted in the database, and the Slack event ids seen."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction


def record_event(
    conn: sqlite3.Connection,
    kind: str,
    *,
    method: str | None = None,
    error: str | None = None,
    checkin_id: int | None = None,
    member_id: str | None = None,
    duration_ms: float | None = None,
    detail: dict | str | None = None,
    clock: Clock = system_clock,
) -> None:
    if isinstance(detail, dict):
        detail = json.dumps(detail)
    with transaction(conn):
        conn.execute(
            "INSERT INTO events (at, kind, method, error, checkin_id, member_id, duration_ms, "
            "detail) VALUES (?,?,?,?,?,?,?,?)",
            (iso(clock()), kind, method, error, checkin_id, member_id, duration_ms, detail),
        )


def forget_events(
    conn: sqlite3.Connection, older_than: timedelta, clock: Clock = system_clock
) -> int:
    """Events older than `older_than` go (CHECKIN_EVENTS_DAYS), so they do not grow forever.

    Deleted in batches of 5,000 so the web app's reads never wait long.
    """
    cutoff = iso(clock() - older_than)
    total = 0
    while True:
        with transaction(conn):
            n = conn.execute(
                "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < ? LIMIT 5000)",
                (cutoff,),
            ).rowcount
        total += n
        if n < 5000:
            return total


def first_sighting(conn: sqlite3.Connection, event_id: str, clock: Clock = system_clock) -> bool:
    """True the first time an event id is seen; False for a redelivery."""
    with transaction(conn):
        cur = conn.execute(
            "INSERT OR IGNORE INTO seen_events (event_id, seen_at) VALUES (?, ?)",
            (event_id, iso(clock())),
        )
        return cur.rowcount == 1


def forget_seen_events(
    conn: sqlite3.Connection, older_than: timedelta, clock: Clock = system_clock
) -> int:
    with transaction(conn):
        return conn.execute(
            "DELETE FROM seen_events WHERE seen_at < ?", (iso(clock() - older_than),)
        ).rowcount


def count_events(conn: sqlite3.Connection, kind: str, since: datetime) -> int:
    return conn.execute(
        "SELECT COUNT(*) FROM events WHERE kind = ? AND at >= ?", (kind, iso(since))
    ).fetchone()[0]
