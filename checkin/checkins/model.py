"""Check-ins and their questions as stored: looked up by name or id, active ones, questions.

The list columns (a check-in's `days`, `participants` and `leads`, a
question's `labels` and `options`) are JSON in the database; the functions
below are the one place that decodes them, so every reader gets a list.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping

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


def json_list(value: object) -> list:
    """A JSON list column as a list: empty for NULL; a list passes through (already decoded)."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return list(value)
    decoded = json.loads(value)
    return list(decoded) if decoded else []


def days(checkin: Mapping) -> list[str]:
    """The check-in's days, as `["mon", "wed", "fri"]`."""
    return json_list(checkin["days"])


def participants(checkin: Mapping) -> list[str]:
    """The check-in's participants as written: member ids, `#channel` names or channel ids."""
    return json_list(checkin["participants"])


def leads(checkin: Mapping) -> list[str]:
    """The member ids named as the check-in's leads."""
    return json_list(checkin["leads"])


def labels(question: Mapping) -> list[str]:
    """A scale question's five labels; empty when it has none."""
    return json_list(question["labels"])


def options(question: Mapping) -> list[str]:
    """A choice question's options; empty for other kinds."""
    return json_list(question["options"])
