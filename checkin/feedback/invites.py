"""Feedback invites, the bot's side: which to send, retry, remind, and each one's one-time link."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction
from checkin.feedback import tokens
from checkin.ops import outbox

REMIND_BEFORE = timedelta(days=2)


RETRY_FIRST = timedelta(minutes=1)  # the first retry of a failed invite DM; doubled each time


RETRY_MOST = timedelta(hours=1)  # the longest wait between two tries


def invites_to_send(
    conn: sqlite3.Connection, request_id: int, now: datetime | None = None
) -> list[sqlite3.Row]:
    """The request's invites not sent yet and not refused; with `now`, only those whose
    retry (after a failed DM) is due, and whose link has not expired."""
    sql = (
        "SELECT * FROM feedback_invites WHERE request_id = ? AND sent_at IS NULL "
        "AND declined_at IS NULL AND refused IS NULL"
    )
    args: tuple = (request_id,)
    if now is not None:
        sql += " AND (retry_at IS NULL OR retry_at <= ?) AND expires_at > ?"
        args += (iso(now), iso(now))
    return conn.execute(sql + " ORDER BY id", args).fetchall()


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: 1 min, 2, 4 … at most an hour."""
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_MOST)


def mark_invite_posting(
    conn: sqlite3.Connection, invite_id: int, channel_id: str, clock: Clock = system_clock
) -> None:
    """A post is about to be made: if its answer is lost, the DM is read before posting again."""
    with transaction(conn):
        conn.execute(
            "UPDATE feedback_invites SET posting_at = ?, channel_id = ? WHERE id = ?",
            (iso(clock()), channel_id, invite_id),
        )


def mark_invite_not_posted(conn: sqlite3.Connection, invite_id: int) -> None:
    """Slack answered that the post was not made (a 429, an error): nothing to look for."""
    with transaction(conn):
        conn.execute("UPDATE feedback_invites SET posting_at = NULL WHERE id = ?", (invite_id,))


def mark_invite_failed(
    conn: sqlite3.Connection, invite_id: int, error: str, clock: Clock = system_clock
) -> datetime:
    """A DM that failed for a reason that may pass: tried again later, with backoff.
    Returns when."""
    with transaction(conn):
        row = get_invite(conn, invite_id)
        attempts = (row["attempts"] if row else 0) + 1
        when = clock() + retry_delay(attempts)
        conn.execute(
            "UPDATE feedback_invites SET attempts = ?, last_error = ?, retry_at = ? WHERE id = ?",
            (attempts, error, iso(when), invite_id),
        )
    return when


def mark_invite_refused(conn: sqlite3.Connection, invite_id: int, reason: str) -> None:
    """An invite that can never be sent (a deactivated reviewer, a development-mode skip)."""
    with transaction(conn):
        conn.execute(
            "UPDATE feedback_invites SET refused = ?, retry_at = NULL, posting_at = NULL "
            "WHERE id = ? AND sent_at IS NULL",
            (reason, invite_id),
        )


def requests_to_retry(conn: sqlite3.Connection, now: datetime) -> list[int]:
    """Open requests with an invite whose retry is due and no outbox row waiting to send it."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT i.request_id FROM feedback_invites i JOIN feedback_requests q "
            "ON q.id = i.request_id WHERE q.status = 'open' AND i.sent_at IS NULL "
            "AND i.refused IS NULL AND i.declined_at IS NULL "
            "AND i.retry_at IS NOT NULL AND i.retry_at <= :now AND i.expires_at > :now "
            "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'feedback_invites' "
            "AND o.status IN ('pending', 'running') "
            "AND json_extract(o.payload, '$.request_id') = i.request_id) "
            "ORDER BY i.request_id",
            {"now": iso(now)},
        )
    ]


def enqueue_retries(conn: sqlite3.Connection, clock: Clock = system_clock) -> list[int]:
    """Queue (outbox) the sending of every invite whose retry is due; the request ids."""
    due = requests_to_retry(conn, clock())
    for request_id in due:
        outbox.enqueue(
            conn, "feedback_invites", {"request_id": request_id, "retry": True}, clock=clock
        )
    return due


def issue_link_token(conn: sqlite3.Connection, invite_id: int) -> str:
    """A fresh random one-time token for the invite; only `tokens.invite_hash` of it is
    kept (an earlier one stops working). The token goes into the reviewer's DM only."""
    token = tokens.new_token()
    with transaction(conn):
        conn.execute(
            "UPDATE feedback_invites SET token_hash = ? WHERE id = ?",
            (tokens.invite_hash(token), invite_id),
        )
    return token


def mark_invite_sent(
    conn: sqlite3.Connection,
    invite_id: int,
    channel_id: str,
    message_ts: str,
    clock: Clock = system_clock,
) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE feedback_invites SET sent_at = ?, channel_id = ?, message_ts = ?, "
            "posting_at = NULL, retry_at = NULL WHERE id = ?",
            (iso(clock()), channel_id, message_ts, invite_id),
        )


def get_invite(conn: sqlite3.Connection, invite_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM feedback_invites WHERE id = ?", (invite_id,)).fetchone()


def decline(
    conn: sqlite3.Connection, invite_id: int, member_id: str, clock: Clock = system_clock
) -> str:
    """'declined', or why not: 'already' (declined before), 'not_yours'.

    Whether the reviewer answered is not known here (nothing on the invite says),
    so a decline after answering is simply recorded.
    """
    with transaction(conn):
        row = get_invite(conn, invite_id)
        if row is None or row["member_id"] != member_id:
            return "not_yours"
        if row["declined_at"] is not None:
            return "already"
        conn.execute(
            "UPDATE feedback_invites SET declined_at = ? WHERE id = ? AND declined_at IS NULL",
            (iso(clock()), invite_id),
        )
    return "declined"


def invites_to_remind(conn: sqlite3.Connection, now: datetime) -> list[sqlite3.Row]:
    """Sent invites not declined, of open requests whose due date is 2 days away or less.

    Every such reviewer is reminded, answered or not: nothing records who answered.
    """
    soon = (now.date() + REMIND_BEFORE).isoformat()
    return conn.execute(
        "SELECT i.*, q.subject_id, q.closes_on FROM feedback_invites i JOIN feedback_requests q "
        "ON q.id = i.request_id WHERE q.status = 'open' AND i.sent_at IS NOT NULL "
        "AND i.reminded_at IS NULL AND i.declined_at IS NULL "
        "AND q.closes_on <= ? AND i.expires_at > ? ORDER BY i.id",
        (soon, iso(now)),
    ).fetchall()


def claim_reminder(conn: sqlite3.Connection, invite_id: int, clock: Clock = system_clock) -> bool:
    with transaction(conn):
        return (
            conn.execute(
                "UPDATE feedback_invites SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL "
                "AND declined_at IS NULL",
                (iso(clock()), invite_id),
            ).rowcount
            == 1
        )
