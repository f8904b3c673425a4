"""The bookkeeping of standup posts: each claimed before it is posted, so it goes out once.

A member's post (`broadcasts`, one row per run) and the day's parent message
(`broadcast_days`, one per check-in, day and channel) are each claimed
('posting') in one statement before the bot posts them, then marked 'posted'
with the message's ts. A claim still 'posting' when the bot looks at it again
(a stopped bot, a post whose answer never came) may be in the channel: the bot
looks for it there (the message's metadata names it) before posting again.
A failure Slack says will pass waits until `retry_at`; one that will not
('not_in_channel') ends 'failed' until the channel is fixed.

A run is posted when it is answered (at least one answer that is not a skip),
finished after its check-in's channel was set, and not longer ago than
POST_WINDOW (a bot down for days does not post old days on its return).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction

POST_WINDOW = timedelta(days=2)  # a run finished longer ago than this is not posted any more
LATE_CLICK = timedelta(days=7)  # how long after its window a run may still be finished
EDIT_WINDOW = timedelta(days=14)  # the scheduler heals a missed update this long after a post

_POSTABLE = (
    "c.active = 1 AND c.broadcast IS NOT NULL AND c.broadcast_since IS NOT NULL "
    "AND r.status = 'answered' AND r.completed_at >= c.broadcast_since "
    "AND EXISTS (SELECT 1 FROM answers a WHERE a.run_id = r.id AND a.skipped = 0)"
)
_NEWEST_EDIT = "(SELECT COALESCE(MAX(a.edited_at), '') FROM answers a WHERE a.run_id = r.id)"


def run_to_post(conn: sqlite3.Connection, run_id: int, now: datetime) -> sqlite3.Row | None:
    """The run, with its check-in's channel, when the channel should show it: to post (it
    finished within POST_WINDOW) or to keep current (it was posted, whenever)."""
    return conn.execute(
        "SELECT r.*, c.name AS checkin_name, c.broadcast, c.broadcast_thread, "  # noqa: S608
        f"{_NEWEST_EDIT} AS newest_edit FROM runs r "
        "JOIN checkins c ON c.id = r.checkin_id "
        f"WHERE r.id = :run AND {_POSTABLE} AND (r.completed_at >= :since "
        "OR EXISTS (SELECT 1 FROM broadcasts b WHERE b.run_id = r.id AND b.status = 'posted'))",
        {"run": run_id, "since": iso(now - POST_WINDOW)},
    ).fetchone()


def runs_owing(conn: sqlite3.Connection, now: datetime) -> list[sqlite3.Row]:
    """(run id, check-in id) of runs the channel lacks: not posted yet, a claim to try again,
    or a post older than an edit of its answers. For the scheduler, which heals what a
    failure or a stop left undone."""
    return conn.execute(
        f"SELECT r.id, r.checkin_id FROM runs r JOIN checkins c ON c.id = r.checkin_id "  # noqa: S608
        "LEFT JOIN broadcasts b ON b.run_id = r.id "
        f"WHERE {_POSTABLE} AND r.closes_at >= :oldest AND r.completed_at >= :since "
        "AND (c.broadcast_problem IS NULL OR c.broadcast_checked IS NOT c.broadcast) AND ("
        "b.run_id IS NULL OR (b.status = 'posting' AND (b.retry_at IS NULL OR b.retry_at <= :now)))"
        " UNION "
        f"SELECT r.id, r.checkin_id FROM broadcasts b JOIN runs r ON r.id = b.run_id "
        "JOIN checkins c ON c.id = r.checkin_id "
        f"WHERE {_POSTABLE} AND b.status = 'posted' AND b.posted_at >= :edits "
        f"AND (b.retry_at IS NULL OR b.retry_at <= :now) AND {_NEWEST_EDIT} > b.shown_edit "
        "ORDER BY 1",
        {
            "now": iso(now),
            "since": iso(now - POST_WINDOW),
            "oldest": iso(now - POST_WINDOW - LATE_CLICK),
            "edits": iso(now - EDIT_WINDOW),
        },
    ).fetchall()


# --- the day's parent message ---------------------------------------------------------------


def get_day(
    conn: sqlite3.Connection, checkin_id: int, local_date: str, channel: str
) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM broadcast_days WHERE checkin_id = ? AND local_date = ? AND channel = ?",
        (checkin_id, local_date, channel),
    ).fetchone()


def claim_day(
    conn: sqlite3.Connection,
    checkin_id: int,
    local_date: str,
    channel: str,
    channel_id: str,
    owner: str,
    clock: Clock = system_clock,
) -> bool:
    """Take the day's parent message for this bot; False when it was claimed before (ever)."""
    with transaction(conn):
        return (
            conn.execute(
                "INSERT OR IGNORE INTO broadcast_days (checkin_id, local_date, channel, "
                "channel_id, claimed_by, claimed_at) VALUES (?, ?, ?, ?, ?, ?)",
                (checkin_id, local_date, channel, channel_id, owner, iso(clock())),
            ).rowcount
            == 1
        )


def day_posted(
    conn: sqlite3.Connection,
    checkin_id: int,
    local_date: str,
    channel: str,
    ts: str,
    clock: Clock = system_clock,
) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE broadcast_days SET status = 'posted', message_ts = ?, posted_at = ?, "
            "retry_at = NULL, error = NULL WHERE checkin_id = ? AND local_date = ? AND channel = ?",
            (ts, iso(clock()), checkin_id, local_date, channel),
        )


def day_not_posted(
    conn: sqlite3.Connection,
    checkin_id: int,
    local_date: str,
    channel: str,
    error: str,
    retry_at: datetime | None,
) -> None:
    """The parent's post failed: tried again from `retry_at` (still a claim that may have
    reached Slack), or never (None: 'failed', Slack refused it)."""
    with transaction(conn):
        conn.execute(
            "UPDATE broadcast_days SET status = CASE WHEN ? THEN 'posting' ELSE 'failed' END, "
            "retry_at = ?, error = ? WHERE checkin_id = ? AND local_date = ? AND channel = ?",
            (
                retry_at is not None,
                iso(retry_at) if retry_at else None,
                error,
                checkin_id,
                local_date,
                channel,
            ),
        )


# --- a member's post ----------------------------------------------------------------------


def get_post(conn: sqlite3.Connection, run_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM broadcasts WHERE run_id = ?", (run_id,)).fetchone()


def claim_post(
    conn: sqlite3.Connection,
    run: sqlite3.Row,
    channel: str,
    channel_id: str,
    thread_ts: str | None,
    owner: str,
    clock: Clock = system_clock,
) -> bool:
    """Take the run's post for this bot; False when it was claimed before (ever)."""
    with transaction(conn):
        return (
            conn.execute(
                "INSERT OR IGNORE INTO broadcasts (run_id, checkin_id, member_id, local_date, "
                "channel, channel_id, thread_ts, claimed_by, claimed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run["id"],
                    run["checkin_id"],
                    run["member_id"],
                    run["local_date"],
                    channel,
                    channel_id,
                    thread_ts,
                    owner,
                    iso(clock()),
                ),
            ).rowcount
            == 1
        )


def post_made(
    conn: sqlite3.Connection, run_id: int, ts: str, shown_edit: str, clock: Clock = system_clock
) -> None:
    """The member's post is in the channel; it shows their answers as of `shown_edit`."""
    with transaction(conn):
        conn.execute(
            "UPDATE broadcasts SET status = 'posted', message_ts = ?, shown_edit = ?, "
            "posted_at = COALESCE(posted_at, ?), retry_at = NULL, error = NULL WHERE run_id = ?",
            (ts, shown_edit, iso(clock()), run_id),
        )


def post_not_made(
    conn: sqlite3.Connection, run_id: int, error: str, retry_at: datetime | None
) -> None:
    """A post (or an update of one) failed: tried again from `retry_at`, or, for a post
    Slack refused (None), never: 'failed'. A failed update leaves the post as it is."""
    with transaction(conn):
        conn.execute(
            "UPDATE broadcasts SET attempts = attempts + 1, retry_at = ?, error = ?, "
            "status = CASE WHEN ? IS NULL AND status = 'posting' THEN 'failed' ELSE status END "
            "WHERE run_id = ?",
            (
                iso(retry_at) if retry_at else None,
                error,
                iso(retry_at) if retry_at else None,
                run_id,
            ),
        )


def updated(conn: sqlite3.Connection, run_id: int, shown_edit: str) -> None:
    """The post was brought up to date with the answers edited up to `shown_edit` (or gave up
    on it: a post that is gone)."""
    with transaction(conn):
        conn.execute(
            "UPDATE broadcasts SET shown_edit = ?, retry_at = NULL, attempts = 0 WHERE run_id = ?",
            (shown_edit, run_id),
        )


def forget_failed(conn: sqlite3.Connection, checkin_id: int) -> int:
    """Once the bot is in the channel: what failed for want of it is claimed and posted again
    (it surely never reached the channel). Returns how many posts that frees."""
    with transaction(conn):
        conn.execute(
            "DELETE FROM broadcast_days WHERE checkin_id = ? AND status = 'failed'", (checkin_id,)
        )
        return conn.execute(
            "DELETE FROM broadcasts WHERE checkin_id = ? AND status = 'failed'", (checkin_id,)
        ).rowcount
