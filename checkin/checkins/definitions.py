"""Check-in definitions: the TOML format, its validation, import and export.

`parse_toml` checks everything and returns definitions or raises
`DefinitionError` listing every problem (check-in name and field each);
`import_definitions` writes them in one transaction and changes nothing when
the database already matches, so importing the same file twice is a no-op.
"""

from __future__ import annotations

import json
import re
import sqlite3
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from checkin.checkins import broadcast as broadcasting
from checkin.checkins import model
from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction
from checkin.people import channels
from checkin.people.visible import VISIBILITIES

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
KINDS = ("text", "choice", "scale", "number")
SCALE_POINTS = 5
MAX_QUESTION_CHARS = 500
MAX_LABEL_CHARS = 75  # Slack's limit for a button's text
MAX_OPTIONS = 10
TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
PARTICIPANT = re.compile(r"^([UW][A-Z0-9]{2,}|#[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{2,})$")
USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,62}$")
CHANNEL = re.compile(r"^(#[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{2,})$")


class DefinitionError(Exception):
    """Problems a person must fix in a check-in definition, one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class QuestionDef:
    text: str
    kind: str
    labels: list[str] | None = None
    options: list[str] | None = None


@dataclass
class CheckinDef:
    name: str
    days: list[str]
    time: str
    participants: list[str]
    questions: list[QuestionDef]
    timezone: str = "UTC"
    report_channel: str | None = None
    report_day: str | None = None
    report_time: str | None = None
    random_question: bool = False
    reminder_minutes: int = 120
    window_hours: int | None = None
    name_missing: bool = False
    active: bool = True
    retention_weeks: int | None = None  # None: the workspace default (CHECKIN_RETENTION_WEEKS)
    leads: list[str] = field(default_factory=list)  # see every answer in the web app
    leads_from_report_channel: bool = False
    visibility: str = "private"  # see VISIBILITIES
    broadcast: str | None = None  # standup mode: each member's answers posted to this channel
    broadcast_thread: bool = True  # as replies under one message per day (False: one each)
    extra: dict = field(default_factory=dict)

    def row(self) -> dict:
        """The `checkins` columns this definition sets (for comparing and writing)."""
        return {
            "name": self.name,
            "days": json.dumps(self.days),
            "time": self.time,
            "participants": json.dumps(self.participants),
            "timezone": self.timezone,
            "report_channel": self.report_channel,
            "report_day": self.report_day,
            "report_time": self.report_time,
            "random_question": int(self.random_question),
            "reminder_minutes": self.reminder_minutes,
            "window_hours": self.window_hours,
            "name_missing": int(self.name_missing),
            "active": int(self.active),
            "retention_weeks": self.retention_weeks,
            "leads": json.dumps(self.leads),
            "leads_from_report_channel": int(self.leads_from_report_channel),
            "visibility": self.visibility,
            "broadcast": self.broadcast,
            "broadcast_thread": int(self.broadcast_thread),
        }


def parse_toml(text: str, source: str = "check-ins file") -> list[CheckinDef]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError([f"{source} is not valid TOML: {exc}"]) from None
    raw = data.get("checkin")
    if not isinstance(raw, list) or not raw:
        raise DefinitionError([f"{source} has no [[checkin]] tables"])
    problems: list[str] = []
    defs: list[CheckinDef] = []
    seen: set[str] = set()
    for index, item in enumerate(raw, start=1):
        parsed = validate_checkin(item, index, problems)
        if parsed is None:
            continue
        if parsed.name.lower() in seen:
            problems.append(f"check-in {parsed.name!r}: name: used by two check-ins")
        seen.add(parsed.name.lower())
        defs.append(parsed)
    if problems:
        raise DefinitionError(problems)
    return defs


def load_file(path: str | Path) -> list[CheckinDef]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError([f"cannot read {path}: {exc}"]) from None
    return parse_toml(text, str(path))


def validate_checkin(
    item: object,
    index: int,
    problems: list[str],
    fields: list[tuple[str, str]] | None = None,
) -> CheckinDef | None:
    """Check one [[checkin]] table; append problems; return it when it is whole.

    `fields`, when given, also receives each problem as (field, message), so a
    form can show the message next to its field ("question 2.options").
    """
    if not isinstance(item, dict):
        problems.append(f"check-in #{index}: must be a table")
        if fields is not None:
            fields.append(("", "must be a table"))
        return None
    name = item.get("name")
    label = f"check-in {name!r}" if isinstance(name, str) and name else f"check-in #{index}"
    before = len(problems)

    def bad(field_name: str, message: str) -> None:
        problems.append(f"{label}: {field_name}: {message}")
        if fields is not None:
            fields.append((field_name, message))

    if not isinstance(name, str) or not NAME.match(name):
        bad("name", "give a name of letters, digits, spaces, . _ - (at most 63 characters)")

    days = item.get("days", ["mon", "wed", "fri"])
    if not isinstance(days, list) or not days:
        bad("days", 'give a list such as ["mon", "wed", "fri"]')
        days = []
    else:
        days = [d.strip().lower() if isinstance(d, str) else d for d in days]
        for day in days:
            if day not in DAYS:
                bad("days", f"{day!r} is not a day; use {', '.join(DAYS)}")
        if len(set(days)) != len(days):
            bad("days", "a day is listed twice")

    time = item.get("time", "09:00")
    if not isinstance(time, str) or not TIME.match(time):
        bad("time", f'{time!r} is not a time; use HH:MM, 24-hour, like "09:00"')

    participants = item.get("participants", [])
    if not isinstance(participants, list):
        bad("participants", 'give a list of Slack user ids or "#channel"')
        participants = []
    for who in participants:
        if not isinstance(who, str) or not PARTICIPANT.match(who):
            bad("participants", f'{who!r} is not a Slack user id (U0123ABCD) or a "#channel"')

    timezone = item.get("timezone", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, TypeError, ValueError):
        bad("timezone", f'{timezone!r} is not an IANA time zone like "Europe/Berlin"')

    report = item.get("report")
    report_day = report_time = None
    if report is not None:
        if not isinstance(report, dict):
            bad("report", 'give { day = "fri", time = "16:00" }')
        else:
            report_day = str(report.get("day", "")).lower()
            report_time = report.get("time", "16:00")
            if report_day not in DAYS:
                bad("report.day", f"{report_day!r} is not a day; use {', '.join(DAYS)}")
            if not isinstance(report_time, str) or not TIME.match(report_time):
                bad("report.time", f'{report_time!r} is not a time; use HH:MM like "16:00"')
    report_channel = item.get("report_channel")
    if report_channel is not None and (
        not isinstance(report_channel, str) or not PARTICIPANT.match(report_channel)
    ):
        bad("report_channel", f'{report_channel!r} is not a "#channel" or channel id')
    if report is not None and not report_channel:
        bad("report_channel", "a report time is set but no channel to post it to")

    random_question = item.get("random_question", False)
    if not isinstance(random_question, bool):
        bad("random_question", "use true or false")
    name_missing = item.get("name_missing", False)
    if not isinstance(name_missing, bool):
        bad("name_missing", "use true or false")
    reminder = item.get("reminder_after_minutes", 120)
    if not isinstance(reminder, int) or isinstance(reminder, bool) or not 0 <= reminder <= 24 * 60:
        bad("reminder_after_minutes", "give minutes between 0 (no reminder) and 1440")
    window = item.get("window_hours")
    if window is not None and (
        not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 72
    ):
        bad("window_hours", "give hours between 1 and 72, or leave it out (the member's day)")

    retention = item.get("retention_weeks")
    if retention is not None and (
        not isinstance(retention, int) or isinstance(retention, bool) or not 1 <= retention <= 5200
    ):
        bad(
            "retention_weeks",
            "give whole weeks from 1 to 5200, or leave it out (the workspace default)",
        )
    leads = item.get("leads", [])
    if not isinstance(leads, list) or not all(isinstance(u, str) and USER.match(u) for u in leads):
        bad("leads", 'give a list of Slack user ids, like ["U0123ABCD"]')
        leads = []
    leads_from_channel = item.get("leads_from_report_channel", False)
    if not isinstance(leads_from_channel, bool):
        bad("leads_from_report_channel", "use true or false")
    elif leads_from_channel and not report_channel:
        bad("leads_from_report_channel", "needs a report_channel whose members are the leads")

    broadcast = item.get("broadcast")
    if broadcast is not None and (not isinstance(broadcast, str) or not CHANNEL.match(broadcast)):
        bad("broadcast", f'{broadcast!r} is not a "#channel" or channel id')
        broadcast = None
    broadcast_thread = item.get("broadcast_thread", True)
    if not isinstance(broadcast_thread, bool):
        bad("broadcast_thread", "use true (replies under one message a day) or false")
    elif "broadcast_thread" in item and item.get("broadcast") is None:
        bad("broadcast_thread", 'goes with broadcast = "#channel"; add the channel or remove it')

    # A check-in that posts its answers to a channel shows them to everyone there: it is a
    # team check-in. Left out, visibility follows; set otherwise, the import is refused, so
    # answers people gave as private are never shared by a setting nobody changed.
    visibility = item.get("visibility", "team" if broadcast else "private")
    if visibility not in VISIBILITIES:
        bad(
            "visibility",
            f"{visibility!r} is not a visibility; use "
            + " or ".join(f'"{v}"' for v in VISIBILITIES),
        )
    elif broadcast and visibility != "team":
        bad(
            "visibility",
            f"broadcast posts every answer to {broadcast} for all there to read, so the "
            'check-in is "team": set visibility = "team", or remove broadcast',
        )

    questions: list[QuestionDef] = []
    raw_questions = item.get("question", [])
    if not isinstance(raw_questions, list) or not raw_questions:
        bad("question", "add at least one [[checkin.question]]")
        raw_questions = []
    for qn, q in enumerate(raw_questions, start=1):
        parsed = _validate_question(q, f"question {qn}", bad)
        if parsed:
            questions.append(parsed)
    texts = [q.text.strip().lower() for q in questions]
    if len(set(texts)) != len(texts):
        bad("question", "two questions have the same text")

    known = {
        "name",
        "days",
        "time",
        "participants",
        "timezone",
        "report",
        "report_channel",
        "random_question",
        "name_missing",
        "reminder_after_minutes",
        "window_hours",
        "question",
        "active",
        "retention_weeks",
        "leads",
        "leads_from_report_channel",
        "visibility",
        "broadcast",
        "broadcast_thread",
    }
    for key in item:
        if key not in known:
            bad(key, f"unknown setting; known ones: {', '.join(sorted(known))}")

    if len(problems) > before:
        return None
    return CheckinDef(
        name=name,
        days=days,
        time=time,
        participants=list(participants),
        questions=questions,
        timezone=timezone,
        report_channel=report_channel,
        report_day=report_day,
        report_time=report_time,
        random_question=random_question,
        reminder_minutes=reminder,
        window_hours=window,
        name_missing=name_missing,
        active=bool(item.get("active", True)),
        retention_weeks=retention,
        leads=list(leads),
        leads_from_report_channel=leads_from_channel,
        visibility=visibility,
        broadcast=broadcast,
        broadcast_thread=broadcast_thread if isinstance(broadcast_thread, bool) else True,
    )


def _validate_question(q: object, where: str, bad) -> QuestionDef | None:  # noqa: ANN001
    if not isinstance(q, dict):
        bad(where, "must be a table with text and kind")
        return None
    text = q.get("text")
    kind = q.get("kind", "text")
    ok = True
    if not isinstance(text, str) or not text.strip():
        bad(f"{where}.text", "is empty; write the question")
        ok = False
    elif len(text) > MAX_QUESTION_CHARS:
        bad(f"{where}.text", f"is longer than {MAX_QUESTION_CHARS} characters")
        ok = False
    if kind not in KINDS:
        bad(f"{where}.kind", f"{kind!r} is not one of {', '.join(KINDS)}")
        return None
    labels = q.get("labels")
    options = q.get("options")
    if kind == "scale":
        if labels is None:
            labels = ["1", "2", "3", "4", "5"]
        if (
            not isinstance(labels, list)
            or len(labels) != SCALE_POINTS
            or not all(isinstance(x, str) and x.strip() for x in labels)
        ):
            bad(f"{where}.labels", f"a scale needs exactly {SCALE_POINTS} text labels, for 1 to 5")
            ok = False
        elif any(len(x) > MAX_LABEL_CHARS for x in labels):
            bad(f"{where}.labels", f"a label is longer than {MAX_LABEL_CHARS} characters")
            ok = False
    elif labels is not None:
        bad(f"{where}.labels", "only a scale question has labels")
        ok = False
    if kind == "choice":
        if (
            not isinstance(options, list)
            or not 2 <= len(options) <= MAX_OPTIONS
            or not all(isinstance(x, str) and x.strip() for x in options)
        ):
            bad(f"{where}.options", f"a choice needs 2 to {MAX_OPTIONS} text options")
            ok = False
        elif len({x.strip().lower() for x in options}) != len(options):
            bad(f"{where}.options", "an option is listed twice")
            ok = False
        elif any(len(x) > MAX_LABEL_CHARS for x in options):
            bad(f"{where}.options", f"an option is longer than {MAX_LABEL_CHARS} characters")
            ok = False
    elif options is not None:
        bad(f"{where}.options", "only a choice question has options")
        ok = False
    for key in q:
        if key not in ("text", "kind", "labels", "options"):
            bad(f"{where}.{key}", "unknown setting; use text, kind, labels, options")
            ok = False
    if not ok:
        return None
    return QuestionDef(
        text=text.strip(),
        kind=kind,
        labels=[x.strip() for x in labels] if kind == "scale" else None,
        options=[x.strip() for x in options] if kind == "choice" else None,
    )


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one line each, after the counts

    def summary(self) -> str:
        parts = []
        for word, names in (
            ("created", self.created),
            ("updated", self.updated),
            ("unchanged", self.unchanged),
        ):
            if names:
                parts.append(f"{word} {len(names)} ({', '.join(names)})")
        return "\n".join(["; ".join(parts) or "nothing to import", *self.notes])


def import_definitions(
    conn: sqlite3.Connection, defs: list[CheckinDef], clock: Clock = system_clock
) -> ImportResult:
    """Create or update check-ins by name, in one transaction; identical ones are left alone.

    Refused as a whole (DefinitionError) when a check-in takes its leads from a report
    channel the bot saw public."""
    problems = [
        problem
        for d in defs
        if (
            problem := channels.problem_with_leads_channel(
                conn, d.name, d.report_channel, d.leads_from_report_channel
            )
        )
    ]
    if problems:
        raise DefinitionError(problems)
    result = ImportResult()
    now = iso(clock())
    with transaction(conn):
        for definition in defs:
            outcome = save_checkin(conn, definition, now)
            getattr(result, outcome).append(definition.name)
    for definition in defs:
        if definition.broadcast:
            line = broadcasting.status_line(model.get_checkin(conn, definition.name))
            if line:
                result.notes.append(line)
    return result


def save_checkin(conn: sqlite3.Connection, definition: CheckinDef, now: str) -> str:
    """Write one definition; returns 'created', 'updated' or 'unchanged'.

    Questions match by position: same kind and text, nothing to do; same kind,
    new text, a new version (the old wording is kept); another kind, the old
    question is retired (kept for its answers) and a new one added.
    """
    row = definition.row()
    existing = conn.execute(
        "SELECT * FROM checkins WHERE name = ? COLLATE NOCASE", (definition.name,)
    ).fetchone()
    changed = False
    if existing is None:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cur = conn.execute(
            f"INSERT INTO checkins ({cols}, created_at, updated_at) VALUES ({marks}, ?, ?)",  # noqa: S608
            (*row.values(), now, now),
        )
        checkin_id = cur.lastrowid
        outcome = "created"
    else:
        checkin_id = existing["id"]
        if any(existing[k] != v for k, v in row.items()):
            sets = ", ".join(f"{k} = ?" for k in row)
            conn.execute(
                f"UPDATE checkins SET {sets}, updated_at = ? WHERE id = ?",  # noqa: S608
                (*row.values(), now, checkin_id),
            )
            changed = True
        outcome = "updated"

    current = conn.execute(
        "SELECT * FROM questions WHERE checkin_id = ? AND active = 1 AND pool_question_id IS NULL "
        "ORDER BY position",
        (checkin_id,),
    ).fetchall()
    by_position = {q["position"]: q for q in current}
    for position, q in enumerate(definition.questions, start=1):
        labels = json.dumps(q.labels) if q.labels else None
        options = json.dumps(q.options) if q.options else None
        old = by_position.pop(position, None)
        if old is not None and old["kind"] == q.kind:
            if (old["text"], old["labels"], old["options"]) == (q.text, labels, options):
                continue
            conn.execute(
                "INSERT INTO question_versions (question_id, version, text, replaced_at) "
                "VALUES (?, ?, ?, ?)",
                (old["id"], old["version"], old["text"], now),
            )
            conn.execute(
                "UPDATE questions SET text = ?, labels = ?, options = ?, version = version + 1 "
                "WHERE id = ?",
                (q.text, labels, options, old["id"]),
            )
        else:
            if old is not None:
                conn.execute("UPDATE questions SET active = 0 WHERE id = ?", (old["id"],))
            conn.execute(
                "INSERT INTO questions (checkin_id, position, text, kind, labels, options, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (checkin_id, position, q.text, q.kind, labels, options, now),
            )
        changed = True
    for leftover in by_position.values():
        conn.execute("UPDATE questions SET active = 0 WHERE id = ?", (leftover["id"],))
        changed = True
    broadcasting.note_saved(
        conn, checkin_id, existing["broadcast"] if existing is not None else None, now
    )
    if outcome == "updated" and not changed:
        return "unchanged"
    if outcome == "updated" and existing is not None:
        conn.execute("UPDATE checkins SET updated_at = ? WHERE id = ?", (now, checkin_id))
    return outcome


def load_definitions(conn: sqlite3.Connection, *, active_only: bool = False) -> list[CheckinDef]:
    """The check-ins in the database, as definitions (for export and the dashboard)."""
    sql = "SELECT * FROM checkins"
    if active_only:
        sql += " WHERE active = 1"
    out = []
    for c in conn.execute(sql + " ORDER BY name").fetchall():
        questions = [
            QuestionDef(
                text=q["text"],
                kind=q["kind"],
                labels=model.labels(q) or None,
                options=model.options(q) or None,
            )
            for q in conn.execute(
                "SELECT * FROM questions WHERE checkin_id = ? AND active = 1 "
                "AND pool_question_id IS NULL ORDER BY position",
                (c["id"],),
            )
        ]
        out.append(
            CheckinDef(
                name=c["name"],
                days=model.days(c),
                time=c["time"],
                participants=model.participants(c),
                questions=questions,
                timezone=c["timezone"],
                report_channel=c["report_channel"],
                report_day=c["report_day"],
                report_time=c["report_time"],
                random_question=bool(c["random_question"]),
                reminder_minutes=c["reminder_minutes"],
                window_hours=c["window_hours"],
                name_missing=bool(c["name_missing"]),
                active=bool(c["active"]),
                retention_weeks=c["retention_weeks"],
                leads=model.leads(c),
                leads_from_report_channel=bool(c["leads_from_report_channel"]),
                visibility=c["visibility"],
                broadcast=c["broadcast"],
                broadcast_thread=bool(c["broadcast_thread"]),
            )
        )
    return out


def to_toml(defs: list[CheckinDef]) -> str:
    """Write definitions in the import format (export → import round-trips)."""
    lines = [f"# checkin definitions, exported {datetime.now().date().isoformat()}", ""]
    for d in defs:
        lines.append("[[checkin]]")
        lines.append(f"name = {_q(d.name)}")
        lines.append(f"days = {_list(d.days)}")
        lines.append(f"time = {_q(d.time)}")
        lines.append(f"participants = {_list(d.participants)}")
        if d.timezone != "UTC":
            lines.append(f"timezone = {_q(d.timezone)}")
        if d.report_channel:
            lines.append(f"report_channel = {_q(d.report_channel)}")
        if d.report_day:
            lines.append(f"report = {{ day = {_q(d.report_day)}, time = {_q(d.report_time)} }}")
        lines.append(f"random_question = {'true' if d.random_question else 'false'}")
        if d.reminder_minutes != 120:
            lines.append(f"reminder_after_minutes = {d.reminder_minutes}")
        if d.window_hours is not None:
            lines.append(f"window_hours = {d.window_hours}")
        if d.name_missing:
            lines.append("name_missing = true")
        if not d.active:
            lines.append("active = false")
        if d.retention_weeks is not None:
            lines.append(f"retention_weeks = {d.retention_weeks}")
        if d.leads:
            lines.append(f"leads = {_list(d.leads)}")
        if d.leads_from_report_channel:
            lines.append("leads_from_report_channel = true")
        lines.append(f"visibility = {_q(d.visibility)}")
        if d.broadcast:
            lines.append(f"broadcast = {_q(d.broadcast)}")
            if not d.broadcast_thread:
                lines.append("broadcast_thread = false")
        for q in d.questions:
            lines.append("")
            lines.append("[[checkin.question]]")
            lines.append(f"text = {_q(q.text)}")
            lines.append(f"kind = {_q(q.kind)}")
            if q.labels:
                lines.append(f"labels = {_list(q.labels)}")
            if q.options:
                lines.append(f"options = {_list(q.options)}")
        lines.append("")
    return "\n".join(lines)


def _q(value: str | None) -> str:
    return json.dumps(value or "", ensure_ascii=False)  # a JSON string is a TOML basic string


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"
