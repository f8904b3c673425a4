"""Feedback results: laid down once, when the request closes, and shown only to the
subject, the requester and admins, and only if at least `min_responses` (never
below 3) answered.

A request closes when its due date has passed everywhere (its links have
expired) or when every reviewer who has not declined has answered (as many
responses as such invites: which invite answered is never known). Closing
computes the results once, with the answers in words shuffled, stores them
on the request, and lays the responses and spent links down again in random
order in fresh tables, so the order of rows in the file says nothing about
who answered first. Before that the subject and requester see only how many
have answered; nothing moves as responses trickle in.
"""

from __future__ import annotations

import json
import math
import secrets
import sqlite3
import statistics
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import checkpoint, transaction
from checkin.errors import NotAllowed
from checkin.feedback.requests import RATING_LABELS, expires_at, get_request, name_of, questions_of
from checkin.people.viewer import Viewer


def response_count(conn: sqlite3.Connection, request_id: int) -> int:
    return conn.execute(
        "SELECT COUNT(*) FROM feedback_responses WHERE request_id = ?", (request_id,)
    ).fetchone()[0]


def _awaited(conn: sqlite3.Connection, request_id: int) -> int:
    """Reviewers who may still answer or have: neither declined nor never reachable."""
    return conn.execute(
        "SELECT COUNT(*) FROM feedback_invites WHERE request_id = ? AND declined_at IS NULL "
        "AND refused IS NULL",
        (request_id,),
    ).fetchone()[0]


def is_due(conn: sqlite3.Connection, request: Mapping, now: datetime) -> bool:
    """Whether an open request should close now: its links expired, or nobody left to answer."""
    if now >= expires_at(date.fromisoformat(request["closes_on"])):
        return True
    return response_count(conn, request["id"]) >= _awaited(conn, request["id"])


def close_if_complete(
    conn: sqlite3.Connection, request_id: int, clock: Clock = system_clock
) -> bool:
    """Close the request if it is due (`is_due`); whether it closed now."""
    request = get_request(conn, request_id)
    if request is None or request["status"] != "open" or not is_due(conn, request, clock()):
        return False
    return close(conn, request_id, clock)


def close_due(conn: sqlite3.Connection, clock: Clock = system_clock) -> list[int]:
    """Close every open request that is due; their ids."""
    now = clock()
    closed = []
    for request in conn.execute(
        "SELECT * FROM feedback_requests WHERE status = 'open' ORDER BY id"
    ).fetchall():
        if is_due(conn, request, now) and close(conn, request["id"], clock):
            closed.append(request["id"])
    return closed


def close(conn: sqlite3.Connection, request_id: int, clock: Clock = system_clock) -> bool:
    """Lay the results down once and shuffle the file's rows; False if already closed.

    Below the minimum no results are kept and the responses are deleted
    (zeroed: `secure_delete` is on), since they will never be shown.
    """
    with transaction(conn):
        request = get_request(conn, request_id)
        if request is None or request["status"] != "open":
            return False
        rows = [
            json.loads(r[0])
            for r in conn.execute(
                "SELECT answers FROM feedback_responses WHERE request_id = ?", (request_id,)
            )
        ]
        laid = None
        if len(rows) >= request["min_responses"]:
            laid = json.dumps(_compute(questions_of(request), rows))
        else:
            conn.execute("DELETE FROM feedback_responses WHERE request_id = ?", (request_id,))
        conn.execute(
            "UPDATE feedback_requests SET status = 'closed', closed_at = ?, answered = ?, "
            "results = ? WHERE id = ? AND status = 'open'",
            (iso(clock()), len(rows), laid, request_id),
        )
        _lay_down_again(conn)
    checkpoint(conn)  # the WAL held the rows in their first order
    return True


def _lay_down_again(conn: sqlite3.Connection) -> None:
    """Rebuild the responses and spent-link tables with their rows in a random order (and
    fresh random response ids), so neither a page's layout nor an id keeps the order in
    which they arrived. The old tables' pages are zeroed as they are freed."""
    shuffle = secrets.SystemRandom().shuffle
    responses = [
        tuple(r) for r in conn.execute("SELECT request_id, answers FROM feedback_responses")
    ]
    spent = [
        tuple(r) for r in conn.execute("SELECT spent_hash, request_id FROM feedback_spent_tokens")
    ]
    shuffle(responses)
    shuffle(spent)
    conn.execute(
        "CREATE TABLE feedback_responses_laid (id TEXT PRIMARY KEY, "
        "request_id INTEGER NOT NULL REFERENCES feedback_requests(id), "
        "answers TEXT NOT NULL) WITHOUT ROWID"
    )
    conn.executemany(
        "INSERT INTO feedback_responses_laid (id, request_id, answers) VALUES (?, ?, ?)",
        [(secrets.token_hex(16), *r) for r in responses],
    )
    conn.execute(
        "CREATE TABLE feedback_spent_tokens_laid (spent_hash TEXT PRIMARY KEY, "
        "request_id INTEGER NOT NULL REFERENCES feedback_requests(id)) WITHOUT ROWID"
    )
    conn.executemany(
        "INSERT INTO feedback_spent_tokens_laid (spent_hash, request_id) VALUES (?, ?)", spent
    )
    conn.execute("DROP TABLE feedback_responses")
    conn.execute("DROP TABLE feedback_spent_tokens")
    conn.execute("ALTER TABLE feedback_responses_laid RENAME TO feedback_responses")
    conn.execute("ALTER TABLE feedback_spent_tokens_laid RENAME TO feedback_spent_tokens")
    conn.execute("CREATE INDEX feedback_responses_by_request ON feedback_responses(request_id)")


def results_to_announce(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Closed requests whose requester has not been told (with results, or that too few answered)."""
    return conn.execute(
        "SELECT * FROM feedback_requests WHERE status = 'closed' AND results_told_at IS NULL "
        "ORDER BY id"
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


def may_see_results(viewer: Viewer, request: Mapping) -> bool:
    return viewer.is_admin or viewer.slack_id in (request["subject_id"], request["requested_by"])


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
    closed: bool = False
    ratings: list[Rating] = field(default_factory=list)
    texts: dict[str, list[str]] = field(default_factory=dict)  # question -> answers, shuffled

    @property
    def progress(self) -> str:
        if self.closed and not self.ready:
            return (
                f"Closed with {self.answered} answered, fewer than {self.min_responses}: "
                "nothing is shown, so nobody's answers can be singled out."
            )
        return (
            f"{self.answered} answered so far. Results show once, when the request closes "
            f"(at the due date, or when everyone asked has answered), if at least "
            f"{self.min_responses} answered."
        )


def results(conn: sqlite3.Connection, viewer: Viewer, request_id: int) -> Results:
    """The results laid down at close, or before it only how many have answered.

    `NotAllowed` for anyone but the subject, the requester and admins.
    """
    request = get_request(conn, request_id)
    if request is None or not may_see_results(viewer, request):
        raise NotAllowed(
            "These results are only for the person they are about, whoever asked, and admins."
        )
    closed = request["status"] == "closed"
    base = dict(
        request_id=request_id,
        subject=name_of(conn, request["subject_id"]),
        answered=request["answered"] if closed else response_count(conn, request_id),
        min_responses=request["min_responses"],
        closed=closed,
    )
    if not closed or not request["results"]:
        return Results(ready=False, **base)
    laid = json.loads(request["results"])
    return Results(
        ready=True,
        ratings=[Rating(**r) for r in laid["ratings"]],
        texts=laid["texts"],
        **base,
    )


def _compute(questions: list[dict], rows: list[object]) -> dict:
    """Mean ratings with their spread, and each question's answers in words shuffled."""
    answers = [_as_dict(questions, r) for r in rows]
    ratings, texts = [], {}
    shuffle = secrets.SystemRandom().shuffle
    for q in questions:
        values = [a.get(q["key"]) for a in answers]
        if q["kind"] == "scale":
            numbers = [int(v) for v in values if isinstance(v, int | float) and not math.isnan(v)]
            if numbers:
                ratings.append(
                    asdict(
                        Rating(
                            question=q["text"],
                            labels=list(q.get("labels") or RATING_LABELS),
                            mean=round(statistics.fmean(numbers), 2),
                            spread=round(statistics.pstdev(numbers), 2),
                            low=min(numbers),
                            high=max(numbers),
                            count=len(numbers),
                        )
                    )
                )
        else:
            given = [str(v).strip() for v in values if v and str(v).strip()]
            shuffle(given)
            texts[q["text"]] = given
    return {"ratings": ratings, "texts": texts}


def _as_dict(questions: list[dict], answers: object) -> dict:
    if isinstance(answers, dict):
        return answers
    if isinstance(answers, list):  # responses kept before questions had keys
        return {q["key"]: v for q, v in zip(questions, answers, strict=False)}
    return {}
