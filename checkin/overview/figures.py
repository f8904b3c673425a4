"""What the web app's Overview shows, read with SQL aggregates and a viewer.

Every function takes the viewer first and returns only what that viewer may
see: an admin, or a lead of the check-in, sees everything; a member sees the
aggregates of a check-in they were asked in, never filtered down to chosen
people, and any group (a week, an answer value, an hour) of fewer than
`viewer.min_group` people is left out. Nothing here imports Streamlit, so the
figures are tested without it.

The counting rules are the report's (checkin/reports/build.py): for a
one-week range the figures equal the weekly report's.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from checkin.answers.asked import require_asked
from checkin.answers.participation import HeldBack
from checkin.answers.participation import held_back as held_back_participation
from checkin.checkins import model as checkin_model
from checkin.clock import zone
from checkin.overview.model import (
    ChoiceWeek,
    HeatCell,
    NumberWeek,
    Overview,
    OverviewHeadline,
    QuestionInfo,
    ScaleMean,
    ScaleWeek,
)
from checkin.overview.narrowing import (
    answers_where,
    figure_shown,
    hidden_scale_values,
    is_restricted,
    people_sql,
    runs_where,
)
from checkin.overview.scope import Scope
from checkin.people import suppression
from checkin.people.viewer import Viewer
from checkin.reports import model

_UNIX_EPOCH_JD_SECONDS = 210_866_760_000  # 1970-01-01 00:00 UTC: Julian day 2440587.5, in s


def overview(conn: sqlite3.Connection, viewer: Viewer, scope: Scope) -> Overview:
    """All of the Overview's reads for `scope`, in one call (each figure read once)."""
    require_asked(conn, viewer, scope.checkin_id)
    both = scope.with_previous()
    held = held_back_participation(conn, viewer, scope.checkin_id, both.weeks)
    points = participation_by_week(conn, viewer, both, held=held)
    scale = scale_by_week(conn, viewer, both)
    weeks = set(scope.weeks)
    return Overview(
        scope=scope,
        headline=_headline(conn, viewer, scope, points, scale),
        participation=[p for p in points if p.week in weeks],
        scale=[s for s in scale if s.week in weeks],
        choice=choice_by_week(conn, viewer, scope),
        number=number_by_week(conn, viewer, scope),
        heatmap=answer_heatmap(conn, viewer, scope, held=held),
        questions=questions(conn, viewer, scope.checkin_id),
    )


def questions(conn: sqlite3.Connection, viewer: Viewer, checkin_id: int) -> list[QuestionInfo]:
    """The check-in's questions (pool questions drawn into it too), in its order."""
    require_asked(conn, viewer, checkin_id)
    rows = conn.execute(
        "SELECT id, text, kind, labels, options FROM questions WHERE checkin_id = ? "
        "ORDER BY pool_question_id IS NOT NULL, position, id",
        (checkin_id,),
    ).fetchall()
    return [
        QuestionInfo(
            id=r["id"],
            text=r["text"],
            kind=r["kind"],
            labels=checkin_model.labels(r) or None,
            options=checkin_model.options(r) or None,
        )
        for r in rows
    ]


def headline(conn: sqlite3.Connection, viewer: Viewer, scope: Scope) -> OverviewHeadline:
    """Participation, median time to answer and each scale question's mean, with the change
    from the same number of weeks just before."""
    require_asked(conn, viewer, scope.checkin_id)
    both = scope.with_previous()
    return _headline(
        conn,
        viewer,
        scope,
        participation_by_week(conn, viewer, both),
        scale_by_week(conn, viewer, both),
    )


def _headline(
    conn: sqlite3.Connection,
    viewer: Viewer,
    scope: Scope,
    points: list[model.WeekPoint],
    scale: list[ScaleWeek],
) -> OverviewHeadline:
    """The headline from the weekly points and scale figures of the range and the one before."""
    now_weeks = set(scope.weeks)

    def share(selected: list[model.WeekPoint]) -> tuple[int, int, float | None]:
        # a week whose participation is held back from a member is left out, asked and
        # answered: the rate of weeks 1-3 and of weeks 1-2 would give week 3's back
        shown = [p for p in selected if p.answered is not None]
        asked = sum(p.asked for p in shown)
        answered = sum(p.answered or 0 for p in shown)
        return asked, answered, (answered / asked if asked else None)

    asked, answered, participation = share([p for p in points if p.week in now_weeks])
    _, _, previous = share([p for p in points if p.week not in now_weeks])

    by_question: dict[int, dict[bool, list[ScaleWeek]]] = defaultdict(lambda: defaultdict(list))
    for s in scale:
        by_question[s.question_id][s.week in now_weeks].append(s)
    scales = []
    for q in questions(conn, viewer, scope.checkin_id):
        if q.kind != "scale":
            continue
        current = by_question.get(q.id, {}).get(True, [])
        earlier = by_question.get(q.id, {}).get(False, [])
        earlier_mean = _pooled_mean(earlier)
        if not current and earlier_mean is None:
            continue
        scales.append(
            ScaleMean(
                question_id=q.id,
                question=q.text,
                mean=_pooled_mean(current),
                previous=earlier_mean,
                answers=sum(s.answers for s in current if s.answers is not None),
            )
        )
    return OverviewHeadline(
        weeks=scope.weeks,
        runs_asked=asked,
        runs_answered=answered,
        participation=participation,
        previous_participation=previous,
        median_minutes=median_minutes(conn, viewer, scope, answered),
        previous_median_minutes=median_minutes(
            conn, viewer, scope.previous(), sum(p.answered or 0 for p in points) - answered
        ),
        scales=scales,
        weeks_held_back=sum(1 for p in points if p.week in now_weeks and p.answered is None),
    )


def median_minutes(
    conn: sqlite3.Connection,
    viewer: Viewer,
    scope: Scope,
    answered: int | None = None,
) -> float | None:
    """The median time from a check-in being sent to its first answer, in minutes (0.1);
    None for a member, to whom it would give away an hour of the heatmap held back.

    `answered`, the number of answered runs in the scope, saves counting them again.
    """
    require_asked(conn, viewer, scope.checkin_id)
    if is_restricted(viewer, scope):
        # a median is one answer's time (or the mean of two): it would place an answer
        # in an hour of the heatmap that is held back from a member
        return None
    where, params = runs_where(conn, viewer, scope, "r")
    where += " AND r.answer_minutes IS NOT NULL"  # answered; read from runs_answer_minutes
    n = answered
    if n is None:
        n = conn.execute(
            f"SELECT COUNT(*) FROM runs r WHERE {where}",  # noqa: S608
            params,
        ).fetchone()[0]
    if not n:
        return None
    middle = conn.execute(
        f"""
        SELECT r.answer_minutes FROM runs r WHERE {where}
        ORDER BY r.answer_minutes LIMIT :take OFFSET :skip
        """,  # noqa: S608 - built from constant fragments
        {**params, "take": 2 - n % 2, "skip": (n - 1) // 2},
    ).fetchall()
    return round(sum(r[0] for r in middle) / len(middle), 1)


def participation_by_week(
    conn: sqlite3.Connection, viewer: Viewer, scope: Scope, *, held: HeldBack | None = None
) -> list[model.WeekPoint]:
    """Check-ins asked, answered and skipped in each week of the range (0 where none).

    A run is answered when it has `answer_minutes` (migration 14: set with its
    first answer that is not a skip), read from the narrow runs_answer_minutes.
    For a member, a week fewer than `min_group` answered shows as one nobody was
    asked, and a week whose participation is held back
    (`checkin.answers.participation`) has its answered and skipped counts None.
    `held`, when the caller read it for these weeks already, saves reading it again.
    """
    require_asked(conn, viewer, scope.checkin_id)
    where, params = runs_where(conn, viewer, scope, "r")
    if held is None:
        held = held_back_participation(conn, viewer, scope.checkin_id, scope.weeks)
    rows = {
        r["week"]: r
        for r in conn.execute(
            f"""
            SELECT r.week, COUNT(*) AS asked, SUM(r.answer_minutes IS NOT NULL) AS answered,
                   SUM(r.answer_minutes IS NULL
                       AND (r.status = 'skipped' OR r.first_answer_at IS NOT NULL)) AS skipped
            FROM runs r WHERE {where} GROUP BY r.week
            """,  # noqa: S608 - built from constant fragments
            params,
        )
        if r["week"] not in held.too_few
    }
    return [
        model.WeekPoint(
            week=w,
            asked=rows[w]["asked"] if w in rows else 0,
            answered=None if w in held.held_back else rows[w]["answered"] if w in rows else 0,
            skipped=None if w in held.held_back else rows[w]["skipped"] if w in rows else 0,
        )
        for w in scope.weeks
    ]


def _values_by_week(
    conn: sqlite3.Connection, viewer: Viewer, scope: Scope, where: str, params: dict
) -> tuple[dict[tuple[int, str], list[tuple[float, int]]], dict[tuple[int, str], int]]:
    """(question, week) -> [(value, answers)], and the people behind each group when the
    viewer needs small groups held back (empty otherwise)."""
    groups: dict[tuple[int, str], list[tuple[float, int]]] = defaultdict(list)
    for r in conn.execute(
        f"""
        SELECT a.question_id, a.week, a.number, COUNT(*) AS n FROM answers a
        WHERE {where}
        GROUP BY a.question_id, a.week, a.number
        """,  # noqa: S608 - built from constant fragments
        params,
    ):
        groups[(r["question_id"], r["week"])].append((r["number"], r["n"]))
    people: dict[tuple[int, str], int] = {}
    if is_restricted(viewer, scope):
        people = {
            (r[0], r[1]): r[2]
            for r in conn.execute(
                f"""
                SELECT a.question_id, a.week, COUNT(DISTINCT a.member_id) FROM answers a
                WHERE {where} GROUP BY a.question_id, a.week
                """,  # noqa: S608 - built from constant fragments
                params,
            )
        }
    return groups, people


def scale_by_week(conn: sqlite3.Connection, viewer: Viewer, scope: Scope) -> list[ScaleWeek]:
    """Each scale question's weekly mean, spread and 1..5 counts, by question then week."""
    require_asked(conn, viewer, scope.checkin_id)
    where, params = answers_where(conn, viewer, scope, "a", "scale")
    titles = {q.id: q.text for q in questions(conn, viewer, scope.checkin_id)}
    scale_only = "AND a.skipped = 0 AND a.number IS NOT NULL"
    groups, people = _values_by_week(conn, viewer, scope, f"{where} {scale_only}", params)
    hidden = hidden_scale_values(conn, viewer, scope, where, params) if people else {}
    out = []
    for (question_id, week), values in sorted(groups.items()):
        if not figure_shown(viewer, scope.checkin_id, people.get((question_id, week))):
            continue
        n = sum(c for _, c in values)
        mean = sum(v * c for v, c in values) / n
        var = sum(c * (v - mean) ** 2 for v, c in values) / n
        counts: list[int | None] = [0] * 5
        for v, c in values:
            if 1 <= v <= 5 and v == int(v):
                counts[int(v) - 1] += c  # type: ignore[operator]
        held_back = hidden.get((question_id, week), ())
        if held_back:
            # a 0 beside a held-back count would say that count is at least 1; with the
            # answer count, mean, spread or total the held-back counts could be solved
            counts = [None if v + 1 in held_back or not c else c for v, c in enumerate(counts)]
        total = sum(v * c for v, c in values)
        out.append(
            ScaleWeek(
                week=week,
                question_id=question_id,
                question=titles.get(question_id, ""),
                mean=None if held_back else round(mean, 2),
                spread=None if held_back else round(var**0.5, 2),
                answers=None if held_back else n,
                counts=tuple(counts),  # type: ignore[arg-type]
                total=None if held_back else total,
            )
        )
    return out


def choice_by_week(conn: sqlite3.Connection, viewer: Viewer, scope: Scope) -> list[ChoiceWeek]:
    """How often each option of each choice question was picked, per week."""
    require_asked(conn, viewer, scope.checkin_id)
    where, params = answers_where(conn, viewer, scope, "a", "choice")
    qs = {q.id: q for q in questions(conn, viewer, scope.checkin_id) if q.kind == "choice"}
    rows = conn.execute(
        f"""
        SELECT a.question_id, a.week, a.choice AS text, COUNT(*) AS n,
               {people_sql(viewer, scope, "a")} AS people
        FROM answers a
        WHERE {where}
          AND a.skipped = 0 AND a.choice IS NOT NULL
        GROUP BY a.question_id, a.week, a.choice
        """,  # noqa: S608 - built from constant fragments
        params,
    ).fetchall()
    if is_restricted(viewer, scope):
        # an option few picked is held back with the next-smallest of its question and week
        rows = suppression.rows_for(
            viewer,
            scope.checkin_id,
            [dict(r) for r in rows],
            group="text",
            people="people",
            values=["n"],
            within=("question_id", "week"),
        )
    out = []
    for r in rows:
        if r["n"] is None:
            continue
        q = qs.get(r["question_id"])
        out.append(ChoiceWeek(r["week"], r["question_id"], q.text if q else "", r["text"], r["n"]))

    def order(c: ChoiceWeek) -> tuple:
        options = (qs[c.question_id].options or []) if c.question_id in qs else []
        rank = options.index(c.option) if c.option in options else len(options)
        return (c.question_id, c.week, rank, c.option)

    return sorted(out, key=order)


def number_by_week(conn: sqlite3.Connection, viewer: Viewer, scope: Scope) -> list[NumberWeek]:
    """Each number question's weekly median, lowest, highest and mean.

    SQLite counts each distinct value per question and week; the median is read
    off those counts, so no answer row leaves the database.
    """
    require_asked(conn, viewer, scope.checkin_id)
    where, params = answers_where(conn, viewer, scope, "a", "number")
    titles = {q.id: q.text for q in questions(conn, viewer, scope.checkin_id)}
    number_only = "AND a.skipped = 0 AND a.number IS NOT NULL"
    groups, people = _values_by_week(conn, viewer, scope, f"{where} {number_only}", params)
    hide_range = is_restricted(viewer, scope)
    out = []
    for (question_id, week), values in sorted(groups.items()):
        if not figure_shown(viewer, scope.checkin_id, people.get((question_id, week))):
            continue
        n = sum(c for _, c in values)
        out.append(
            NumberWeek(
                week=week,
                question_id=question_id,
                question=titles.get(question_id, ""),
                median=_median_of_counts(values),
                low=None if hide_range else values[0][0],  # one person's answer: not for members
                high=None if hide_range else values[-1][0],
                mean=round(sum(v * c for v, c in values) / n, 2),
                answers=n,
            )
        )
    return out


def _median_of_counts(values: list[tuple[float, int]]) -> float:
    """The median of values given as (value, count), sorted by value."""
    n = sum(c for _, c in values)
    wanted = ((n + 1) // 2, (n + 2) // 2)  # 1-based positions, as the report's SQL takes them
    found = []
    seen = 0
    for v, c in values:
        for position in wanted:
            if seen < position <= seen + c:
                found.append(v)
        seen += c
    return sum(found) / len(found)


def answer_heatmap(
    conn: sqlite3.Connection, viewer: Viewer, scope: Scope, *, held: HeldBack | None = None
) -> list[HeatCell]:
    """When check-ins were first answered: per week, weekday and hour of each member's own clock.

    SQLite groups by member time zone and UTC quarter hour (counted in Julian
    days x 96); the quarter hours are then moved into each zone (offsets of :30
    and :45 exist), so the rows read stay few however many answers there are.
    Runs keep both (`member_tz`, `answered_quarter`, migration 14) in an index
    in this order, so the grouping reads it straight through, with no join.
    A member sees no hour of a week whose participation is held back: the hours add
    up to it.
    """
    require_asked(conn, viewer, scope.checkin_id)
    where, params = runs_where(conn, viewer, scope, "r")
    cells: dict[tuple[str, int, int], int] = defaultdict(int)
    people: dict[tuple[str, int, int], int] = defaultdict(int)
    restricted = is_restricted(viewer, scope)
    zones: dict[str, ZoneInfo] = {}
    for r in conn.execute(
        f"""
        SELECT COALESCE(r.member_tz, 'UTC') AS tz, r.week, r.answered_quarter AS quarter,
               COUNT(*) AS n,
               {"COUNT(DISTINCT r.member_id)" if restricted else "NULL"} AS people
        FROM runs r
        WHERE {where} AND r.answered_quarter IS NOT NULL
        GROUP BY r.week, r.member_tz, r.answered_quarter
        """,  # noqa: S608 - built from constant fragments
        params,
    ):
        tz = zones.get(r["tz"]) or zones.setdefault(r["tz"], zone(r["tz"]))
        when = datetime.fromtimestamp(r["quarter"] * 900 - _UNIX_EPOCH_JD_SECONDS, tz)
        key = (r["week"], when.weekday(), when.hour)
        cells[key] += r["n"]
        people[key] += r["people"] or 0
    if not restricted:
        return [HeatCell(w, d, h, n) for (w, d, h), n in sorted(cells.items())]
    # a week's hours add up to its answered check-ins: none where that is held back
    if held is None:
        held = held_back_participation(conn, viewer, scope.checkin_id, scope.weeks)
    kept = suppression.rows_for(
        viewer,
        scope.checkin_id,
        [
            {"week": w, "cell": (d, h), "n": n, "people": people[(w, d, h)]}
            for (w, d, h), n in sorted(cells.items())
            if w not in held.held_back
        ],
        group="cell",
        people="people",
        values=["n"],
        within="week",
    )
    return [HeatCell(r["week"], *r["cell"], r["n"]) for r in kept if r["n"] is not None]


def _pooled_mean(weeks: list[ScaleWeek]) -> float | None:
    """The mean over several weeks, of the weeks whose total is shown: a week with a count
    held back would come back as the difference of two ranges' means."""
    shown = [(s.total, s.answers) for s in weeks if s.total is not None and s.answers]
    n = sum(answers for _, answers in shown)
    if not n:
        return None
    return round(sum(total for total, _ in shown) / n, 2)
