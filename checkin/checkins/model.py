"""Check-ins and their questions as stored: looked up by name or id, active ones, questions.
"""

from __future__ import annotations

import sqlite3

from checkin.errors import NotFound


def get_checkin(conn: sqlite3.Connection, name: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM checkins WHERE name = ? COLLATE NOCASE", (name,)).fetchone()
    if row is None:
        names = [r[0] for r in conn.execute("SELECT name FROM checkins ORDER BY name")]
        known = ", ".join(names) if names else "none yet: import one with `checkins import`"
        raise NotFound(f"no check-in named {name!r} (known: {known})")
    return row


def active_questions(conn: sqlite3.Connection, checkin_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM questions WHERE checkin_id = ? AND active = 1 AND pool_question_id IS NULL "
        "ORDER BY position",
        (checkin_id,),
    ).fetchall()


def active_checkins(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM checkins WHERE active = 1 ORDER BY name").fetchall()


def get_question(conn: sqlite3.Connection, question_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM questions WHERE id = ?", (question_id,)).fetchone()


def get_checkin_by_id(conn: sqlite3.Connection, checkin_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM checkins WHERE id = ?", (checkin_id,)).fetchone()
