"""The feedback form: opening it from a link, checking its answers, storing the response.

Anonymous even to whoever holds the database: the response row holds only a
random id, the request and the answers (no time, not even a date), and
storing it writes nothing about the invite. One-time use is kept by a
separate table of spent links (`tokens.spent_hash`), which cannot be joined to
the invites without the link itself.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from checkin.clock import Clock, iso, parse_iso, system_clock
from checkin.db.connection import transaction
from checkin.errors import Refused
from checkin.feedback import tokens
from checkin.feedback.requests import get_request, name_of, questions_of
from checkin.feedback.results import close_if_complete
from checkin.feedback.tokens import CLOSED, DECLINED, EXPIRED, UNKNOWN, USED, BadToken

MAX_TEXT = 2000


ANONYMITY_NOTE = (
    "Your answers are anonymous, even to whoever runs checkin: they are stored without your "
    "name or the time, and shown only once the request closes, if at least {n} people answered."
)


@dataclass(frozen=True)
class Form:
    invite_id: int
    request_id: int
    subject_name: str
    questions: list[dict]
    due_on: date
    min_responses: int


def _invite_of(conn: sqlite3.Connection, raw: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM feedback_invites WHERE token_hash IN (?, ?)",
        (tokens.invite_hash(raw), tokens.legacy_hash(raw)),
    ).fetchone()


def _spent(conn: sqlite3.Connection, raw: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM feedback_spent_tokens WHERE spent_hash = ?", (tokens.spent_hash(raw),)
        ).fetchone()
        is not None
    )


def open_form(conn: sqlite3.Connection, token: str | None, clock: Clock = system_clock) -> Form:
    """What the link's form shows; `BadToken` with the message for a link that opens none."""
    raw = tokens.check_shape(token)
    invite = _invite_of(conn, raw)
    if invite is None:
        raise BadToken(UNKNOWN)
    if _spent(conn, raw):
        raise BadToken(USED)
    if invite["declined_at"] is not None:
        raise BadToken(DECLINED)
    request = get_request(conn, invite["request_id"])
    if request is None:
        raise BadToken(UNKNOWN)
    if clock() >= parse_iso(invite["expires_at"]):
        raise BadToken(EXPIRED)
    if request["status"] != "open":
        raise BadToken(CLOSED)
    return Form(
        invite_id=invite["id"],
        request_id=request["id"],
        subject_name=name_of(conn, request["subject_id"]),
        questions=questions_of(request),
        due_on=date.fromisoformat(request["closes_on"]),
        min_responses=request["min_responses"],
    )


def clean_answers(questions: Sequence[Mapping], answers: Mapping[str, object]) -> dict:
    """The answers as stored: every rating 1-5, text trimmed and capped; `Refused` otherwise."""
    out: dict[str, object] = {}
    for q in questions:
        value = answers.get(q["key"])
        if q["kind"] == "scale":
            try:
                number = int(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise Refused(f"Give a rating for “{q['text']}”.") from None
            if not 1 <= number <= 5:
                raise Refused(f"A rating is 1 to 5 (“{q['text']}”).")
            out[q["key"]] = number
        else:
            text = str(value or "").strip()
            if len(text) > MAX_TEXT:
                raise Refused(f"Keep “{q['text']}” to {MAX_TEXT} characters.")
            out[q["key"]] = text
    if not any(isinstance(v, int) for v in out.values()) and not any(out.values()):
        raise Refused("The form is empty: answer at least one question.")
    return out


def submit_response(
    conn: sqlite3.Connection,
    token: str | None,
    answers: Mapping[str, object],
    clock: Clock = system_clock,
) -> None:
    """Store one anonymous response for the link's invite, once.

    The link is spent (its `spent_hash` inserted; a second insert changes no
    row) and the response inserted in the same transaction, so a second
    submission, however quick, stores nothing. The invite is read, never
    written. When every reviewer who has not declined has answered, the
    request closes (`results.close_if_complete`).
    """
    form = open_form(conn, token, clock)
    cleaned = clean_answers(form.questions, answers)
    raw = tokens.check_shape(token)
    with transaction(conn):
        still = conn.execute(
            "SELECT q.status FROM feedback_invites i JOIN feedback_requests q "
            "ON q.id = i.request_id WHERE i.id = ? AND i.declined_at IS NULL AND i.expires_at > ?",
            (form.invite_id, iso(clock())),
        ).fetchone()
        if still is None:
            raise BadToken(EXPIRED)
        if still["status"] != "open":
            raise BadToken(CLOSED)
        spent = conn.execute(
            "INSERT OR IGNORE INTO feedback_spent_tokens (spent_hash, request_id) VALUES (?, ?)",
            (tokens.spent_hash(raw), form.request_id),
        ).rowcount
        if spent != 1:
            raise BadToken(USED)
        conn.execute(
            "INSERT INTO feedback_responses (id, request_id, answers) VALUES (?, ?, ?)",
            (secrets.token_hex(16), form.request_id, json.dumps(cleaned)),
        )
    close_if_complete(conn, form.request_id, clock)
