"""Building the weekly summary of a check-in with SQL aggregates.

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
- Asked: runs that were sent (`checkin.answers.runs.ASKED_STATUSES`);
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
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from checkin.answers.asked import ASKED_SQL
from checkin.checkins import model
from checkin.checkins.definitions import DAYS
from checkin.clock import iso, system_clock
from checkin.people import members
from checkin.reports.model import (
    Headline,
    MemberAnswer,
    MemberWeek,
    QuestionSummary,
    Report,
    ReportError,
    ScalePoint,
    TextAnswer,
    WeekPoint,
)
from checkin.weeks import iso_week, parse_week, previous_week, week_bounds

TREND_WEEKS = 8


def resolve_checkin(conn: sqlite3.Connection, name: str | None) -> sqlite3.Row:
    """The named check-in, or the only active one when no name is given."""
    if name:
        return model.get_checkin(conn, name)
    rows = model.active_checkins(conn)
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


def trend_weeks(week: str, count: int = TREND_WEEKS) -> list[str]:
    """The `count` ISO weeks ending with `week`, oldest first."""
    monday, _ = week_bounds(week)
    return [iso_week(monday - timedelta(days=7 * back)) for back in range(count - 1, -1, -1)]


_OUTCOMES = f"""
WITH o AS MATERIALIZED (
    SELECT r.id, r.member_id, r.status, r.closes_at, COALESCE(r.sent_at, r.due_at) AS sent_at,
        r.answered_at AS first_at, r.first_answer_at
    FROM runs r
    WHERE r.checkin_id = :checkin AND r.week = :week AND r.status IN {ASKED_SQL}
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
WHERE r.checkin_id = :checkin AND r.week IN ({marks}) AND r.status IN {ASKED_SQL}
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
    days = model.days(checkin)
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
        labels = model.labels(q) or None
        options = model.options(q) or None
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
    row = members.get_member(conn, member_id)
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
