"""The weekly summary's post to its channel: claimed once per check-in and week, taken over
when stale, finished or failed, and retried while the week's report is due.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from datetime import timedelta

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction


def retry_failed_report_post(
    conn: sqlite3.Connection,
    checkin_id: int,
    week: str,
    channel: str,
    owner: str,
    after: timedelta,
    clock: Clock = system_clock,
) -> bool:
    """Claim again a week's report post that failed at least `after` ago; True if claimed.

    A failure a person fixes (the bot invited to the channel) is not final:
    the bot tries again while the week's report is due. One UPDATE, so only
    one process gets it.
    """
    now = clock()
    with transaction(conn):
        return (
            conn.execute(
                "UPDATE report_posts SET status = 'posting', channel = ?, claimed_by = ?, "
                "claimed_at = ?, error = NULL WHERE checkin_id = ? AND week = ? "
                "AND status = 'failed' AND (claimed_at IS NULL OR claimed_at < ?)",
                (channel, owner, iso(now), checkin_id, week, iso(now - after)),
            ).rowcount
            == 1
        )


CLAIM_STALE_AFTER = timedelta(minutes=5)


def claim_owner() -> str:
    """Who holds a claim: this process, as pid@host."""
    return f"{os.getpid()}@{socket.gethostname()}"


def claim_report_post(
    conn: sqlite3.Connection,
    checkin_id: int,
    week: str,
    channel: str,
    owner: str | None = None,
    clock: Clock = system_clock,
) -> bool:
    """Take the week's post for this process; False when it was taken before (by anyone, ever)."""

    with transaction(conn):
        cur = conn.execute(
            "INSERT OR IGNORE INTO report_posts (checkin_id, week, channel, status, claimed_by, "
            "claimed_at) VALUES (?, ?, ?, 'posting', ?, ?)",
            (checkin_id, week, channel, owner or claim_owner(), iso(clock())),
        )
        return cur.rowcount == 1


def take_over_report_post(
    conn: sqlite3.Connection,
    checkin_id: int,
    week: str,
    owner: str | None = None,
    clock: Clock = system_clock,
    stale_after: timedelta = CLAIM_STALE_AFTER,
) -> bool:
    """Take a 'posting' claim that is this owner's own, or older than `stale_after` (abandoned).

    One UPDATE, so of two processes trying at once only one gets it; a fresh
    claim of another process is left alone.
    """
    owner = owner or claim_owner()
    now = clock()
    with transaction(conn):
        cur = conn.execute(
            "UPDATE report_posts SET claimed_by = :owner, claimed_at = :now "
            "WHERE checkin_id = :checkin AND week = :week AND status = 'posting' "
            "AND (claimed_by = :owner OR claimed_at IS NULL OR claimed_at < :stale)",
            {
                "owner": owner,
                "now": iso(now),
                "checkin": checkin_id,
                "week": week,
                "stale": iso(now - stale_after),
            },
        )
        return cur.rowcount == 1


def get_report_post(conn: sqlite3.Connection, checkin_id: int, week: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM report_posts WHERE checkin_id = ? AND week = ?", (checkin_id, week)
    ).fetchone()


def finish_report_post(
    conn: sqlite3.Connection,
    checkin_id: int,
    week: str,
    *,
    message_ts: str | None = None,
    error: str | None = None,
    clock: Clock = system_clock,
) -> None:
    """Record the outcome: posted (with the message's ts) or failed (with Slack's error)."""

    with transaction(conn):
        conn.execute(
            "UPDATE report_posts SET status = ?, message_ts = ?, posted_at = ?, error = ? "
            "WHERE checkin_id = ? AND week = ?",
            (
                "failed" if error else "posted",
                message_ts,
                None if error else iso(clock()),
                error,
                checkin_id,
                week,
            ),
        )


def reportable_checkins(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Active check-ins with a report channel, day and time: the ones posted on a schedule."""
    return conn.execute(
        "SELECT * FROM checkins WHERE active = 1 AND report_channel IS NOT NULL "
        "AND report_channel != '' AND report_day IS NOT NULL AND report_time IS NOT NULL "
        "ORDER BY id"
    ).fetchall()
