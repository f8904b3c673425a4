"""What a standup post says: the day's title, and a member's answers as question and answer.

The bot turns these into Block Kit; the words are decided here once.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from checkin.answers import numbers, record
from checkin.people.members import get_member


@dataclass(frozen=True)
class MemberPost:
    """One member's finished run, as the channel reads it."""

    member: str  # their name as Slack knows it
    checkin: str
    local_date: str
    answers: list[tuple[str, str]]  # (question as asked, the answer as shown)
    late: bool  # answered after the run closed


def day_title(checkin: str, local_date: str) -> str:
    """'Daily standup · Wed 3 Dec': the check-in's name and the members' own date."""
    return f"{checkin} · {day_words(local_date)}"


def day_words(local_date: str) -> str:
    """'2026-12-02' → 'Wed 2 Dec'."""
    d = date.fromisoformat(local_date)
    return f"{d:%a} {d.day} {d:%b}"


def shown(answer: sqlite3.Row) -> str:
    """An answer as the member gave it: its text, its number, or "(skipped)"."""
    if answer["skipped"]:
        return "(skipped)"
    if answer["text"] is not None:
        return answer["text"]
    return numbers.shown(answer["number"])


def member_name(conn: sqlite3.Connection, member_id: str) -> str:
    row = get_member(conn, member_id)
    if row is None:
        return member_id
    return row["real_name"] or row["name"] or member_id


def member_post(conn: sqlite3.Connection, run: sqlite3.Row, checkin: str) -> MemberPost:
    answers = record.answers_of_run(conn, run["id"])
    return MemberPost(
        member=member_name(conn, run["member_id"]),
        checkin=checkin,
        local_date=run["local_date"],
        answers=[(a["question_text"], shown(a)) for a in answers],
        late=any(a["late"] for a in answers),
    )
