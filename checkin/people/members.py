"""Members as the bot knows them from Slack: kept, deactivated, paused, looked up, named."""

from __future__ import annotations

import sqlite3
from datetime import date

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction
from checkin.errors import NotFound


def upsert_member(
    conn: sqlite3.Connection,
    slack_id: str,
    *,
    name: str = "",
    real_name: str = "",
    tz: str = "UTC",
    is_bot: bool = False,
    is_admin: bool = False,
    active: bool = True,
    inactive_reason: str | None = None,
    clock: Clock = system_clock,
) -> None:
    """Create or refresh a member from Slack's profile; pauses are kept."""
    now = iso(clock())
    with transaction(conn):
        conn.execute(
            "INSERT INTO members (slack_id, name, real_name, tz, is_bot, is_admin, active, "
            "inactive_reason, refreshed_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(slack_id) DO UPDATE SET name=excluded.name, "
            "real_name=excluded.real_name, tz=excluded.tz, is_bot=excluded.is_bot, "
            "is_admin=excluded.is_admin, active=excluded.active, "
            "inactive_reason=excluded.inactive_reason, refreshed_at=excluded.refreshed_at",
            (
                slack_id,
                name,
                real_name,
                tz or "UTC",
                int(is_bot),
                int(is_admin),
                int(active),
                None if active else inactive_reason,
                now,
                now,
            ),
        )


def ensure_member(conn: sqlite3.Connection, slack_id: str, clock: Clock = system_clock) -> None:
    """A row for a member we have not looked up yet (their profile comes later)."""
    with transaction(conn):
        conn.execute(
            "INSERT OR IGNORE INTO members (slack_id, created_at) VALUES (?, ?)",
            (slack_id, iso(clock())),
        )


def deactivate_member(conn: sqlite3.Connection, slack_id: str, reason: str) -> None:
    """Stop asking someone Slack says we cannot reach (user_disabled, channel_not_found)."""
    with transaction(conn):
        conn.execute(
            "UPDATE members SET active = 0, inactive_reason = ? WHERE slack_id = ?",
            (reason, slack_id),
        )


def pause_member(conn: sqlite3.Connection, slack_id: str, until: date | None) -> None:
    """Out of office up to and including `until` (None resumes)."""
    with transaction(conn):
        cur = conn.execute(
            "UPDATE members SET paused_until = ? WHERE slack_id = ?",
            (until.isoformat() if until else None, slack_id),
        )
        if cur.rowcount == 0:
            raise NotFound(f"no member {slack_id}")


def get_member(conn: sqlite3.Connection, slack_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM members WHERE slack_id = ?", (slack_id,)).fetchone()


def members_by_id(conn: sqlite3.Connection, ids: list[str]) -> list[sqlite3.Row]:
    rows: list[sqlite3.Row] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows += conn.execute(
            f"SELECT * FROM members WHERE slack_id IN ({marks}) ORDER BY slack_id",  # noqa: S608
            chunk,
        ).fetchall()
    return rows


def dm_owner(conn: sqlite3.Connection, channel_id: str) -> str | None:
    """Whose DM a channel id is, as the runs sent there recorded it."""
    row = conn.execute(
        "SELECT member_id FROM runs WHERE channel_id = ? ORDER BY id DESC LIMIT 1", (channel_id,)
    ).fetchone()
    return row[0] if row else None


MEMBER_NAME = "COALESCE(NULLIF(m.real_name, ''), NULLIF(m.name, ''), m.slack_id)"
