"""The weekly summary of a check-in: one model, built with SQL aggregates.

`build_report(conn, checkin, week, now)` returns a `Report`: who was asked,
who answered, skipped, was away or late, participation and its change from
the week before, the median time to answer, and per question the figures
its kind calls for (scale: mean, distribution and change; choice: counts;
number: mean, median, min, max; text: every answer). The Slack post, the
`/checkin report` command, `python -m checkin report` and the web app all use
it. Counting rules (also in docs/reports.md):

- A run belongs to the ISO week of the member's own date (`runs.week`), so a
  member far east or west of the reporting zone is counted in the week of
  their own Monday..Sunday. The check-in's `timezone` decides which week is
  "this" and "last".
- Asked: runs that were sent (status open, answered, skipped or closed);
  development-mode runs that were never sent (`dev_skipped`), failed sends
  and runs not sent yet are not counted.
- Answered: a run with at least one answer that is not a skip.
- Skipped: a run not answered that the member skipped (the whole run, or
  every question one by one). Missing: asked, neither answered nor skipped.
- Late: an answered run whose first answer came after the run closed.
- Participation: answered runs / asked runs.
- Out of office: members of the check-in (they have a run in it, or are
  named as participants) whose pause reaches into the week and who were
  asked fewer times than the check-in has days that week. The start of a
  pause is not stored, so a pause set later that also covers the week
  counts too.
- Time to answer: from the run being sent to its first non-skipped answer.

Names of members who did not answer are filled in only when the check-in
says so (`name_missing`); otherwise every rendering shows a count.

Renderings of the model (Markdown, CSV, JSON, PNG, and the plain-word lines
Slack shares) live in `checkin.report_formats`; the `report` command's
arguments in `checkin.cli`. This module imports neither.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from checkin import store
from checkin.clock import Clock, iso, system_clock
from checkin.db import transaction
from checkin.definitions import DAYS
from checkin.timing import iso_week, parse_week, week_bounds

TREND_WEEKS = 8
ASKED_STATUSES = ("open", "answered", "skipped", "closed")
JSON_FORMAT = 1


class ReportError(store.NotFound):
    """A report request a person got wrong (unknown week, check-in or member); str() says what."""


# --- the model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekPoint:
    """One week of the participation trend."""

    week: str
    asked: int
    answered: int
    skipped: int

    @property
    def participation(self) -> float | None:
        return self.answered / self.asked if self.asked else None


@dataclass(frozen=True)
class ScalePoint:
    """One scale question's mean in one week (for the trend chart)."""

    week: str
    question_id: int
    question: str
    mean: float
    answers: int


@dataclass(frozen=True)
class Headline:
    runs_asked: int
    runs_answered: int
    runs_skipped: int
    runs_missing: int
    runs_late: int
    members_asked: int
    members_answered: int
    members_skipped: int  # skipped every run they were asked
    members_missing: int  # asked, and neither answered nor skipped
    members_paused: int
    participation: float | None  # 0..1
    previous_participation: float | None
    participation_change: float | None  # in percentage points
    median_minutes_to_answer: float | None


@dataclass(frozen=True)
class QuestionSummary:
    question_id: int
    position: int
    text: str
    kind: str  # scale | choice | number | text
    from_pool: bool
    answers: int  # not skipped
    skipped: int
    labels: list[str] | None = None  # scale: the words for 1..5
    options: list[str] | None = None  # choice
    mean: float | None = None  # scale, number
    previous_mean: float | None = None  # scale
    mean_change: float | None = None  # scale
    distribution: list[int] | None = None  # scale: counts of 1..5
    counts: dict[str, int] | None = None  # choice: option -> count, options first, in order
    median: float | None = None  # number
    min: float | None = None  # number
    max: float | None = None  # number


@dataclass(frozen=True)
class TextAnswer:
    question_id: int
    question: str  # the wording the member saw
    member_id: str
    member: str
    local_date: str
    text: str
    late: bool
    edited: bool


@dataclass(frozen=True)
class Report:
    checkin: str
    checkin_id: int
    week: str
    start: date
    end: date
    timezone: str
    generated_at: str
    headline: Headline
    questions: list[QuestionSummary]
    text_answers: list[TextAnswer]
    missing_members: list[str] | None  # names, only when the check-in names them
    trend: list[WeekPoint]
    scale_trend: list[ScalePoint]
    report_channel: str | None = None

    def question(self, question_id: int) -> QuestionSummary | None:
        return next((q for q in self.questions if q.question_id == question_id), None)

    def text_by_question(self) -> list[tuple[QuestionSummary, list[TextAnswer]]]:
        """Text answers grouped by question, in the check-in's order; each by day, then member."""
        groups: dict[int, list[TextAnswer]] = {}
        for answer in self.text_answers:
            groups.setdefault(answer.question_id, []).append(answer)
        out = []
        for q in self.questions:
            if q.question_id in groups:
                out.append(
                    (q, sorted(groups[q.question_id], key=lambda a: (a.local_date, a.member)))
                )
        return out

    def text_by_member(self) -> list[tuple[str, str, list[TextAnswer]]]:
        """(member id, name, answers) by name; each member's answers by day, then question order."""
        order = {q.question_id: i for i, q in enumerate(self.questions)}
        groups: dict[str, list[TextAnswer]] = {}
        for answer in self.text_answers:
            groups.setdefault(answer.member_id, []).append(answer)
        out = []
        for member_id, answers in groups.items():
            answers.sort(key=lambda a: (a.local_date, order.get(a.question_id, 0)))
            out.append((member_id, answers[0].member, answers))
        out.sort(key=lambda g: (g[1].casefold(), g[0]))
        return out

    def to_dict(self) -> dict[str, Any]:
        """The whole model as JSON-ready data; keys are documented in docs/reports.md."""

        def answer(a: TextAnswer, drop: str) -> dict[str, Any]:
            return {k: v for k, v in asdict(a).items() if k != drop}

        headline = asdict(self.headline)
        return {
            "format": JSON_FORMAT,
            "checkin": self.checkin,
            "week": self.week,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "timezone": self.timezone,
            "generated_at": self.generated_at,
            "headline": headline,
            "missing_members": self.missing_members,
            "questions": [asdict(q) for q in self.questions],
            "text_answers": [asdict(a) for a in self.text_answers],
            "text_by_question": [
                {
                    "question_id": q.question_id,
                    "question": q.text,
                    "answers": [answer(a, "question_id") for a in answers],
                }
                for q, answers in self.text_by_question()
            ],
            "text_by_member": [
                {
                    "member_id": member_id,
                    "member": name,
                    "answers": [answer(a, "member_id") for a in answers],
                }
                for member_id, name, answers in self.text_by_member()
            ],
            "trend": [{**asdict(p), "participation": p.participation} for p in self.trend],
            "scale_trend": [asdict(p) for p in self.scale_trend],
        }


@dataclass(frozen=True)
class MemberAnswer:
    local_date: str
    question: str
    kind: str
    text: str | None
    number: float | None
    skipped: bool
    late: bool
    answered_at: str


@dataclass(frozen=True)
class MemberWeek:
    """One member's check-ins in one week: the per-person history."""

    checkin: str
    week: str
    member_id: str
    member: str
    runs: list[tuple[str, str]]  # (local date, answered | skipped | no answer | open)
    answers: list[MemberAnswer] = field(default_factory=list)


# --- choosing the check-in and the week ------------------------------------------------------


def resolve_checkin(conn: sqlite3.Connection, name: str | None) -> sqlite3.Row:
    """The named check-in, or the only active one when no name is given."""
    if name:
        return store.get_checkin(conn, name)
    rows = store.active_checkins(conn)
    if len(rows) == 1:
        return rows[0]
    if not rows:
        raise ReportError(
            "there are no check-ins yet: import one with "
            "`python -m checkin checkins import data/checkins.example.toml`"
        )
    names = ", ".join(r["name"] for r in rows)
    raise ReportError(
        f"there are several check-ins ({names}): name one, e.g. --checkin {rows[0]['name']}"
    )


def resolve_week(text: str | None, now: datetime, timezone: str) -> str:
    """'last', 'this', 'last week', '2026-W48' → an ISO week, in the reporting zone."""
    try:
        return parse_week(text or "last", now, timezone)
    except ValueError as exc:
        raise ReportError(str(exc)) from None


def previous_week(week: str) -> str:
    monday, _ = week_bounds(week)
    return iso_week(monday - timedelta(days=7))


def trend_weeks(week: str, count: int = TREND_WEEKS) -> list[str]:
    """The `count` ISO weeks ending with `week`, oldest first."""
    monday, _ = week_bounds(week)
    return [iso_week(monday - timedelta(days=7 * back)) for back in range(count - 1, -1, -1)]


# --- building ------------------------------------------------------------------------------

_ASKED = "('open', 'answered', 'skipped', 'closed')"  # ASKED_STATUSES, as SQL

_OUTCOMES = f"""
WITH o AS MATERIALIZED (
    SELECT r.id, r.member_id, r.status, r.closes_at, COALESCE(r.sent_at, r.due_at) AS sent_at,
        r.answered_at AS first_at, r.first_answer_at
    FROM runs r
    WHERE r.checkin_id = :checkin AND r.week = :week AND r.status IN {_ASKED}
), f AS MATERIALIZED (
    SELECT member_id, sent_at, first_at,
        first_at IS NOT NULL AS answered,
        first_at >= closes_at AS late,
        CASE WHEN first_at IS NOT NULL THEN 0
             WHEN status = 'skipped' THEN 1
             ELSE first_answer_at IS NOT NULL END AS skipped
    FROM o
), m AS MATERIALIZED (
    SELECT member_id, MAX(answered) AS answered, MIN(skipped) AS all_skipped
    FROM f GROUP BY member_id
)"""  # noqa: S608 - constant text only

_HEADLINE_SQL = f"""{_OUTCOMES}, ranked AS (
    SELECT minutes, ROW_NUMBER() OVER (ORDER BY minutes) AS rn, COUNT(*) OVER () AS n
    FROM (SELECT (julianday(first_at) - julianday(sent_at)) * 1440.0 AS minutes
          FROM f WHERE answered)
)
SELECT
    (SELECT COUNT(*) FROM f) AS runs_asked,
    (SELECT COALESCE(SUM(answered), 0) FROM f) AS runs_answered,
    (SELECT COALESCE(SUM(skipped), 0) FROM f) AS runs_skipped,
    (SELECT COALESCE(SUM(answered AND late), 0) FROM f) AS runs_late,
    (SELECT COUNT(*) FROM m) AS members_asked,
    (SELECT COALESCE(SUM(answered), 0) FROM m) AS members_answered,
    (SELECT COALESCE(SUM(NOT answered AND all_skipped), 0) FROM m) AS members_skipped,
    (SELECT AVG(minutes) FROM ranked WHERE rn IN ((n + 1) / 2, (n + 2) / 2)) AS median_minutes
"""  # noqa: S608 - constant text only

_MISSING_SQL = f"""{_OUTCOMES}
SELECT COALESCE(NULLIF(mb.real_name, ''), NULLIF(mb.name, ''), m.member_id) AS member
FROM m LEFT JOIN members mb ON mb.slack_id = m.member_id
WHERE NOT m.answered AND NOT m.all_skipped
ORDER BY member COLLATE NOCASE
"""  # noqa: S608 - constant text only

_PAUSED_SQL = """
SELECT COUNT(*) FROM members m
WHERE m.paused_until >= :first_day AND m.is_bot = 0
  AND (m.slack_id IN (SELECT value FROM json_each(:participants))
       OR EXISTS (SELECT 1 FROM runs r WHERE r.member_id = m.slack_id AND r.checkin_id = :checkin))
  AND (SELECT COUNT(*) FROM runs r
        WHERE r.member_id = m.slack_id AND r.checkin_id = :checkin
          AND r.local_date BETWEEN :monday AND :sunday
          AND r.status != 'dev_skipped') < :days
"""


def _trend_sql(weeks: int) -> str:
    marks = ", ".join(f":w{i}" for i in range(weeks))
    return f"""
SELECT r.week, COUNT(*) AS asked, SUM(r.answered_at IS NOT NULL) AS answered,
       SUM(r.answered_at IS NULL AND (r.status = 'skipped' OR r.first_answer_at IS NOT NULL))
           AS skipped
FROM runs r
WHERE r.checkin_id = :checkin AND r.week IN ({marks}) AND r.status IN {_ASKED}
GROUP BY r.week
"""  # noqa: S608 - placeholders only


def _scale_trend_sql(weeks: int) -> str:
    marks = ", ".join(f":w{i}" for i in range(weeks))
    return f"""
SELECT a.week, a.question_id, AVG(a.number) AS mean, COUNT(*) AS answers
FROM answers a
WHERE a.checkin_id = :checkin AND a.week IN ({marks})
  AND a.question_id IN (SELECT id FROM questions WHERE checkin_id = :checkin AND kind = 'scale')
  AND a.skipped = 0 AND a.number IS NOT NULL
GROUP BY a.week, a.question_id
"""  # noqa: S608 - placeholders only


_QUESTION_SQL = """
SELECT a.question_id, SUM(a.skipped = 0) AS answers, SUM(a.skipped) AS skipped,
       AVG(CASE WHEN a.skipped = 0 THEN a.number END) AS mean,
       MIN(CASE WHEN a.skipped = 0 THEN a.number END) AS min,
       MAX(CASE WHEN a.skipped = 0 THEN a.number END) AS max
FROM answers a WHERE a.checkin_id = :checkin AND a.week = :week
GROUP BY a.question_id
"""

_SCALE_SQL = """
SELECT a.question_id, CAST(a.number AS INTEGER) AS value, COUNT(*) AS n
FROM answers a JOIN questions q ON q.id = a.question_id AND q.kind = 'scale'
WHERE a.checkin_id = :checkin AND a.week = :week AND a.skipped = 0 AND a.number IS NOT NULL
GROUP BY a.question_id, value
"""

_CHOICE_SQL = """
SELECT a.question_id, a.text, COUNT(*) AS n
FROM answers a JOIN questions q ON q.id = a.question_id AND q.kind = 'choice'
WHERE a.checkin_id = :checkin AND a.week = :week AND a.skipped = 0 AND a.text IS NOT NULL
GROUP BY a.question_id, a.text
"""

_NUMBER_MEDIAN_SQL = """
WITH v AS (
    SELECT a.question_id, a.number,
        ROW_NUMBER() OVER (PARTITION BY a.question_id ORDER BY a.number) AS rn,
        COUNT(*) OVER (PARTITION BY a.question_id) AS n
    FROM answers a
    WHERE a.checkin_id = :checkin AND a.week = :week
      AND a.question_id IN (SELECT id FROM questions WHERE checkin_id = :checkin AND kind = 'number')
      AND a.skipped = 0 AND a.number IS NOT NULL
)
SELECT question_id, AVG(number) AS median FROM v
WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY question_id
"""

_TEXT_SQL = """
SELECT a.question_id, a.question_text, a.member_id,
       COALESCE(NULLIF(m.real_name, ''), NULLIF(m.name, ''), a.member_id) AS member,
       a.local_date, a.text, a.late, a.edited_at IS NOT NULL AS edited
FROM answers a JOIN questions q ON q.id = a.question_id AND q.kind = 'text'
LEFT JOIN members m ON m.slack_id = a.member_id
WHERE a.checkin_id = :checkin AND a.week = :week AND a.skipped = 0
  AND a.text IS NOT NULL AND a.text != ''
ORDER BY q.position, q.id, a.local_date, member, a.id
"""

_QUESTIONS_SQL = """
SELECT * FROM questions
WHERE (checkin_id = :checkin AND active = 1 AND pool_question_id IS NULL)
   OR id IN (SELECT DISTINCT question_id FROM answers WHERE checkin_id = :checkin AND week = :week)
ORDER BY position, id
"""


def build_report(
    conn: sqlite3.Connection,
    checkin: sqlite3.Row,
    week: str,
    now: datetime | None = None,
    *,
    text: bool = True,
) -> Report:
    """The summary of `checkin` for ISO `week`; `text=False` leaves the text answers out."""
    now = now or system_clock()
    checkin_id = checkin["id"]
    monday, sunday = week_bounds(week)
    weeks = trend_weeks(week)
    week_params = {f"w{i}": w for i, w in enumerate(weeks)}
    params = {"checkin": checkin_id, "week": week}

    trend_rows = {
        r["week"]: r for r in conn.execute(_trend_sql(len(weeks)), {**params, **week_params})
    }
    trend = [
        WeekPoint(
            week=w,
            asked=trend_rows[w]["asked"] if w in trend_rows else 0,
            answered=trend_rows[w]["answered"] if w in trend_rows else 0,
            skipped=trend_rows[w]["skipped"] if w in trend_rows else 0,
        )
        for w in weeks
    ]

    h = conn.execute(_HEADLINE_SQL, params).fetchone()
    participation = h["runs_answered"] / h["runs_asked"] if h["runs_asked"] else None
    previous = trend[-2].participation if len(trend) > 1 else None
    change = (
        round((participation - previous) * 100, 1)
        if participation is not None and previous is not None
        else None
    )
    days = json.loads(checkin["days"]) if isinstance(checkin["days"], str) else checkin["days"]
    week_days = [monday + timedelta(days=DAYS.index(d)) for d in days if d in DAYS]
    participants = checkin["participants"] or "[]"
    paused = (
        conn.execute(
            _PAUSED_SQL,
            {
                "checkin": checkin_id,
                "first_day": min(week_days).isoformat(),
                "participants": participants,
                "monday": monday.isoformat(),
                "sunday": sunday.isoformat(),
                "days": len(week_days),
            },
        ).fetchone()[0]
        if week_days
        else 0
    )
    members_missing = h["members_asked"] - h["members_answered"] - h["members_skipped"]
    headline = Headline(
        runs_asked=h["runs_asked"],
        runs_answered=h["runs_answered"],
        runs_skipped=h["runs_skipped"],
        runs_missing=h["runs_asked"] - h["runs_answered"] - h["runs_skipped"],
        runs_late=h["runs_late"],
        members_asked=h["members_asked"],
        members_answered=h["members_answered"],
        members_skipped=h["members_skipped"],
        members_missing=members_missing,
        members_paused=paused,
        participation=participation,
        previous_participation=previous,
        participation_change=change,
        median_minutes_to_answer=(
            round(h["median_minutes"], 1) if h["median_minutes"] is not None else None
        ),
    )
    missing_names = None
    if checkin["name_missing"]:
        missing_names = [r[0] for r in conn.execute(_MISSING_SQL, params)]

    question_rows = conn.execute(_QUESTIONS_SQL, params).fetchall()
    titles = {q["id"]: q["text"] for q in question_rows}
    scale_trend = [
        ScalePoint(
            week=r["week"],
            question_id=r["question_id"],
            question=titles.get(r["question_id"], ""),
            mean=round(r["mean"], 2),
            answers=r["answers"],
        )
        for r in conn.execute(_scale_trend_sql(len(weeks)), {**params, **week_params})
    ]
    scale_trend.sort(key=lambda p: (p.question_id, p.week))
    last_week = previous_week(week)
    previous_means = {p.question_id: p.mean for p in scale_trend if p.week == last_week}
    questions = _questions(conn, params, question_rows, previous_means)

    text_answers = []
    if text:
        text_answers = [
            TextAnswer(
                question_id=r["question_id"],
                question=r["question_text"],
                member_id=r["member_id"],
                member=r["member"],
                local_date=r["local_date"],
                text=r["text"],
                late=bool(r["late"]),
                edited=bool(r["edited"]),
            )
            for r in conn.execute(_TEXT_SQL, params)
        ]
    return Report(
        checkin=checkin["name"],
        checkin_id=checkin_id,
        week=week,
        start=monday,
        end=sunday,
        timezone=checkin["timezone"] or "UTC",
        generated_at=iso(now),
        headline=headline,
        questions=questions,
        text_answers=text_answers,
        missing_members=missing_names,
        trend=trend,
        scale_trend=scale_trend,
        report_channel=checkin["report_channel"],
    )


def _questions(
    conn: sqlite3.Connection,
    params: dict[str, Any],
    rows: list[sqlite3.Row],
    previous_means: dict[int, float],
) -> list[QuestionSummary]:
    stats = {r["question_id"]: r for r in conn.execute(_QUESTION_SQL, params)}
    scale: dict[int, list[int]] = {}
    for r in conn.execute(_SCALE_SQL, params):
        if 1 <= r["value"] <= 5:
            scale.setdefault(r["question_id"], [0] * 5)[r["value"] - 1] += r["n"]
    choice: dict[int, dict[str, int]] = {}
    for r in conn.execute(_CHOICE_SQL, params):
        choice.setdefault(r["question_id"], {})[r["text"]] = r["n"]
    medians = {r["question_id"]: r["median"] for r in conn.execute(_NUMBER_MEDIAN_SQL, params)}

    out = []
    for q in rows:
        s = stats.get(q["id"])
        kind = q["kind"]
        labels = json.loads(q["labels"]) if q["labels"] else None
        options = json.loads(q["options"]) if q["options"] else None
        mean = round(s["mean"], 2) if s and s["mean"] is not None else None
        extra: dict[str, Any] = {}
        if kind == "scale":
            previous = previous_means.get(q["id"])
            extra = {
                "labels": labels,
                "mean": mean,
                "previous_mean": previous,
                "mean_change": (
                    round(mean - previous, 2) if mean is not None and previous is not None else None
                ),
                "distribution": scale.get(q["id"], [0] * 5),
            }
        elif kind == "choice":
            found = choice.get(q["id"], {})
            counts = {o: found.get(o, 0) for o in options or []}
            for other in sorted(set(found) - set(counts)):
                counts[other] = found[other]
            extra = {"options": options, "counts": counts}
        elif kind == "number":
            extra = {
                "mean": mean,
                "median": medians.get(q["id"]),
                "min": s["min"] if s else None,
                "max": s["max"] if s else None,
            }
        out.append(
            QuestionSummary(
                question_id=q["id"],
                position=q["position"],
                text=q["text"],
                kind=kind,
                from_pool=q["pool_question_id"] is not None,
                answers=s["answers"] if s else 0,
                skipped=s["skipped"] if s else 0,
                **extra,
            )
        )
    return out


_MEMBER_RUNS_SQL = """
SELECT r.id, r.local_date, r.status,
    EXISTS (SELECT 1 FROM answers a WHERE a.run_id = r.id AND a.skipped = 0) AS answered,
    EXISTS (SELECT 1 FROM answers a WHERE a.run_id = r.id) AS touched
FROM runs r
WHERE r.checkin_id = :checkin AND r.member_id = :member AND r.week = :week
  AND r.status != 'dev_skipped'
ORDER BY r.local_date
"""

_MEMBER_ANSWERS_SQL = """
SELECT a.local_date, a.question_text, q.kind, a.text, a.number, a.skipped, a.late, a.answered_at
FROM answers a JOIN questions q ON q.id = a.question_id
WHERE a.checkin_id = :checkin AND a.member_id = :member AND a.week = :week
ORDER BY a.local_date, q.position, q.id
"""


def member_week(
    conn: sqlite3.Connection, checkin: sqlite3.Row, member_id: str, week: str
) -> MemberWeek:
    """Everything `member_id` was asked and answered in `checkin` during `week`."""
    row = store.get_member(conn, member_id)
    if row is None:
        raise ReportError(f"no member {member_id} has been asked anything yet")
    params = {"checkin": checkin["id"], "member": member_id, "week": week}
    runs = []
    for r in conn.execute(_MEMBER_RUNS_SQL, params):
        if r["answered"]:
            outcome = "answered"
        elif r["status"] == "skipped" or r["touched"]:
            outcome = "skipped"
        elif r["status"] == "open":
            outcome = "open"
        else:
            outcome = "no answer"
        runs.append((r["local_date"], outcome))
    answers = [
        MemberAnswer(
            local_date=r["local_date"],
            question=r["question_text"],
            kind=r["kind"],
            text=r["text"],
            number=r["number"],
            skipped=bool(r["skipped"]),
            late=bool(r["late"]),
            answered_at=r["answered_at"],
        )
        for r in conn.execute(_MEMBER_ANSWERS_SQL, params)
    ]
    return MemberWeek(
        checkin=checkin["name"],
        week=week,
        member_id=member_id,
        member=row["real_name"] or row["name"] or member_id,
        runs=runs,
        answers=answers,
    )


# --- answers, one row each (CSV) ------------------------------------------------------------

CSV_COLUMNS = (
    "week", "local_date", "member_id", "member", "question_id", "question", "kind",
    "answer", "number", "skipped", "late", "answered_at", "edited_at",
)  # fmt: skip

_ANSWER_ROWS_SQL = """
SELECT a.week, a.local_date, a.member_id,
       COALESCE(NULLIF(m.real_name, ''), NULLIF(m.name, ''), a.member_id) AS member,
       a.question_id, a.question_text AS question, q.kind, a.text AS answer, a.number,
       a.skipped, a.late, a.answered_at, a.edited_at
FROM answers a JOIN questions q ON q.id = a.question_id
LEFT JOIN members m ON m.slack_id = a.member_id
WHERE a.checkin_id = :checkin AND a.week = :week
ORDER BY a.local_date, member, q.position, q.id
"""


def answer_rows(conn: sqlite3.Connection, checkin_id: int, week: str) -> Iterator[sqlite3.Row]:
    """Every answer of the week, one row each, streamed (not loaded at once)."""
    yield from conn.execute(_ANSWER_ROWS_SQL, {"checkin": checkin_id, "week": week})


def was_asked(conn: sqlite3.Connection, checkin_id: int, member_id: str) -> bool:
    """Whether the member was ever asked in the check-in: a participant who may see its summary."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM runs WHERE member_id = ? AND checkin_id = ? "
        "AND status IN ('open', 'answered', 'skipped', 'closed'))",  # ASKED_STATUSES
        (member_id, checkin_id),
    ).fetchone()
    return bool(row[0])


# --- posting once per check-in and week (report_posts) ------------------------------------------


CLAIM_STALE_AFTER = timedelta(minutes=5)


def claim_owner() -> str:
    """Who holds a claim: this process, as pid@host."""
    return f"{os.getpid()}@{socket.gethostname()}"


def claim_report_post(
    conn: sqlite3.Connection,
    checkin_id: int,
    week: str,
    channel: str,
    owner: str | None = None,
    clock: Clock = system_clock,
) -> bool:
    """Take the week's post for this process; False when it was taken before (by anyone, ever)."""

    with transaction(conn):
        cur = conn.execute(
            "INSERT OR IGNORE INTO report_posts (checkin_id, week, channel, status, claimed_by, "
            "claimed_at) VALUES (?, ?, ?, 'posting', ?, ?)",
            (checkin_id, week, channel, owner or claim_owner(), iso(clock())),
        )
        return cur.rowcount == 1


def take_over_report_post(
    conn: sqlite3.Connection,
    checkin_id: int,
    week: str,
    owner: str | None = None,
    clock: Clock = system_clock,
    stale_after: timedelta = CLAIM_STALE_AFTER,
) -> bool:
    """Take a 'posting' claim that is this owner's own, or older than `stale_after` (abandoned).

    One UPDATE, so of two processes trying at once only one gets it; a fresh
    claim of another process is left alone.
    """
    owner = owner or claim_owner()
    now = clock()
    with transaction(conn):
        cur = conn.execute(
            "UPDATE report_posts SET claimed_by = :owner, claimed_at = :now "
            "WHERE checkin_id = :checkin AND week = :week AND status = 'posting' "
            "AND (claimed_by = :owner OR claimed_at IS NULL OR claimed_at < :stale)",
            {"owner": owner, "now": iso(now), "checkin": checkin_id, "week": week,
             "stale": iso(now - stale_after)},
        )  # fmt: skip
        return cur.rowcount == 1


def get_report_post(conn: sqlite3.Connection, checkin_id: int, week: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM report_posts WHERE checkin_id = ? AND week = ?", (checkin_id, week)
    ).fetchone()


def finish_report_post(
    conn: sqlite3.Connection,
    checkin_id: int,
    week: str,
    *,
    message_ts: str | None = None,
    error: str | None = None,
    clock: Clock = system_clock,
) -> None:
    """Record the outcome: posted (with the message's ts) or failed (with Slack's error)."""

    with transaction(conn):
        conn.execute(
            "UPDATE report_posts SET status = ?, message_ts = ?, posted_at = ?, error = ? "
            "WHERE checkin_id = ? AND week = ?",
            (
                "failed" if error else "posted", message_ts, None if error else iso(clock()),
                error, checkin_id, week,
            ),
        )  # fmt: skip


def reportable_checkins(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Active check-ins with a report channel, day and time: the ones posted on a schedule."""
    return conn.execute(
        "SELECT * FROM checkins WHERE active = 1 AND report_channel IS NOT NULL "
        "AND report_channel != '' AND report_day IS NOT NULL AND report_time IS NOT NULL "
        "ORDER BY id"
    ).fetchall()
