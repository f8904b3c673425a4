"""The feedback form: opening it from a link, checking its answers, storing the response.

Anonymous by construction: the response row holds only a random id, the
request, the answers and the date; no column, no other table and no order of
rows ties a response to its reviewer.
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
from checkin.feedback.invites import get_invite
from checkin.feedback.requests import get_request, name_of, questions_of
from checkin.feedback.tokens import DECLINED, EXPIRED, UNKNOWN, USED, BadToken, token_hash
from checkin.feedback.tokens import verify as verify_token

MAX_TEXT = 2000


ANONYMITY_NOTE = (
    "Your answers are anonymous: they are stored without your name, and shown only "
    "once at least {n} people have answered."
)


@dataclass(frozen=True)
class Form:
    invite_id: int
    request_id: int
    subject_name: str
    questions: list[dict]
    due_on: date
    min_responses: int


def open_form(
    conn: sqlite3.Connection, secret: bytes, token: str | None, clock: Clock = system_clock
) -> Form:
    """What the link's form shows; `BadToken` with the message for a link that opens none."""
    invite_id = verify_token(secret, token)
    invite = get_invite(conn, invite_id)
    if invite is None or not invite["token_hash"]:
        raise BadToken(UNKNOWN)
    if not secrets.compare_digest(invite["token_hash"], token_hash(str(token).strip())):
        raise BadToken(UNKNOWN)
    if invite["answered_on"] is not None:
        raise BadToken(USED)
    if invite["declined_at"] is not None:
        raise BadToken(DECLINED)
    request = get_request(conn, invite["request_id"])
    if request is None:
        raise BadToken(UNKNOWN)
    if request["status"] != "open" or clock() >= parse_iso(invite["expires_at"]):
        raise BadToken(EXPIRED)
    return Form(
        invite_id=invite_id,
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
    secret: bytes,
    token: str | None,
    answers: Mapping[str, object],
    clock: Clock = system_clock,
) -> None:
    """Store one anonymous response for the link's invite, once.

    The invite is claimed (`UPDATE … WHERE answered_on IS NULL`, exactly one
    row changed) and the response inserted in the same transaction: a second
    submission, however quick, changes no row and stores nothing. The
    response has a random id and only the date.
    """
    form = open_form(conn, secret, token, clock)
    cleaned = clean_answers(form.questions, answers)
    now = clock()
    today = now.date().isoformat()
    with transaction(conn):
        claimed = conn.execute(
            "UPDATE feedback_invites SET responded = 1, answered_on = ? WHERE id = ? "
            "AND token_hash = ? AND answered_on IS NULL AND declined_at IS NULL AND expires_at > ?",
            (today, form.invite_id, token_hash(str(token).strip()), iso(now)),
        ).rowcount
        if claimed != 1:
            raise BadToken(USED)
        conn.execute(
            "INSERT INTO feedback_responses (id, request_id, answers, submitted_on) "
            "VALUES (?, ?, ?, ?)",
            (secrets.token_hex(16), form.request_id, json.dumps(cleaned), today),
        )
