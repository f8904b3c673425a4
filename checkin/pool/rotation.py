"""Which pool question a run asks: the least-asked approved one first, none repeated within 8 weeks."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction

NOT_AGAIN_WITHIN = timedelta(weeks=8)


def question_for_run(
    conn: sqlite3.Connection,
    checkin_id: int,
    member_id: str,
    local_date: date,
    clock: Clock = system_clock,
) -> int | None:
    """The `questions` row id of the pool question to add to this member's run, or None.

    The least-asked approved question first (then the one asked longest ago),
    never one this member was asked in the 8 weeks before `local_date`. A pool
    question becomes a (non-active) question of the check-in the first time it
    is drawn, with its kind, options and labels, so its answers are stored and
    reported like any other. A second draw for the same run returns the same
    question and counts nothing.
    """
    day = local_date.isoformat()
    since = (local_date - NOT_AGAIN_WITHIN + timedelta(days=1)).isoformat()
    now = iso(clock())
    with transaction(conn):
        drawn = conn.execute(
            "SELECT question_id FROM pool_asks WHERE checkin_id = ? AND member_id = ? "
            "AND local_date = ?",
            (checkin_id, member_id, day),
        ).fetchone()
        if drawn is not None:
            return drawn[0]
        pool = conn.execute(
            "SELECT * FROM pool_questions p WHERE p.status = 'approved' AND NOT EXISTS ("
            "SELECT 1 FROM pool_asks a WHERE a.member_id = ? AND a.pool_question_id = p.id "
            "AND a.local_date >= ? AND a.local_date <= ?) "
            "ORDER BY p.times_asked, p.last_asked_at IS NOT NULL, p.last_asked_at, p.id LIMIT 1",
            (member_id, since, day),
        ).fetchone()
        if pool is None:
            return None
        row = conn.execute(
            "SELECT id FROM questions WHERE checkin_id = ? AND pool_question_id = ? "
            "AND text = ? ORDER BY id DESC LIMIT 1",
            (checkin_id, pool["id"], pool["text"]),
        ).fetchone()
        if row:
            question_id = row[0]
        else:
            question_id = conn.execute(
                "INSERT INTO questions (checkin_id, position, text, kind, labels, options, "
                "active, pool_question_id, created_at) VALUES (?, 1000, ?, ?, ?, ?, 0, ?, ?)",
                (
                    checkin_id,
                    pool["text"],
                    pool["kind"],
                    pool["labels"],
                    pool["options"],
                    pool["id"],
                    now,
                ),
            ).lastrowid
        conn.execute(
            "INSERT INTO pool_asks (checkin_id, member_id, local_date, pool_question_id, "
            "question_id) VALUES (?, ?, ?, ?, ?)",
            (checkin_id, member_id, day, pool["id"], question_id),
        )
        conn.execute(
            "UPDATE pool_questions SET times_asked = times_asked + 1, last_asked_at = ? "
            "WHERE id = ?",
            (now, pool["id"]),
        )
    return question_id
