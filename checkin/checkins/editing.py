"""Check-in management from the web app: the form, its validation, its save.

A form is validated by the same function as the TOML import
(`definitions.validate_checkin`), so a page shows exactly the messages the CLI
prints, each next to its field. Saving matches questions by id, not position:
rewording a question keeps its answers (each answer keeps the wording it
answered, the old wording goes to `question_versions`), changing its kind
retires it and adds a new one, removing it retires it.

Only an admin creates check-ins and imports TOML; an admin or the check-in's
lead edits it. Nothing here calls Slack.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field, replace

from checkin.checkins import broadcast as broadcasting
from checkin.checkins import model
from checkin.checkins.definitions import (
    CheckinDef,
    ImportResult,
    import_definitions,
    load_definitions,
    parse_toml,
    to_toml,
    validate_checkin,
)
from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction
from checkin.errors import NotAllowed, NotFound
from checkin.people import channels
from checkin.people.members import MEMBER_NAME
from checkin.people.viewer import Viewer

# A validator field name → the form field it belongs to.
FORM_FIELDS = {
    "report": "report_day",
    "report.day": "report_day",
    "report.time": "report_time",
    "reminder_after_minutes": "reminder_minutes",
}


class FormErrors(Exception):
    """Problems in a check-in form: `fields` maps a form field to its messages.

    Question fields are named like the TOML import names them: "question 2.text".
    """

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self.fields = fields
        super().__init__(
            "\n".join(f"{name}: {m}" if name else m for name, ms in fields.items() for m in ms)
        )


@dataclass
class QuestionForm:
    kind: str = "text"
    text: str = ""
    labels: list[str] = field(default_factory=list)  # scale: 5 labels (empty: 1..5)
    options: list[str] = field(default_factory=list)  # choice
    id: int | None = None  # None: a new question


@dataclass
class CheckinForm:
    """The fields a person edits; `id` None for a new check-in."""

    name: str = ""
    days: list[str] = field(default_factory=lambda: ["mon", "wed", "fri"])
    time: str = "09:00"
    timezone: str = "UTC"
    participants: list[str] = field(default_factory=list)
    report_channel: str = ""
    report_day: str = ""
    report_time: str = ""
    reminder_minutes: int = 120
    random_question: bool = False
    visibility: str = "private"  # checkin.people.visible.VISIBILITIES
    broadcast: str = ""  # standup mode: the channel each member's answers are posted to
    broadcast_thread: bool = True
    questions: list[QuestionForm] = field(default_factory=list)
    id: int | None = None
    # kept as they are; the TOML file sets them (a save from the page keeps them)
    window_hours: int | None = None
    name_missing: bool = False
    active: bool = True
    leads: list[str] = field(default_factory=list)
    leads_from_report_channel: bool = False
    retention_weeks: int | None = None
    # shown, never saved: what the bot found in the broadcast channel (not in it, ...)
    broadcast_note: str = ""


@dataclass(frozen=True)
class CheckinSummary:
    id: int
    name: str
    active: bool
    questions: int
    report_channel: str | None


@dataclass(frozen=True)
class Saved:
    checkin_id: int
    outcome: str  # created | updated | unchanged


def may_manage(viewer: Viewer, checkin_id: int | None) -> bool:
    """Only an admin creates, edits, sends and exports check-ins.

    A lead sees every answer of the check-ins they lead but does not manage
    them: editing participants would choose whose answers they read.
    `checkin_id` is kept so a rule per check-in can come back in one place.
    """
    return viewer.is_admin


def require_manager(viewer: Viewer, checkin_id: int | None, doing: str) -> None:
    if not may_manage(viewer, checkin_id):
        raise NotAllowed(f"Only an admin may {doing}.")


def checkins(conn: sqlite3.Connection, viewer: Viewer) -> list[CheckinSummary]:
    """The check-ins the viewer may manage, by name."""
    rows = conn.execute(
        "SELECT c.id, c.name, c.active, c.report_channel, (SELECT COUNT(*) FROM questions q "
        "WHERE q.checkin_id = c.id AND q.active = 1 AND q.pool_question_id IS NULL) AS questions "
        "FROM checkins c ORDER BY c.name COLLATE NOCASE"
    ).fetchall()
    return [
        CheckinSummary(r["id"], r["name"], bool(r["active"]), r["questions"], r["report_channel"])
        for r in rows
        if may_manage(viewer, r["id"])
    ]


def checkin_form(conn: sqlite3.Connection, viewer: Viewer, checkin_id: int) -> CheckinForm:
    """The form of an existing check-in, its questions in order with their ids."""
    require_manager(viewer, checkin_id, "edit this check-in")
    c = model.get_checkin_by_id(conn, checkin_id)
    if c is None:
        raise NotFound(f"there is no check-in #{checkin_id}; pick one from the list")
    questions = [
        QuestionForm(
            kind=q["kind"],
            text=q["text"],
            labels=model.labels(q),
            options=model.options(q),
            id=q["id"],
        )
        for q in conn.execute(
            "SELECT * FROM questions WHERE checkin_id = ? AND active = 1 "
            "AND pool_question_id IS NULL ORDER BY position, id",
            (checkin_id,),
        )
    ]
    return CheckinForm(
        id=c["id"],
        name=c["name"],
        days=model.days(c),
        time=c["time"],
        timezone=c["timezone"] or "UTC",
        participants=model.participants(c),
        report_channel=c["report_channel"] or "",
        report_day=c["report_day"] or "",
        report_time=c["report_time"] or "",
        reminder_minutes=c["reminder_minutes"],
        random_question=bool(c["random_question"]),
        visibility=c["visibility"],
        broadcast=c["broadcast"] or "",
        broadcast_thread=bool(c["broadcast_thread"]),
        broadcast_note=broadcasting.status_line(c) or "",
        questions=questions,
        window_hours=c["window_hours"],
        name_missing=bool(c["name_missing"]),
        active=bool(c["active"]),
        leads=model.leads(c),
        leads_from_report_channel=bool(c["leads_from_report_channel"]),
        retention_weeks=c["retention_weeks"],
    )


def checkin_members(
    conn: sqlite3.Connection, viewer: Viewer, checkin_id: int
) -> list[tuple[str, str]]:
    """(slack id, name) of the members a "send now" may go to: listed or asked before."""
    require_manager(viewer, checkin_id, "send this check-in")
    c = model.get_checkin_by_id(conn, checkin_id)
    listed = [p for p in model.participants(c) if not p.startswith("#")] if c else []
    marks = ", ".join("?" for _ in listed) or "NULL"
    rows = conn.execute(
        f"SELECT m.slack_id, {MEMBER_NAME} AS name FROM members m "  # noqa: S608
        f"WHERE m.is_bot = 0 AND (m.slack_id IN ({marks}) "
        "OR m.slack_id IN (SELECT member_id FROM runs WHERE checkin_id = ?)) "
        "ORDER BY name COLLATE NOCASE",
        [*listed, checkin_id],
    ).fetchall()
    return [(r["slack_id"], r["name"]) for r in rows]


def export_toml(conn: sqlite3.Connection, viewer: Viewer) -> str:
    """The check-ins the viewer may manage, in the import format (`checkins export`)."""
    allowed = {c.name for c in checkins(conn, viewer)}
    return to_toml([d for d in load_definitions(conn) if d.name in allowed])


def form_item(form: CheckinForm) -> dict:
    """The form as the TOML import reads a [[checkin]] table."""
    item: dict = {
        "name": form.name.strip(),
        "days": list(form.days),
        "time": form.time.strip(),
        "participants": [p.strip() for p in form.participants if p.strip()],
        "timezone": form.timezone.strip(),
        "random_question": bool(form.random_question),
        "reminder_after_minutes": form.reminder_minutes,
        "name_missing": bool(form.name_missing),
        "active": bool(form.active),
        "visibility": form.visibility,
    }
    if form.window_hours is not None:
        item["window_hours"] = form.window_hours
    if form.leads:
        item["leads"] = list(form.leads)
    if form.leads_from_report_channel:
        item["leads_from_report_channel"] = True
    if form.retention_weeks is not None:
        item["retention_weeks"] = form.retention_weeks
    if form.report_channel.strip():
        item["report_channel"] = form.report_channel.strip()
    if form.broadcast.strip():
        item["broadcast"] = form.broadcast.strip()
        item["broadcast_thread"] = bool(form.broadcast_thread)
    if form.report_day.strip() or form.report_time.strip():
        item["report"] = {"day": form.report_day.strip(), "time": form.report_time.strip()}
    questions = []
    for q in form.questions:
        entry: dict = {"text": q.text, "kind": q.kind}
        labels = [x for x in q.labels if x.strip()]
        if q.kind == "scale" and labels:
            entry["labels"] = list(q.labels)
        if q.kind == "choice":
            entry["options"] = [x for x in q.options if x.strip()]
        questions.append(entry)
    item["question"] = questions
    return item


def validate_form(
    conn: sqlite3.Connection, form: CheckinForm
) -> tuple[CheckinDef | None, dict[str, list[str]]]:
    """The definition the form describes, or the problems by form field."""
    found: list[tuple[str, str]] = []
    definition = validate_checkin(form_item(form), 1, [], found)
    errors: dict[str, list[str]] = {}
    for name, message in found:
        errors.setdefault(FORM_FIELDS.get(name, name), []).append(message)
    problem = channels.problem_with_leads_channel(
        conn, form.name.strip(), form.report_channel.strip(), form.leads_from_report_channel
    )
    if problem:
        errors.setdefault("report_channel", []).append(problem)
    name = form.name.strip()
    if name:
        other = conn.execute(
            "SELECT id FROM checkins WHERE name = ? COLLATE NOCASE AND id IS NOT ?",
            (name, form.id),
        ).fetchone()
        if other is not None:
            errors.setdefault("name", []).append("another check-in has this name; choose another")
    return (None if errors else definition), errors


def save_checkin_form(
    conn: sqlite3.Connection, viewer: Viewer, form: CheckinForm, clock: Clock = system_clock
) -> Saved:
    """Validate and write a form in one transaction; raises `FormErrors` and changes nothing."""
    require_manager(viewer, form.id, "edit this check-in" if form.id else "create check-ins")
    definition, errors = validate_form(conn, form)
    if errors or definition is None:
        raise FormErrors(errors)
    now = iso(clock())
    with transaction(conn):
        if form.id is None:
            row = definition.row()
            cols = ", ".join(row)
            cur = conn.execute(
                f"INSERT INTO checkins ({cols}, created_at, updated_at) "  # noqa: S608
                f"VALUES ({', '.join('?' for _ in row)}, ?, ?)",
                (*row.values(), now, now),
            )
            checkin_id = cur.lastrowid
            _save_questions(conn, checkin_id, form, definition, now)
            broadcasting.note_saved(conn, checkin_id, None, now)
            return Saved(checkin_id, "created")
        existing = model.get_checkin_by_id(conn, form.id)
        if existing is None:
            raise NotFound(f"check-in #{form.id} was removed meanwhile; reload the page")
        row = definition.row()
        changed = any(existing[k] != v for k, v in row.items())
        if changed:
            sets = ", ".join(f"{k} = ?" for k in row)
            conn.execute(
                f"UPDATE checkins SET {sets} WHERE id = ?",  # noqa: S608
                (*row.values(), form.id),
            )
        changed |= _save_questions(conn, form.id, form, definition, now)
        broadcasting.note_saved(conn, form.id, existing["broadcast"], now)
        if changed:
            conn.execute("UPDATE checkins SET updated_at = ? WHERE id = ?", (now, form.id))
        return Saved(form.id, "updated" if changed else "unchanged")


def _save_questions(
    conn: sqlite3.Connection, checkin_id: int, form: CheckinForm, definition: CheckinDef, now: str
) -> bool:
    """Write the questions by id; True when anything changed."""
    current = {
        q["id"]: q
        for q in conn.execute(
            "SELECT * FROM questions WHERE checkin_id = ? AND active = 1 "
            "AND pool_question_id IS NULL",
            (checkin_id,),
        )
    }
    changed = False
    kept: set[int] = set()
    for position, (asked, valid) in enumerate(
        zip(form.questions, definition.questions, strict=True), start=1
    ):
        labels = json.dumps(valid.labels) if valid.labels else None
        options = json.dumps(valid.options) if valid.options else None
        old = current.get(asked.id) if asked.id is not None else None
        if old is not None and old["kind"] == valid.kind:
            kept.add(old["id"])
            if (old["text"], old["labels"], old["options"]) != (valid.text, labels, options):
                conn.execute(
                    "INSERT INTO question_versions (question_id, version, text, replaced_at) "
                    "VALUES (?, ?, ?, ?)",
                    (old["id"], old["version"], old["text"], now),
                )
                conn.execute(
                    "UPDATE questions SET text = ?, labels = ?, options = ?, "
                    "version = version + 1 WHERE id = ?",
                    (valid.text, labels, options, old["id"]),
                )
                changed = True
            if old["position"] != position:
                conn.execute(
                    "UPDATE questions SET position = ? WHERE id = ?", (position, old["id"])
                )
                changed = True
            continue
        conn.execute(
            "INSERT INTO questions (checkin_id, position, text, kind, labels, options, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (checkin_id, position, valid.text, valid.kind, labels, options, now),
        )
        changed = True
    for qid in set(current) - kept:
        conn.execute("UPDATE questions SET active = 0 WHERE id = ?", (qid,))
        changed = True
    return changed


def import_toml(
    conn: sqlite3.Connection,
    viewer: Viewer,
    text: str,
    source: str = "uploaded file",
    clock: Clock = system_clock,
) -> ImportResult:
    """`checkins import` from a page: the whole file is checked first, nothing changes on an error.

    Raises `DefinitionError` (its `problems`, one per line, are what the CLI prints).
    """
    if not viewer.is_admin:
        raise NotAllowed("Only an admin may import check-ins.")
    return import_definitions(conn, parse_toml(text, source), clock=clock)


def with_question(form: CheckinForm, kind: str = "text") -> CheckinForm:
    """The form with one more, empty question at the end."""
    return replace(form, questions=[*form.questions, QuestionForm(kind=kind)])
