"""Peer-feedback requests: who may ask about whom, the checks, the due date, the request.

A request names a subject, at least 3 reviewers (never the subject nor the
requester; the schema refuses them too) and a due date, 7 days away unless
given; it must come from the subject, a lead of a check-in they are in, or an
admin.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction
from checkin.errors import Refused
from checkin.ops import outbox
from checkin.people import access, members
from checkin.people.admins import is_admin

MIN_RESPONSES = 3
RECENT = timedelta(days=30)
DEFAULT_DUE = timedelta(days=7)  # when no due date is given (the web form's default too)


RATING_LABELS = ["rarely", "sometimes", "often", "usually", "always"]


DEFAULT_QUESTIONS: list[dict] = [
    {"key": "clear", "text": "Communicates clearly", "kind": "scale", "labels": RATING_LABELS},
    {
        "key": "delivers",
        "text": "Delivers what they commit to",
        "kind": "scale",
        "labels": RATING_LABELS,
    },
    {
        "key": "helps",
        "text": "Helps others get their work done",
        "kind": "scale",
        "labels": RATING_LABELS,
    },
    {"key": "strengths", "text": "What are their strengths?", "kind": "text"},
    {"key": "improve", "text": "One thing they could do better", "kind": "text"},
]


class NeedsConfirmation(Refused):
    """Some reviewers were asked about the same subject in the last 30 days."""

    def __init__(self, member_ids: list[str], message: str) -> None:
        super().__init__(message)
        self.member_ids = member_ids


def name_of(conn: sqlite3.Connection, slack_id: str | None) -> str:
    if not slack_id:
        return "someone"
    row = members.get_member(conn, slack_id)
    if row is None:
        return slack_id
    return row["real_name"] or row["name"] or slack_id


def parse_due(text: str | None) -> date:
    """A due date typed as YYYY-MM-DD; `Refused` with an example otherwise."""
    raw = str(text or "").strip()
    if not raw:
        raise Refused("Give a due date as YYYY-MM-DD, like `by 2026-12-11`.")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Refused(
            f"“{raw}” is not a date I can read: write it as YYYY-MM-DD, like 2026-12-11."
        ) from None


def expires_at(due_on: date) -> datetime:
    """When links stop working: once the due date has ended everywhere (UTC-12)."""
    return datetime(due_on.year, due_on.month, due_on.day, tzinfo=UTC) + timedelta(hours=36)


@dataclass(frozen=True)
class Checked:
    subject: str
    reviewers: list[str]
    due_on: date
    recent: list[str] = field(default_factory=list)  # asked about the subject in 30 days


def _check_person(conn: sqlite3.Connection, person: str) -> None:
    row = members.get_member(conn, person)
    label = name_of(conn, person)
    if row is None:
        raise Refused(f"I do not know {label}: they are not a member of this workspace.")
    if row["is_bot"]:
        raise Refused(f"{label} is a bot: feedback is about and from people.")
    if not row["active"]:
        raise Refused(f"{label}'s account is deactivated, so they cannot take part.")


def leads_checkin_of(conn: sqlite3.Connection, lead: str, subject: str) -> bool:
    """Whether `lead` leads a check-in `subject` takes part in: listed among its
    participants by id, or asked in it at least once (a channel's member)."""
    led = sorted(access.lead_checkins(conn, lead))
    if not led:
        return False
    marks = ", ".join("?" for _ in led)
    return (
        conn.execute(
            f"SELECT 1 FROM checkins c WHERE c.id IN ({marks}) AND ("  # noqa: S608
            "EXISTS (SELECT 1 FROM json_each(c.participants) j WHERE j.value = ?) "
            "OR EXISTS (SELECT 1 FROM runs r WHERE r.checkin_id = c.id AND r.member_id = ?)"
            ") LIMIT 1",
            (*led, subject, subject),
        ).fetchone()
        is not None
    )


def may_request(
    conn: sqlite3.Connection,
    requester: str | None,
    subject: str,
    *,
    admins: Collection[str] = (),
    requester_is_admin: bool = False,
) -> bool:
    """Who may ask for feedback about `subject`: the subject themselves, a lead of a
    check-in the subject takes part in, or an admin (CHECKIN_ADMINS, or a Slack
    workspace admin or owner as the bot recorded it)."""
    if requester_is_admin:
        return True
    if not requester:
        return False
    if requester == subject or is_admin(conn, requester, admins):
        return True
    return leads_checkin_of(conn, requester, subject)


def check_requester(
    conn: sqlite3.Connection,
    requester: str | None,
    subject: str,
    *,
    admins: Collection[str] = (),
    requester_is_admin: bool = False,
) -> None:
    """`Refused` with the reason unless `may_request`."""
    if not may_request(
        conn, requester, subject, admins=admins, requester_is_admin=requester_is_admin
    ):
        raise Refused(
            f"You may ask for feedback about yourself, about someone in a check-in you lead, "
            f"or as an admin; {name_of(conn, subject)} is not in a check-in you lead."
        )


def check_request(
    conn: sqlite3.Connection,
    *,
    subject: str | None,
    requested_by: str | None,
    reviewers: Sequence[str],
    due: date | str | None,
    today: date,
    admins: Collection[str] = (),
    requester_is_admin: bool = False,
    clock: Clock = system_clock,
) -> Checked:
    """Every rule a request must pass, each failure one clear line (`Refused`).

    Members are read from the database: the bot refreshes their Slack
    profiles first, so a bot or a deactivated account is known.
    """
    if not subject:
        raise Refused("Say whom the feedback is about (the subject) first.")
    names = []
    seen: set[str] = set()
    for r in reviewers:
        if r and r not in seen:
            seen.add(r)
            names.append(r)
    _check_person(conn, subject)
    check_requester(
        conn, requested_by, subject, admins=admins, requester_is_admin=requester_is_admin
    )
    for person in names:
        _check_person(conn, person)
    if subject in names:
        raise Refused(
            f"{name_of(conn, subject)} is the subject and cannot be one of their own reviewers."
        )
    if requested_by in names:
        raise Refused(
            f"{name_of(conn, requested_by)} asked for this feedback and cannot also be a "
            "reviewer: name at least 3 other people."
        )
    if len(names) < MIN_RESPONSES:
        raise Refused(
            f"Name at least {MIN_RESPONSES} reviewers (you named {len(names)}): answers stay "
            f"anonymous only among {MIN_RESPONSES} or more."
        )
    if isinstance(due, date):
        due_on = due
    elif due is None or not str(due).strip():
        due_on = today + DEFAULT_DUE
    else:
        due_on = parse_due(due)
    if due_on < today:
        raise Refused(f"The due date {due_on.isoformat()} has passed; pick today or a later day.")
    since = iso(clock() - RECENT)
    marks = ", ".join("?" for _ in names)
    recent = [
        r[0]
        for r in conn.execute(
            f"SELECT DISTINCT i.member_id FROM feedback_invites i JOIN feedback_requests q "  # noqa: S608
            f"ON q.id = i.request_id WHERE q.subject_id = ? AND q.created_at >= ? "
            f"AND i.member_id IN ({marks}) ORDER BY i.member_id",
            (subject, since, *names),
        )
    ]
    return Checked(subject=subject, reviewers=names, due_on=due_on, recent=recent)


def create_request(
    conn: sqlite3.Connection,
    *,
    subject: str,
    requested_by: str,
    reviewers: Sequence[str],
    due: date | str | None,
    today: date,
    notify_subject: bool = False,
    confirmed: bool = False,
    min_responses: int = MIN_RESPONSES,
    questions: list[dict] | None = None,
    admins: Collection[str] = (),
    requester_is_admin: bool = False,
    clock: Clock = system_clock,
) -> int:
    """Check and keep a request, and ask the bot (outbox) to DM the invites.

    The requester must be the subject, a lead of a check-in the subject takes
    part in, or an admin (`may_request`; `requester_is_admin` when the web app
    already knows the viewer is one). `NeedsConfirmation` when a reviewer was
    asked about the same subject in the last 30 days and the requester has not
    confirmed.
    """
    checked = check_request(
        conn,
        subject=subject,
        requested_by=requested_by,
        reviewers=reviewers,
        due=due,
        today=today,
        admins=admins,
        requester_is_admin=requester_is_admin,
        clock=clock,
    )
    if checked.recent and not confirmed:
        names = ", ".join(name_of(conn, m) for m in checked.recent)
        raise NeedsConfirmation(
            checked.recent,
            f"{names} {'was' if len(checked.recent) == 1 else 'were'} asked about "
            f"{name_of(conn, subject)} in the last 30 days. Send the request anyway?",
        )
    now = iso(clock())
    with transaction(conn):
        request_id = conn.execute(
            "INSERT INTO feedback_requests (subject_id, requested_by, questions, min_responses, "
            "closes_on, created_at, notify_subject) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                subject,
                requested_by,
                json.dumps(questions or DEFAULT_QUESTIONS),
                max(MIN_RESPONSES, int(min_responses)),
                checked.due_on.isoformat(),
                now,
                int(notify_subject),
            ),
        ).lastrowid
        for member in checked.reviewers:
            conn.execute(
                "INSERT INTO feedback_invites (request_id, member_id, expires_at) VALUES (?, ?, ?)",
                (request_id, member, iso(expires_at(checked.due_on))),
            )
        outbox.enqueue(
            conn,
            "feedback_invites",
            {"request_id": request_id},
            requested_by=requested_by,
            clock=clock,
        )
    return request_id


def get_request(conn: sqlite3.Connection, request_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM feedback_requests WHERE id = ?", (request_id,)).fetchone()


def questions_of(request: Mapping) -> list[dict]:
    """The request's questions, each with a key (older requests had none)."""
    out = []
    for i, q in enumerate(json.loads(request["questions"])):
        out.append({**q, "key": q.get("key") or f"q{i + 1}"})
    return out
