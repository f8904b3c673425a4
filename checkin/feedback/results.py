"""Feedback results: shown only to the subject, the requester and admins, and only once
`min_responses` (never below 3) have answered.
"""

from __future__ import annotations

import json
import math
import secrets
import sqlite3
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction
from checkin.errors import NotAllowed
from checkin.feedback.requests import RATING_LABELS, get_request, name_of, questions_of
from checkin.people.viewer import Viewer


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
        raise NotAllowed(
            "These results are only for the person they are about, whoever asked, and admins."
        )
    rows = conn.execute(
        "SELECT answers FROM feedback_responses WHERE request_id = ?", (request_id,)
    ).fetchall()
    subject = name_of(conn, request["subject_id"])
    base = dict(
        request_id=request_id,
        subject=subject,
        answered=len(rows),
        min_responses=request["min_responses"],
    )
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
                    )
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
