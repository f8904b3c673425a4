"""The bot's bookkeeping of a run's messages: what is due to send, remind, wake, and what is owed.

A run owes its member a message when the shown question is answered (the
next question, or the recap once all are), or when a snooze ran out; a post
that may have gone out is checked in the DM before it is tried again.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction


def runs_to_send(conn: sqlite3.Connection, now: datetime) -> list[sqlite3.Row]:
    """Runs created but not yet sent whose window is still open, oldest first."""
    return conn.execute(
        "SELECT r.* FROM runs r JOIN checkins c ON c.id = r.checkin_id "
        "WHERE r.status = 'due' AND r.closes_at > ? AND c.active = 1 ORDER BY r.due_at, r.id",
        (iso(now),),
    ).fetchall()


def runs_left_sending(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Runs claimed for sending and never confirmed, oldest first.

    Which of them are still being sent only the bot knows (its sends in
    flight); the others were left by a stopped bot or by a post whose outcome
    is unknown, and are looked up in the DM.
    """
    return conn.execute("SELECT * FROM runs WHERE status = 'sending' ORDER BY id").fetchall()


def runs_to_wake(conn: sqlite3.Connection, now: datetime) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM runs WHERE status = 'open' AND snoozed_until IS NOT NULL "
        "AND snoozed_until <= ? ORDER BY id",
        (iso(now),),
    ).fetchall()


def runs_to_remind(conn: sqlite3.Connection, now: datetime | None = None) -> list[sqlite3.Row]:
    """Open runs with no reminder yet, with the check-in's delay and the member's pause."""
    return conn.execute(
        "SELECT r.*, c.reminder_minutes, m.paused_until FROM runs r "
        "JOIN checkins c ON c.id = r.checkin_id JOIN members m ON m.slack_id = r.member_id "
        "WHERE r.status = 'open' AND r.reminded_at IS NULL AND r.snoozed_until IS NULL "
        "AND r.sent_at IS NOT NULL AND (r.post_after IS NULL OR r.post_after <= ?) ORDER BY r.id",
        (iso(now or datetime.now(UTC)),),
    ).fetchall()


def runs_past_window(conn: sqlite3.Connection, now: datetime) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM runs WHERE status IN ('due', 'open') AND closes_at <= ? ORDER BY id",
        (iso(now),),
    ).fetchall()


def unclaim_reminder(conn: sqlite3.Connection, run_id: int, retry_at: datetime) -> None:
    """A reminder that could not be posted (and surely was not) is tried again from `retry_at`."""
    with transaction(conn):
        conn.execute(
            "UPDATE runs SET reminded_at = NULL, post_after = ? WHERE id = ? AND status = 'open'",
            (iso(retry_at), run_id),
        )


def claim_reminder(conn: sqlite3.Connection, run_id: int, clock: Clock = system_clock) -> bool:
    """Mark a run reminded; False when it was reminded, answered or snoozed meanwhile."""
    with transaction(conn):
        return (
            conn.execute(
                "UPDATE runs SET reminded_at = ? WHERE id = ? AND status = 'open' "
                "AND reminded_at IS NULL AND snoozed_until IS NULL",
                (iso(clock()), run_id),
            ).rowcount
            == 1
        )


def snooze_run(conn: sqlite3.Connection, run_id: int, until: datetime) -> bool:
    """Hold an open run's questions until `until`; False when it is not open or already snoozed."""
    with transaction(conn):
        return (
            conn.execute(
                "UPDATE runs SET snoozed_until = ? WHERE id = ? AND status = 'open' "
                "AND snoozed_until IS NULL",
                (iso(until), run_id),
            ).rowcount
            == 1
        )


def wake_run(conn: sqlite3.Connection, run_id: int, now: datetime | None = None) -> bool:
    """End a snooze (when it is over at `now`, or at once with None); True if this call ended it.

    A snooze that ran out (`now` given) leaves the run owing its question
    ("back from your snooze", `post_owed = 'wake'`) until it is posted, and
    counts as its reminder: the member gets one message, not two.
    """
    sql = "UPDATE runs SET snoozed_until = NULL WHERE id = ? AND snoozed_until IS NOT NULL"
    params: list[object] = [run_id]
    if now is not None:
        sql = (
            "UPDATE runs SET snoozed_until = NULL, post_owed = 'wake', post_attempts = 0, "
            "post_after = NULL, reminded_at = COALESCE(reminded_at, ?) "
            "WHERE id = ? AND snoozed_until IS NOT NULL AND snoozed_until <= ?"
        )
        params = [iso(now), run_id, iso(now)]
    with transaction(conn):
        return conn.execute(sql, params).rowcount == 1


def set_run_message(
    conn: sqlite3.Connection,
    run_id: int,
    channel_id: str,
    message_ts: str,
    question_id: int | None = None,
) -> None:
    """The run's newest question message, which a typed answer updates, and its question.

    The member has a question to answer now: nothing is owed any more.
    """
    with transaction(conn):
        conn.execute(
            "UPDATE runs SET channel_id = ?, message_ts = ?, "
            "asked_question_id = COALESCE(?, asked_question_id), post_owed = NULL, "
            "post_unsure = 0, post_attempts = 0, post_after = NULL WHERE id = ?",
            (channel_id, message_ts, question_id, run_id),
        )


def set_run_recap(conn: sqlite3.Connection, run_id: int, recap_ts: str) -> None:
    """The recap of an answered run is in the DM: nothing is owed any more."""
    with transaction(conn):
        conn.execute(
            "UPDATE runs SET recap_ts = ?, post_owed = NULL, post_unsure = 0, post_attempts = 0, "
            "post_after = NULL WHERE id = ?",
            (recap_ts, run_id),
        )


# A run owes its member a message when the shown question is answered (the
# next question, or the recap once all are), or when a snooze ran out.
_OWES_POST = (
    "r.status IN ('open', 'answered', 'closed') AND r.sent_at IS NOT NULL "
    "AND r.snoozed_until IS NULL AND r.closes_at > :since "
    "AND (r.post_owed IS NULL OR r.post_owed != 'failed') AND ("
    "(r.post_owed = 'wake' AND r.status = 'open') OR ("
    "r.asked_question_id IS NOT NULL AND EXISTS (SELECT 1 FROM answers a "
    "WHERE a.run_id = r.id AND a.question_id = r.asked_question_id) "
    "AND NOT (r.status = 'answered' AND r.recap_ts IS NOT NULL)))"
)


def runs_owing_post(
    conn: sqlite3.Connection,
    now: datetime,
    closed_since: datetime,
    member_id: str | None = None,
) -> list[sqlite3.Row]:
    """Runs that owe their member the next message and may be tried at `now` (of one member,
    whatever their retry time, with `member_id`).

    Only runs whose window closed at or after `closed_since` (a late answer's
    follow-up is still wanted for a while, not days later).
    """
    if member_id is not None:
        return conn.execute(
            f"SELECT r.* FROM runs r WHERE {_OWES_POST} AND r.member_id = :member "  # noqa: S608
            "ORDER BY r.id",
            {"since": iso(closed_since), "member": member_id},
        ).fetchall()
    return conn.execute(
        f"SELECT r.* FROM runs r WHERE {_OWES_POST} "  # noqa: S608 - a constant
        "AND (r.post_after IS NULL OR r.post_after <= :now) ORDER BY r.id",
        {"since": iso(closed_since), "now": iso(now)},
    ).fetchall()


def run_owing_post(
    conn: sqlite3.Connection, run_id: int, closed_since: datetime
) -> sqlite3.Row | None:
    """The run if it owes its member a message now (whatever its retry time)."""
    return conn.execute(
        f"SELECT r.* FROM runs r WHERE r.id = :run AND {_OWES_POST}",  # noqa: S608
        {"run": run_id, "since": iso(closed_since)},
    ).fetchone()


def post_trying(conn: sqlite3.Connection, run_id: int) -> None:
    """Before an owed post: should the bot die before it hears back, the DM is looked at first."""
    with transaction(conn):
        conn.execute("UPDATE runs SET post_unsure = 1 WHERE id = ?", (run_id,))


def post_not_made(
    conn: sqlite3.Connection,
    run_id: int,
    *,
    retry_at: datetime | None,
    unsure: bool,
    error: str,
) -> None:
    """An owed post failed: tried again from `retry_at`, or never (None) when Slack refused.

    `unsure`: this try may have reached Slack, so the DM is looked at first next time
    (earlier tries are known not to have: they were looked for before this one).
    """
    with transaction(conn):
        conn.execute(
            "UPDATE runs SET post_attempts = post_attempts + 1, post_after = ?, "
            "post_unsure = ?, error = ?, "
            "post_owed = CASE WHEN ? THEN 'failed' ELSE post_owed END WHERE id = ?",
            (iso(retry_at) if retry_at else None, int(unsure), error, retry_at is None, run_id),
        )
