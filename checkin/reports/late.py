"""Answers given after a week's summary was posted: one note in the summary's thread.

"Late: 2 more answers, participation now 92%": a member who answers on
Saturday still counts, and the channel that read Friday's summary learns it.
One note per summary, posted with the first late answer and kept current at
most once every LATE_EVERY (an edit of the note, never a second one); only a
summary posted on schedule (a `report_posts` row) within LATE_WINDOW gets one.

A late answer is a run of that week whose first answer (not a skip) came after
the summary was posted (`runs.answered_at > report_posts.posted_at`).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction
from checkin.errors import NotAllowed
from checkin.reports import for_viewer, formats

LATE_EVERY = timedelta(hours=1)
LATE_WINDOW = timedelta(days=14)  # a summary posted longer ago gets no note any more
UNCOUNTED = "Late: more answers came in after this summary."

_LATE_RUNS = (
    "(SELECT COUNT(*) FROM runs r WHERE r.checkin_id = p.checkin_id AND r.week = p.week "
    "AND r.answered_at > p.posted_at)"
)


def notes_due(conn: sqlite3.Connection, now: datetime) -> list[sqlite3.Row]:
    """Posted summaries whose note lacks answers given since, last changed LATE_EVERY ago or
    more (or never); each row has `late_count`, the late answers now."""
    return conn.execute(
        f"SELECT * FROM (SELECT p.*, {_LATE_RUNS} AS late_count FROM report_posts p "  # noqa: S608
        "WHERE p.status = 'posted' AND p.message_ts IS NOT NULL AND p.posted_at >= :window "
        "AND (p.late_noted_at IS NULL OR p.late_noted_at <= :every)) "
        "WHERE late_count > late_answers OR late_status = 'posting' ORDER BY checkin_id, week",
        {"window": iso(now - LATE_WINDOW), "every": iso(now - LATE_EVERY)},
    ).fetchall()


def get_note(conn: sqlite3.Connection, checkin_id: int, week: str) -> sqlite3.Row | None:
    return conn.execute(
        f"SELECT p.*, {_LATE_RUNS} AS late_count FROM report_posts p "  # noqa: S608
        "WHERE p.checkin_id = ? AND p.week = ?",
        (checkin_id, week),
    ).fetchone()


def claim_note(conn: sqlite3.Connection, checkin_id: int, week: str, owner: str) -> bool:
    """Take the first note of a summary for this bot; False when it was claimed before."""
    with transaction(conn):
        return (
            conn.execute(
                "UPDATE report_posts SET late_status = 'posting', late_claimed_by = ? "
                "WHERE checkin_id = ? AND week = ? AND late_status IS NULL",
                (owner, checkin_id, week),
            ).rowcount
            == 1
        )


def note_made(
    conn: sqlite3.Connection,
    checkin_id: int,
    week: str,
    count: int,
    ts: str | None = None,
    clock: Clock = system_clock,
) -> None:
    """The note is in the thread (posted with `ts`, or updated) and counts `count` answers."""
    with transaction(conn):
        conn.execute(
            "UPDATE report_posts SET late_status = 'posted', late_ts = COALESCE(?, late_ts), "
            "late_answers = ?, late_noted_at = ? WHERE checkin_id = ? AND week = ?",
            (ts, count, iso(clock()), checkin_id, week),
        )


def note_put_off(
    conn: sqlite3.Connection, checkin_id: int, week: str, clock: Clock = system_clock
) -> None:
    """The note could not be posted or updated now: tried again after LATE_EVERY."""
    with transaction(conn):
        conn.execute(
            "UPDATE report_posts SET late_noted_at = ? WHERE checkin_id = ? AND week = ?",
            (iso(clock()), checkin_id, week),
        )


def note_text(
    conn: sqlite3.Connection, checkin_id: int, week: str, count: int, now: datetime
) -> str:
    """'Late: 2 more answers, participation now 92%'. When the channel may not see the
    week's participation (a private check-in's week too few answered, or held back), the
    note says more answers came, without the count: with the summary's it would give
    that participation back."""
    answers = "1 more answer" if count == 1 else f"{count} more answers"
    try:
        report = for_viewer.channel_report(conn, checkin_id, week, now)
    except NotAllowed:
        return UNCOUNTED
    if report.headline.runs_answered is None:
        return UNCOUNTED
    participation = report.headline.participation
    if participation is None:
        return f"Late: {answers}."
    return f"Late: {answers}, participation now {formats.percent(participation)}."
