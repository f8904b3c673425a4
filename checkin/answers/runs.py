"""Runs: one per check-in, member and local date, and its status.

Uniqueness lives in the schema (runs per check-in, member and local date), so
a redelivered event or a second process turns into a no-op instead of a
duplicate. Which statuses count as asked is `checkin.answers.asked`.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime

from checkin.checkins.timing import DueRun
from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction


def create_run(
    conn: sqlite3.Connection,
    checkin_id: int,
    due: DueRun,
    question_ids: list[int],
    *,
    status: str = "due",
    clock: Clock = system_clock,
) -> int | None:
    """Claim a run; None when it exists already (another tick, process or restart made it)."""
    with transaction(conn):
        cur = conn.execute(
            "INSERT OR IGNORE INTO runs (checkin_id, member_id, local_date, week, due_at, "
            "closes_at, status, question_ids, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                checkin_id,
                due.member_id,
                due.local_date.isoformat(),
                due.week,
                iso(due.due_at),
                iso(due.closes_at),
                status,
                json.dumps(question_ids),
                iso(clock()),
            ),
        )
        return cur.lastrowid if cur.rowcount else None


def get_run(conn: sqlite3.Connection, run_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()


def set_run_status(
    conn: sqlite3.Connection,
    run_id: int,
    status: str,
    *,
    only_if: tuple[str, ...] | None = None,
    clock: Clock = system_clock,
    **fields: object,
) -> bool:
    """Move a run to `status` (optionally only from the given ones); True if it moved."""
    allowed = {
        "channel_id",
        "message_ts",
        "asked_question_id",
        "sent_at",
        "reminded_at",
        "snoozed_until",
        "completed_at",
        "error",
        "sending_by",
    }
    if set(fields) - allowed:
        raise ValueError(f"unknown run fields {set(fields) - allowed}")
    values = {k: iso(v) if isinstance(v, datetime) else v for k, v in fields.items()}
    if status in ("answered", "skipped", "closed") and "completed_at" not in values:
        values["completed_at"] = iso(clock())
    sets = ", ".join(["status = ?"] + [f"{k} = ?" for k in values])
    sql = f"UPDATE runs SET {sets} WHERE id = ?"  # noqa: S608 - column names from `allowed`
    params: list[object] = [status, *values.values(), run_id]
    if only_if:
        sql += f" AND status IN ({', '.join('?' for _ in only_if)})"
        params.extend(only_if)
    with transaction(conn):
        return conn.execute(sql, params).rowcount == 1


def open_run_for(conn: sqlite3.Connection, member_id: str) -> sqlite3.Row | None:
    """The member's run that is waiting for a typed answer (newest open one)."""
    return conn.execute(
        "SELECT * FROM runs WHERE member_id = ? AND status = 'open' "
        "ORDER BY sent_at DESC, id DESC LIMIT 1",
        (member_id,),
    ).fetchone()


def next_question(conn: sqlite3.Connection, run: sqlite3.Row) -> sqlite3.Row | None:
    """The first question of the run with no answer yet."""
    answered = {
        r[0] for r in conn.execute("SELECT question_id FROM answers WHERE run_id = ?", (run["id"],))
    }
    for qid in json.loads(run["question_ids"]):
        if qid not in answered:
            return conn.execute("SELECT * FROM questions WHERE id = ?", (qid,)).fetchone()
    return None


def run_keys(conn: sqlite3.Connection, checkin_id: int, since: date) -> set[tuple[str, str]]:
    """(member, local date) of the check-in's runs from `since` on: the ones not to create again."""
    return {
        (r[0], r[1])
        for r in conn.execute(
            "SELECT member_id, local_date FROM runs WHERE checkin_id = ? AND local_date >= ?",
            (checkin_id, since.isoformat()),
        )
    }


def runs_asking(
    conn: sqlite3.Connection, member_id: str, closed_since: datetime
) -> list[sqlite3.Row]:
    """The member's sent runs whose shown question has no answer yet: open ones, and
    closed ones that closed at or after `closed_since`; open first, newest first.

    A run sent before `asked_question_id` existed counts its next question as shown.
    """
    rows = conn.execute(
        "SELECT r.* FROM runs r WHERE r.member_id = ? AND r.sent_at IS NOT NULL "
        "AND (r.status = 'open' OR (r.status = 'closed' AND r.closes_at >= ?)) "
        "AND (r.asked_question_id IS NULL OR NOT EXISTS (SELECT 1 FROM answers a "
        "WHERE a.run_id = r.id AND a.question_id = r.asked_question_id)) "
        "ORDER BY r.status = 'open' DESC, r.local_date DESC, r.id DESC LIMIT 5",
        (member_id, iso(closed_since)),
    ).fetchall()
    return [r for r in rows if next_question(conn, r) is not None]


def skip_runs_through(
    conn: sqlite3.Connection, member_id: str, through: date, clock: Clock = system_clock
) -> list[sqlite3.Row]:
    """Mark the member's unanswered runs up to `through` (local date) skipped; returns them.

    A run being sent, or left 'sending', is skipped too: its send ends without asking.
    """
    with transaction(conn):
        rows = conn.execute(
            "SELECT * FROM runs WHERE member_id = ? AND status IN ('due', 'sending', 'open') "
            "AND local_date <= ?",
            (member_id, through.isoformat()),
        ).fetchall()
        conn.execute(
            "UPDATE runs SET status = 'skipped', completed_at = ? WHERE member_id = ? "
            "AND status IN ('due', 'sending', 'open') AND local_date <= ?",
            (iso(clock()), member_id, through.isoformat()),
        )
    return rows


def runs_of_member_today(
    conn: sqlite3.Connection, member_id: str, local_date: date
) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM runs WHERE member_id = ? AND local_date = ? ORDER BY id",
        (member_id, local_date.isoformat()),
    ).fetchall()
