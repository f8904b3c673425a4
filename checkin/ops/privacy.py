"""A member's data: everything stored about one person, exported or erased.

`export_member` gathers what the database holds about one member as plain
JSON-ready data. `forget_member` erases what they wrote (every answer's value
and every earlier value in its history, the requests the bot kept for them)
and replaces their name with a placeholder. The rows of their answers stay,
marked `erased_at`, so past weeks' reports keep their counts; the words are
gone. Feedback responses are never part of either: a response names no one by
construction.

Erasing goes through plain UPDATE and DELETE on the base tables, so any
trigger-maintained index over them (a full-text index over answers) follows;
full-text indexes are then merged so no deleted word lingers in one of their
segments.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from checkin import errors
from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction
from checkin.errors import NotAllowed
from checkin.ops.events import record_event
from checkin.people import members
from checkin.people.viewer import Viewer

PLACEHOLDER = "(forgotten member)"


def _member(conn: sqlite3.Connection, member_id: str) -> sqlite3.Row:
    row = members.get_member(conn, member_id)
    if row is None:
        raise errors.NotFound(
            f"no member {member_id} in this database (Slack user ids look like U0123ABCD)"
        )
    return row


def _rows(conn: sqlite3.Connection, sql: str, params: tuple) -> list[dict]:
    return [dict(r) for r in conn.execute(sql, params).fetchall()]


def _json_fields(rows: list[dict], *names: str) -> list[dict]:
    for row in rows:
        for name in names:
            if isinstance(row.get(name), str):
                try:
                    row[name] = json.loads(row[name])
                except ValueError:
                    pass
    return rows


def export_member(
    viewer: Viewer, conn: sqlite3.Connection, member_id: str, clock: Clock = system_clock
) -> dict | None:
    """Everything stored about `member_id`; None when the viewer may not see it.

    An admin, or the member themselves, may export it.
    """
    if not viewer.may_see_member(member_id):
        return None
    member = dict(_member(conn, member_id))
    runs = _rows(
        conn,
        "SELECT r.id, c.name AS checkin, r.local_date, r.week, r.status, r.due_at, r.closes_at, "
        "r.sent_at, r.reminded_at, r.snoozed_until, r.completed_at, r.first_answer_at, "
        "r.answered_at, r.error FROM runs r JOIN checkins c ON c.id = r.checkin_id "
        "WHERE r.member_id = ? ORDER BY r.local_date, r.id",
        (member_id,),
    )
    answers = _rows(
        conn,
        "SELECT a.id, a.run_id, c.name AS checkin, a.week, a.local_date, a.question_text, "
        "a.text, a.number, a.skipped, a.late, a.answered_at, a.edited_at, a.erased_at, a.source "
        "FROM answers a JOIN checkins c ON c.id = a.checkin_id "
        "WHERE a.member_id = ? ORDER BY a.answered_at, a.id",
        (member_id,),
    )
    history: dict[int, list[dict]] = {}
    for row in _rows(
        conn,
        "SELECT h.answer_id, h.text, h.number, h.skipped, h.answered_at, h.replaced_at "
        "FROM answer_history h JOIN answers a ON a.id = h.answer_id "
        "WHERE a.member_id = ? ORDER BY h.answered_at, h.id",
        (member_id,),
    ):
        history.setdefault(row.pop("answer_id"), []).append(row)
    for answer in answers:
        answer["history"] = history.get(answer["id"], [])
    pool = _rows(
        conn,
        "SELECT id, text, kind, status, created_at, times_asked FROM pool_questions "
        "WHERE submitted_by = ? ORDER BY created_at, id",
        (member_id,),
    )
    about = _json_fields(
        _rows(
            conn,
            "SELECT r.id, r.requested_by, r.questions, r.min_responses, r.status, r.closes_on, "
            "r.created_at, COUNT(i.id) AS invited, r.answered "
            "FROM feedback_requests r LEFT JOIN feedback_invites i ON i.request_id = r.id "
            "WHERE r.subject_id = ? GROUP BY r.id ORDER BY r.created_at, r.id",
            (member_id,),
        ),
        "questions",
    )
    invites = _rows(
        conn,
        "SELECT i.request_id, r.subject_id, i.sent_at, i.declined_at FROM feedback_invites i "
        "JOIN feedback_requests r ON r.id = i.request_id WHERE i.member_id = ? "
        "ORDER BY i.request_id",
        (member_id,),
    )
    events = _json_fields(
        _rows(
            conn,
            "SELECT at, kind, method, error, detail FROM events WHERE member_id = ? "
            "ORDER BY at, id",
            (member_id,),
        ),
        "detail",
    )
    return {
        "exported_at": iso(clock()),
        "member": member,
        "runs": runs,
        "answers": answers,
        "pool_questions_submitted": pool,
        "feedback_requests_about_them": about,
        "feedback_invites": invites,
        "events": events,
        "not_included": (
            "feedback responses, and whether they answered an invite: they are anonymous by "
            "construction, nothing stored ties a response or a spent link to its author"
        ),
    }


def export_json(export: dict) -> str:
    return json.dumps(export, ensure_ascii=False, indent=2) + "\n"


@dataclass(frozen=True)
class ForgetPlan:
    member_id: str
    name: str
    answers: int  # answers whose value is erased
    history: int  # earlier values deleted
    requests: int  # requests kept for the bot (they hold typed text)
    pool_questions: int  # no longer attributed to them

    @property
    def total(self) -> int:
        return self.answers + self.history + self.requests + self.pool_questions + 1

    def summary(self) -> str:
        return (
            f"{self.member_id} ({self.name or 'no name'}): erase {self.answers} answers and "
            f"delete {self.history} earlier values and {self.requests} kept requests, "
            f"detach {self.pool_questions} pool questions, and replace the name with "
            f"{PLACEHOLDER!r}: {self.total} rows in all"
        )


def forget_plan(conn: sqlite3.Connection, member_id: str) -> ForgetPlan:
    """How many rows `forget_member` would change: the confirmation says it first."""
    member = _member(conn, member_id)

    def count(sql: str) -> int:
        return conn.execute(sql, (member_id,)).fetchone()[0]

    return ForgetPlan(
        member_id=member_id,
        name=member["real_name"] or member["name"],
        answers=count(
            "SELECT COUNT(*) FROM answers WHERE member_id = ? AND "
            "(erased_at IS NULL OR text IS NOT NULL OR number IS NOT NULL)"
        ),
        history=count(
            "SELECT COUNT(*) FROM answer_history WHERE answer_id IN "
            "(SELECT id FROM answers WHERE member_id = ?)"
        ),
        requests=count("SELECT COUNT(*) FROM inbox WHERE member_id = ?"),
        pool_questions=count("SELECT COUNT(*) FROM pool_questions WHERE submitted_by = ?"),
    )


def forget_member(
    viewer: Viewer, conn: sqlite3.Connection, member_id: str, clock: Clock = system_clock
) -> ForgetPlan:
    """Erase what `member_id` wrote and their name; admins only. Returns what went."""
    if not viewer.is_admin:
        raise NotAllowed("only an admin may erase a member's data")
    plan = forget_plan(conn, member_id)
    now = iso(clock())
    previous = conn.execute("PRAGMA secure_delete").fetchone()[0]
    conn.execute("PRAGMA secure_delete = ON")  # freed space is zeroed, not left readable
    try:
        with transaction(conn):
            conn.execute(
                "DELETE FROM answer_history WHERE answer_id IN "
                "(SELECT id FROM answers WHERE member_id = ?)",
                (member_id,),
            )
            conn.execute(
                "UPDATE answers SET text = NULL, number = NULL, erased_at = COALESCE(erased_at, ?) "
                "WHERE member_id = ?",
                (now, member_id),
            )
            conn.execute("DELETE FROM inbox WHERE member_id = ?", (member_id,))
            conn.execute(
                "UPDATE pool_questions SET submitted_by = NULL WHERE submitted_by = ?",
                (member_id,),
            )
            conn.execute(
                "UPDATE pool_questions SET reviewed_by = NULL WHERE reviewed_by = ?",
                (member_id,),
            )
            conn.execute(
                "UPDATE members SET name = ?, real_name = ? WHERE slack_id = ?",
                (PLACEHOLDER, PLACEHOLDER, member_id),
            )
            record_event(conn, "member_forgotten", member_id=member_id, clock=clock)
        merge_fulltext_indexes(conn)
    finally:
        conn.execute(f"PRAGMA secure_delete = {int(previous)}")
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # old page versions leave the WAL
    except sqlite3.OperationalError:
        pass
    return plan


def merge_fulltext_indexes(conn: sqlite3.Connection) -> list[str]:
    """Merge every FTS5 index into one segment, dropping entries deleted from it."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%'"
        )
    ]
    for name in names:
        quoted = '"' + name.replace('"', '""') + '"'
        with transaction(conn):
            conn.execute(f"INSERT INTO {quoted}({quoted}) VALUES ('optimize')")  # noqa: S608
    return names


def members_for(viewer: Viewer, conn: sqlite3.Connection) -> list[dict]:
    """The members an admin may export or forget: id and name; nobody for anyone else."""
    if not viewer.is_admin:
        return []
    rows = conn.execute(
        "SELECT slack_id, COALESCE(NULLIF(real_name, ''), NULLIF(name, ''), slack_id) AS name "
        "FROM members WHERE is_bot = 0 ORDER BY name COLLATE NOCASE, slack_id"
    ).fetchall()
    return [dict(r) for r in rows]
