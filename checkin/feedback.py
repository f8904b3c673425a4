"""Peer feedback: requests, invites, the form, anonymous responses, results.

A request names a subject, at least 3 reviewers and a due date; each
reviewer's invite is DMed by the bot with a one-time link (`checkin.tokens`).
Anonymous by construction: submitting the form marks the invite answered (a
flag and a date) and stores the response in one transaction, and the response
row holds only a random id, the request, the answers and the date. No column,
no other table and no order of rows ties a response to its reviewer.
Results show only to the subject, the requester and admins, and only once
`min_responses` (never below 3) have answered.
"""

from __future__ import annotations

import json
import math
import secrets
import sqlite3
import statistics
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from checkin import access, pool, store
from checkin.clock import Clock, iso, parse_iso, system_clock
from checkin.db import transaction
from checkin.tokens import DECLINED, EXPIRED, UNKNOWN, USED, BadToken, token_hash
from checkin.tokens import issue as issue_token
from checkin.tokens import verify as verify_token
from checkin.viewer import Viewer

MIN_RESPONSES = 3
RECENT = timedelta(days=30)
REMIND_BEFORE = timedelta(days=2)
RETRY_FIRST = timedelta(minutes=1)  # the first retry of a failed invite DM; doubled each time
RETRY_MOST = timedelta(hours=1)  # the longest wait between two tries
MAX_TEXT = 2000
RATING_LABELS = ["rarely", "sometimes", "often", "usually", "always"]
DEFAULT_QUESTIONS: list[dict] = [
    {"key": "clear", "text": "Communicates clearly", "kind": "scale", "labels": RATING_LABELS},
    {"key": "delivers", "text": "Delivers what they commit to", "kind": "scale",
     "labels": RATING_LABELS},
    {"key": "helps", "text": "Helps others get their work done", "kind": "scale",
     "labels": RATING_LABELS},
    {"key": "strengths", "text": "What are their strengths?", "kind": "text"},
    {"key": "improve", "text": "One thing they could do better", "kind": "text"},
]  # fmt: skip
ANONYMITY_NOTE = (
    "Your answers are anonymous: they are stored without your name, and shown only "
    "once at least {n} people have answered."
)


class Refused(Exception):
    """A request or form that cannot be kept; str() is the reason to show the person."""


class NeedsConfirmation(Refused):
    """Some reviewers were asked about the same subject in the last 30 days."""

    def __init__(self, member_ids: list[str], message: str) -> None:
        super().__init__(message)
        self.member_ids = member_ids


class NotAllowed(Exception):
    """The viewer may not see these results."""


# --- people ------------------------------------------------------------------------


def name_of(conn: sqlite3.Connection, slack_id: str | None) -> str:
    if not slack_id:
        return "someone"
    row = store.get_member(conn, slack_id)
    if row is None:
        return slack_id
    return row["real_name"] or row["name"] or slack_id


# --- requests ------------------------------------------------------------------------


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
    row = store.get_member(conn, person)
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
    if requester == subject or pool.is_admin(conn, requester, admins):
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
    if len(names) < MIN_RESPONSES:
        raise Refused(
            f"Name at least {MIN_RESPONSES} reviewers (you named {len(names)}): answers stay "
            f"anonymous only among {MIN_RESPONSES} or more."
        )
    due_on = due if isinstance(due, date) else parse_due(due)
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
        conn, subject=subject, requested_by=requested_by, reviewers=reviewers, due=due,
        today=today, admins=admins, requester_is_admin=requester_is_admin, clock=clock,
    )  # fmt: skip
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
                subject, requested_by, json.dumps(questions or DEFAULT_QUESTIONS),
                max(MIN_RESPONSES, int(min_responses)), checked.due_on.isoformat(), now,
                int(notify_subject),
            ),
        ).lastrowid  # fmt: skip
        for member in checked.reviewers:
            conn.execute(
                "INSERT INTO feedback_invites (request_id, member_id, expires_at) VALUES (?, ?, ?)",
                (request_id, member, iso(expires_at(checked.due_on))),
            )
        store.enqueue(
            conn, "feedback_invites", {"request_id": request_id}, requested_by=requested_by,
            clock=clock,
        )  # fmt: skip
    return request_id


def get_request(conn: sqlite3.Connection, request_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM feedback_requests WHERE id = ?", (request_id,)).fetchone()


def questions_of(request: Mapping) -> list[dict]:
    """The request's questions, each with a key (older requests had none)."""
    out = []
    for i, q in enumerate(json.loads(request["questions"])):
        out.append({**q, "key": q.get("key") or f"q{i + 1}"})
    return out


# --- invites: the bot's side ------------------------------------------------------------


def invites_to_send(
    conn: sqlite3.Connection, request_id: int, now: datetime | None = None
) -> list[sqlite3.Row]:
    """The request's invites not sent yet and not refused; with `now`, only those whose
    retry (after a failed DM) is due, and whose link has not expired."""
    sql = (
        "SELECT * FROM feedback_invites WHERE request_id = ? AND sent_at IS NULL "
        "AND declined_at IS NULL AND answered_on IS NULL AND refused IS NULL"
    )
    args: tuple = (request_id,)
    if now is not None:
        sql += " AND (retry_at IS NULL OR retry_at <= ?) AND expires_at > ?"
        args += (iso(now), iso(now))
    return conn.execute(sql + " ORDER BY id", args).fetchall()


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: 1 min, 2, 4 … at most an hour."""
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_MOST)


def mark_invite_posting(
    conn: sqlite3.Connection, invite_id: int, channel_id: str, clock: Clock = system_clock
) -> None:
    """A post is about to be made: if its answer is lost, the DM is read before posting again."""
    with transaction(conn):
        conn.execute(
            "UPDATE feedback_invites SET posting_at = ?, channel_id = ? WHERE id = ?",
            (iso(clock()), channel_id, invite_id),
        )


def mark_invite_not_posted(conn: sqlite3.Connection, invite_id: int) -> None:
    """Slack answered that the post was not made (a 429, an error): nothing to look for."""
    with transaction(conn):
        conn.execute("UPDATE feedback_invites SET posting_at = NULL WHERE id = ?", (invite_id,))


def mark_invite_failed(
    conn: sqlite3.Connection, invite_id: int, error: str, clock: Clock = system_clock
) -> datetime:
    """A DM that failed for a reason that may pass: tried again later, with backoff.
    Returns when."""
    with transaction(conn):
        row = get_invite(conn, invite_id)
        attempts = (row["attempts"] if row else 0) + 1
        when = clock() + retry_delay(attempts)
        conn.execute(
            "UPDATE feedback_invites SET attempts = ?, last_error = ?, retry_at = ? WHERE id = ?",
            (attempts, error, iso(when), invite_id),
        )
    return when


def mark_invite_refused(conn: sqlite3.Connection, invite_id: int, reason: str) -> None:
    """An invite that can never be sent (a deactivated reviewer, a development-mode skip)."""
    with transaction(conn):
        conn.execute(
            "UPDATE feedback_invites SET refused = ?, retry_at = NULL, posting_at = NULL "
            "WHERE id = ? AND sent_at IS NULL",
            (reason, invite_id),
        )


def requests_to_retry(conn: sqlite3.Connection, now: datetime) -> list[int]:
    """Open requests with an invite whose retry is due and no outbox row waiting to send it."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT i.request_id FROM feedback_invites i JOIN feedback_requests q "
            "ON q.id = i.request_id WHERE q.status = 'open' AND i.sent_at IS NULL "
            "AND i.refused IS NULL AND i.declined_at IS NULL AND i.answered_on IS NULL "
            "AND i.retry_at IS NOT NULL AND i.retry_at <= :now AND i.expires_at > :now "
            "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'feedback_invites' "
            "AND o.status IN ('pending', 'running') "
            "AND json_extract(o.payload, '$.request_id') = i.request_id) "
            "ORDER BY i.request_id",
            {"now": iso(now)},
        )
    ]


def enqueue_retries(conn: sqlite3.Connection, clock: Clock = system_clock) -> list[int]:
    """Queue (outbox) the sending of every invite whose retry is due; the request ids."""
    due = requests_to_retry(conn, clock())
    for request_id in due:
        store.enqueue(conn, "feedback_invites", {"request_id": request_id, "retry": True},
                      clock=clock)  # fmt: skip
    return due


def issue_link_token(
    conn: sqlite3.Connection, invite_id: int, secret: bytes, clock: Clock = system_clock
) -> str:
    """A fresh one-time token for the invite; only its hash is kept (an earlier one stops working)."""
    issued = issue_token(secret, invite_id)
    with transaction(conn):
        conn.execute(
            "UPDATE feedback_invites SET token_hash = ? WHERE id = ?",
            (issued.token_hash, invite_id),
        )
    return issued.token


def mark_invite_sent(
    conn: sqlite3.Connection,
    invite_id: int,
    channel_id: str,
    message_ts: str,
    clock: Clock = system_clock,
) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE feedback_invites SET sent_at = ?, channel_id = ?, message_ts = ?, "
            "posting_at = NULL, retry_at = NULL WHERE id = ?",
            (iso(clock()), channel_id, message_ts, invite_id),
        )


def get_invite(conn: sqlite3.Connection, invite_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM feedback_invites WHERE id = ?", (invite_id,)).fetchone()


def decline(
    conn: sqlite3.Connection, invite_id: int, member_id: str, clock: Clock = system_clock
) -> str:
    """'declined', or why not: 'answered', 'already' (declined before), 'not_yours'."""
    with transaction(conn):
        row = get_invite(conn, invite_id)
        if row is None or row["member_id"] != member_id:
            return "not_yours"
        if row["answered_on"] is not None:
            return "answered"
        if row["declined_at"] is not None:
            return "already"
        conn.execute(
            "UPDATE feedback_invites SET declined_at = ? WHERE id = ? AND declined_at IS NULL "
            "AND answered_on IS NULL",
            (iso(clock()), invite_id),
        )
    return "declined"


def invites_to_remind(conn: sqlite3.Connection, now: datetime) -> list[sqlite3.Row]:
    """Sent invites, neither answered nor declined, whose due date is 2 days away or less."""
    soon = (now.date() + REMIND_BEFORE).isoformat()
    return conn.execute(
        "SELECT i.*, q.subject_id, q.closes_on FROM feedback_invites i JOIN feedback_requests q "
        "ON q.id = i.request_id WHERE q.status = 'open' AND i.sent_at IS NOT NULL "
        "AND i.reminded_at IS NULL AND i.answered_on IS NULL AND i.declined_at IS NULL "
        "AND q.closes_on <= ? AND i.expires_at > ? ORDER BY i.id",
        (soon, iso(now)),
    ).fetchall()


def claim_reminder(conn: sqlite3.Connection, invite_id: int, clock: Clock = system_clock) -> bool:
    with transaction(conn):
        return (
            conn.execute(
                "UPDATE feedback_invites SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL "
                "AND answered_on IS NULL AND declined_at IS NULL",
                (iso(clock()), invite_id),
            ).rowcount
            == 1
        )


def response_count(conn: sqlite3.Connection, request_id: int) -> int:
    return conn.execute(
        "SELECT COUNT(*) FROM feedback_responses WHERE request_id = ?", (request_id,)
    ).fetchone()[0]


def results_to_announce(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Requests that reached their minimum and whose requester has not been told."""
    return conn.execute(
        "SELECT q.* FROM feedback_requests q WHERE q.results_told_at IS NULL AND "
        "(SELECT COUNT(*) FROM feedback_responses r WHERE r.request_id = q.id) >= q.min_responses "
        "ORDER BY q.id"
    ).fetchall()


def mark_results_told(
    conn: sqlite3.Connection, request_id: int, clock: Clock = system_clock
) -> bool:
    with transaction(conn):
        return (
            conn.execute(
                "UPDATE feedback_requests SET results_told_at = ? WHERE id = ? "
                "AND results_told_at IS NULL",
                (iso(clock()), request_id),
            ).rowcount
            == 1
        )


# --- the form -----------------------------------------------------------------------------


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


# --- reads for the web app (viewer first) ---------------------------------------------------


def may_see_results(viewer: Viewer, request: Mapping) -> bool:
    return viewer.is_admin or viewer.slack_id in (request["subject_id"], request["requested_by"])


def requests_for(conn: sqlite3.Connection, viewer: Viewer) -> list[dict]:
    """The requests the viewer may follow: admins all; others those about or by them."""
    rows = conn.execute(
        "SELECT q.*, (SELECT COUNT(*) FROM feedback_invites i WHERE i.request_id = q.id) "
        "AS invited, (SELECT COUNT(*) FROM feedback_invites i WHERE i.request_id = q.id "
        "AND i.declined_at IS NOT NULL) AS declined, (SELECT COUNT(*) FROM feedback_responses r "
        "WHERE r.request_id = q.id) AS answered FROM feedback_requests q "
        "ORDER BY q.created_at DESC, q.id DESC"
    ).fetchall()
    return [
        {
            "id": r["id"],
            "subject": name_of(conn, r["subject_id"]),
            "requested_by": name_of(conn, r["requested_by"]),
            "due": r["closes_on"],
            "invited": r["invited"],
            "declined": r["declined"],
            "answered": r["answered"],
            "ready": r["answered"] >= r["min_responses"],
            "min_responses": r["min_responses"],
        }
        for r in rows
        if may_see_results(viewer, r)
    ]


REFUSAL_REASONS = {
    "dm_skipped": "development mode: the bot DMs only the people in CHECKIN_DEV_USERS",
    "user_disabled": "their Slack account is deactivated",
    "account_inactive": "their Slack account is deactivated",
    "deactivated": "their Slack account is deactivated",
    "user_not_found": "Slack does not know this account",
    "user_not_visible": "Slack does not let the bot see this account",
    "cannot_dm_bot": "the account is a bot",
    "channel_not_found": "Slack could not open a DM with them",
    "messages_tab_disabled": "they turned off direct messages from apps",
    "is_archived": "their DM with the bot is archived",
}


def refusal_reason(code: str) -> str:
    """The line the requester reads for an invite Slack will never take, from Slack's code."""
    return REFUSAL_REASONS.get(code, f"Slack refused the DM ({code})")


def undelivered(
    conn: sqlite3.Connection, viewer: Viewer, request_id: int, clock: Clock = system_clock
) -> list[dict]:
    """The request's invites that did not reach their reviewer, each with its reason:
    `refused` (never will), `retrying` (Slack failed; tried again at `retry_at`), or
    `expired` (the due date passed first). For the requester and admins only: the
    subject of a request someone else made is not told whom it asked.

    Only invites never sent are listed: they cannot have been answered, so naming
    their reviewer says nothing about who wrote what.
    """
    request = get_request(conn, request_id)
    if request is None or not (
        viewer.is_admin or (viewer.slack_id and viewer.slack_id == request["requested_by"])
    ):
        return []
    now = iso(clock())
    out = []
    for r in conn.execute(
        "SELECT * FROM feedback_invites WHERE request_id = ? AND sent_at IS NULL "
        "AND answered_on IS NULL AND declined_at IS NULL ORDER BY id",
        (request_id,),
    ):
        if r["refused"]:
            state, reason = "refused", r["refused"]
        elif r["expires_at"] and r["expires_at"] <= now:
            state, reason = "expired", "the due date passed before Slack took the DM"
        elif r["retry_at"]:
            state = "retrying"
            reason = (
                f"Slack did not take the DM ({r['last_error']}); trying again at "
                f"{r['retry_at'][11:16]} UTC (attempt {r['attempts'] + 1})"
            )
        else:
            state, reason = "sending", "the bot has not sent it yet"
        out.append({"reviewer": name_of(conn, r["member_id"]), "state": state, "reason": reason})
    return out


@dataclass(frozen=True)
class Rating:
    question: str
    labels: list[str]
    mean: float
    spread: float  # standard deviation (population)
    low: int
    high: int
    count: int


@dataclass(frozen=True)
class Results:
    request_id: int
    subject: str
    answered: int
    min_responses: int
    ready: bool
    ratings: list[Rating] = field(default_factory=list)
    texts: dict[str, list[str]] = field(default_factory=dict)  # question -> answers, shuffled

    @property
    def progress(self) -> str:
        return f"{self.answered} answered so far; results show at {self.min_responses}."


def results(conn: sqlite3.Connection, viewer: Viewer, request_id: int) -> Results:
    """Mean ratings with their spread and the free text in a shuffled order, or only the count.

    `NotAllowed` for anyone but the subject, the requester and admins.
    """
    request = get_request(conn, request_id)
    if request is None or not may_see_results(viewer, request):
        raise NotAllowed("These results are only for the person they are about, "
                         "whoever asked, and admins.")  # fmt: skip
    rows = conn.execute(
        "SELECT answers FROM feedback_responses WHERE request_id = ?", (request_id,)
    ).fetchall()
    subject = name_of(conn, request["subject_id"])
    base = dict(
        request_id=request_id, subject=subject, answered=len(rows),
        min_responses=request["min_responses"],
    )  # fmt: skip
    if len(rows) < request["min_responses"]:
        return Results(ready=False, **base)
    questions = questions_of(request)
    answers = [_as_dict(questions, json.loads(r[0])) for r in rows]
    ratings, texts = [], {}
    shuffle = secrets.SystemRandom().shuffle
    for q in questions:
        values = [a.get(q["key"]) for a in answers]
        if q["kind"] == "scale":
            numbers = [int(v) for v in values if isinstance(v, int | float) and not math.isnan(v)]
            if numbers:
                ratings.append(
                    Rating(
                        question=q["text"],
                        labels=list(q.get("labels") or RATING_LABELS),
                        mean=round(statistics.fmean(numbers), 2),
                        spread=round(statistics.pstdev(numbers), 2),
                        low=min(numbers),
                        high=max(numbers),
                        count=len(numbers),
                    )  # fmt: skip
                )
        else:
            given = [str(v).strip() for v in values if v and str(v).strip()]
            shuffle(given)
            texts[q["text"]] = given
    return Results(ready=True, ratings=ratings, texts=texts, **base)


def _as_dict(questions: list[dict], answers: object) -> dict:
    if isinstance(answers, dict):
        return answers
    if isinstance(answers, list):  # responses kept before questions had keys
        return {q["key"]: v for q, v in zip(questions, answers, strict=False)}
    return {}


def member_choices(conn: sqlite3.Connection, viewer: Viewer) -> list[tuple[str, str]]:
    """(slack id, name) of the people a request may name: active humans."""
    rows = conn.execute(
        "SELECT slack_id, COALESCE(NULLIF(real_name, ''), NULLIF(name, ''), slack_id) "
        "FROM members WHERE active = 1 AND is_bot = 0 ORDER BY 2"
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def subject_choices(
    conn: sqlite3.Connection, viewer: Viewer, admins: Collection[str] = ()
) -> list[tuple[str, str]]:
    """(slack id, name) of the people this viewer may ask feedback about (`may_request`):
    admins anyone; a lead themselves and the people of their check-ins; a member themselves."""
    everyone = member_choices(conn, viewer)
    if viewer.is_admin or pool.is_admin(conn, viewer.slack_id, admins):
        return everyone
    allowed = {viewer.slack_id} | _people_of(
        conn, sorted(access.lead_checkins(conn, str(viewer.slack_id)))
    )
    return [(slack_id, name) for slack_id, name in everyone if slack_id in allowed]


def _people_of(conn: sqlite3.Connection, checkin_ids: list[int]) -> set[str]:
    """Who takes part in these check-ins, as `leads_checkin_of` counts them."""
    if not checkin_ids:
        return set()
    marks = ", ".join("?" for _ in checkin_ids)
    return {
        r[0]
        for r in conn.execute(
            f"SELECT j.value FROM checkins c, json_each(c.participants) j "  # noqa: S608
            f"WHERE c.id IN ({marks}) UNION SELECT r.member_id FROM runs r "
            f"WHERE r.checkin_id IN ({marks})",
            (*checkin_ids, *checkin_ids),
        )
    }
