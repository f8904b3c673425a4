"""Answer history: one member's answers across check-ins and dates, one question's
answers across members and weeks, each with its earlier edits, a page at a time.

The old date-bucket storage could not answer "everything this person said";
here it is one indexed read (`answers_by_member`). Every read takes the viewer
first and returns only the answers that viewer may see: an admin sees all, a
lead the answers of the check-ins they lead, a member their own.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from typing import Generic, TypeVar

from checkin.people.members import MEMBER_NAME
from checkin.people.viewer import Viewer
from checkin.people.visible import visible_answers

T = TypeVar("T")


PAGE_SIZE = 50


MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a longer list; `page` counts from 1."""

    items: list[T]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def first(self) -> int:
        """Position (from 1) of the page's first item in the whole list; 0 when empty."""
        return (self.page - 1) * self.page_size + 1 if self.items else 0


@dataclass(frozen=True)
class Earlier:
    """A value an answer had before it was edited, and when it was given."""

    text: str | None
    number: float | None
    skipped: bool
    answered_at: str
    replaced_at: str

    @property
    def shown(self) -> str:
        return _shown(self.text, self.number, self.skipped)


@dataclass(frozen=True)
class AnswerEntry:
    """One answer as it stands now, with the wording it answered and its earlier values."""

    answer_id: int
    answered_at: str
    edited_at: str | None
    local_date: str
    week: str
    checkin_id: int
    checkin: str
    question_id: int
    question_text: str
    member_id: str
    member: str
    text: str | None
    number: float | None
    skipped: bool
    late: bool
    earlier: tuple[Earlier, ...] = ()

    @property
    def shown(self) -> str:
        """The answer as plain text: its text, its number, or "(skipped)"."""
        return _shown(self.text, self.number, self.skipped)


@dataclass(frozen=True)
class MemberChoice:
    slack_id: str
    name: str


@dataclass(frozen=True)
class QuestionChoice:
    question_id: int
    checkin_id: int
    checkin: str
    text: str
    kind: str
    version: int
    active: bool


@dataclass(frozen=True)
class Wording:
    """A wording a question had: `version`, and until when (None: it is the current one)."""

    version: int
    text: str
    replaced_at: str | None


def _shown(text: str | None, number: float | None, skipped: bool) -> str:
    if skipped:
        return "(skipped)"
    if text is not None:
        return text
    if number is not None:
        return f"{number:g}"
    return ""


def page_bounds(page: int, page_size: int) -> tuple[int, int]:
    size = min(max(1, int(page_size)), MAX_PAGE_SIZE)
    return max(1, int(page)), size


_ENTRY_COLUMNS = f"""
    a.id AS answer_id, a.answered_at, a.edited_at, a.local_date, a.week, a.checkin_id,
    c.name AS checkin, a.question_id, a.question_text, a.member_id, {MEMBER_NAME} AS member,
    a.text, a.number, a.skipped, a.late
"""


_ENTRY_JOINS = """
    JOIN checkins c ON c.id = a.checkin_id
    JOIN members m ON m.slack_id = a.member_id
"""


def _entries(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[AnswerEntry]:
    ids = [r["answer_id"] for r in rows]
    earlier: dict[int, list[Earlier]] = {}
    if ids:
        marks = ", ".join("?" for _ in ids)
        for h in conn.execute(
            "SELECT answer_id, text, number, skipped, answered_at, replaced_at "  # noqa: S608
            f"FROM answer_history WHERE answer_id IN ({marks}) ORDER BY answer_id, replaced_at DESC",
            ids,
        ):
            earlier.setdefault(h["answer_id"], []).append(
                Earlier(
                    text=h["text"],
                    number=h["number"],
                    skipped=bool(h["skipped"]),
                    answered_at=h["answered_at"],
                    replaced_at=h["replaced_at"],
                )
            )
    return [
        AnswerEntry(
            answer_id=r["answer_id"],
            answered_at=r["answered_at"],
            edited_at=r["edited_at"],
            local_date=r["local_date"],
            week=r["week"],
            checkin_id=r["checkin_id"],
            checkin=r["checkin"],
            question_id=r["question_id"],
            question_text=r["question_text"],
            member_id=r["member_id"],
            member=r["member"],
            text=r["text"],
            number=r["number"],
            skipped=bool(r["skipped"]),
            late=bool(r["late"]),
            earlier=tuple(earlier.get(r["answer_id"], ())),
        )
        for r in rows
    ]


def member_history(
    conn: sqlite3.Connection,
    viewer: Viewer,
    member_id: str,
    *,
    checkin_id: int | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Page[AnswerEntry]:
    """Every answer of one member, newest first, across check-ins and dates.

    Each entry carries the wording the member answered and, when edited, its
    earlier values (newest first). A viewer who may not see this member gets
    only the answers of check-ins they lead (a lead) or nothing (a member).
    """
    page, size = page_bounds(page, page_size)
    where = "a.member_id = ?"
    params: list = [member_id]
    if checkin_id is not None:
        where += " AND a.checkin_id = ?"
        params.append(checkin_id)
    return _entry_page(conn, viewer, where, params, page, size)


def question_history(
    conn: sqlite3.Connection,
    viewer: Viewer,
    question_id: int,
    *,
    week: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Page[AnswerEntry]:
    """Every answer to one question, newest first, across members and weeks.

    Each entry shows the wording its member answered (an edited question keeps
    the old wording on the old answers). A member sees only their own answers.
    """
    page, size = page_bounds(page, page_size)
    where = "a.question_id = ?"
    params: list = [question_id]
    if week:
        where += " AND a.week = ?"
        params.append(week)
    return _entry_page(conn, viewer, where, params, page, size)


def _entry_page(
    conn: sqlite3.Connection, viewer: Viewer, where: str, params: list, page: int, size: int
) -> Page[AnswerEntry]:
    """One page, newest first, of the answers matching `where` that the viewer may see."""
    extra, extra_params = visible_answers(viewer)
    where += extra
    params = [*params, *extra_params]
    total = conn.execute(
        f"SELECT COUNT(*) FROM answers a WHERE {where}",  # noqa: S608 - constant fragments
        params,
    ).fetchone()[0]
    page = min(page, max(1, -(-total // size)))  # past the end: the last page
    rows = conn.execute(
        f"SELECT {_ENTRY_COLUMNS} FROM answers a {_ENTRY_JOINS} WHERE {where} "  # noqa: S608
        "ORDER BY a.answered_at DESC, a.id DESC LIMIT ? OFFSET ?",
        [*params, size, (page - 1) * size],
    ).fetchall()
    return Page(items=_entries(conn, rows), total=total, page=page, page_size=size)


def question_wordings(conn: sqlite3.Connection, viewer: Viewer, question_id: int) -> list[Wording]:
    """The wordings a question has had, newest first (the current one has no end).

    Empty when the viewer may not see the question's check-in (see `questions`).
    """
    q = conn.execute(
        "SELECT checkin_id, text, version FROM questions WHERE id = ?", (question_id,)
    ).fetchone()
    if q is None:
        return []
    if (
        not viewer.may_see_checkin(q["checkin_id"])
        and not conn.execute(
            "SELECT 1 FROM runs WHERE checkin_id = ? AND member_id = ? LIMIT 1",
            (q["checkin_id"], viewer.slack_id or ""),
        ).fetchone()
    ):
        return []
    current = [Wording(version=q["version"], text=q["text"], replaced_at=None)]
    older = [
        Wording(version=r["version"], text=r["text"], replaced_at=r["replaced_at"])
        for r in conn.execute(
            "SELECT version, text, replaced_at FROM question_versions WHERE question_id = ? "
            "ORDER BY version DESC",
            (question_id,),
        )
    ]
    return current + older


def members(conn: sqlite3.Connection, viewer: Viewer) -> list[MemberChoice]:
    """The members whose history the viewer may open, by name.

    An admin: everyone; a lead: the members asked in the check-ins they lead,
    and themselves; a member: themselves.
    """
    sql = f"SELECT m.slack_id, {MEMBER_NAME} AS name FROM members m WHERE m.is_bot = 0"  # noqa: S608
    params: list = []
    if not viewer.is_admin:
        sql += " AND (m.slack_id = ?"
        params.append(viewer.slack_id or "")
        if viewer.sees_all_of:
            leads = sorted(viewer.sees_all_of)
            sql += (
                " OR m.slack_id IN (SELECT member_id FROM runs WHERE checkin_id IN ("  # noqa: S608
                + ", ".join("?" for _ in leads)
                + "))"
            )
            params.extend(leads)
        sql += ")"
    rows = conn.execute(sql + " ORDER BY name COLLATE NOCASE", params).fetchall()
    return [MemberChoice(r["slack_id"], r["name"]) for r in rows]


def questions(conn: sqlite3.Connection, viewer: Viewer) -> list[QuestionChoice]:
    """Questions of the check-ins the viewer leads or was asked in (an admin: all)."""
    sql = (
        "SELECT q.id, q.checkin_id, c.name AS checkin, q.text, q.kind, q.version, q.active "
        "FROM questions q JOIN checkins c ON c.id = q.checkin_id"
    )
    params: list = []
    if not viewer.is_admin:
        leads = sorted(viewer.sees_all_of)
        sql += (
            " WHERE c.id IN (SELECT checkin_id FROM runs WHERE member_id = ?)"  # noqa: S608
            f" OR c.id IN ({', '.join('?' for _ in leads) or 'NULL'})"
        )
        params = [viewer.slack_id or "", *leads]
    rows = conn.execute(
        sql + " ORDER BY c.name COLLATE NOCASE, q.active DESC, q.position, q.id", params
    ).fetchall()
    return [
        QuestionChoice(
            question_id=r["id"],
            checkin_id=r["checkin_id"],
            checkin=r["checkin"],
            text=r["text"],
            kind=r["kind"],
            version=r["version"],
            active=bool(r["active"]),
        )
        for r in rows
    ]
