"""What the web app's Overview shows, read with SQL aggregates and a viewer.

Every function takes the viewer first and returns only what that viewer may
see: an admin, or a lead of the check-in, sees everything; a member sees the
aggregates of a check-in they were asked in, never filtered down to chosen
people, and any group (a week, an answer value, an hour) of fewer than
`viewer.min_group` people is left out. Nothing here imports Streamlit, so the
figures are tested without it (tests/core/test_views.py).

A `Scope` says what to look at: one check-in, a range of whole ISO weeks
(the week of each member's own date, as the weekly report counts them; the
check-in's time zone decides which week is "this" and "last"), and
optionally some members or a channel. The counting rules are the report's
(checkin/reports.py): for a one-week range the figures equal the weekly
report's.

A channel narrows to the members asked by check-ins that name that channel
among their participants: the web app never calls Slack, so a channel's
members are the ones the bot asked through it.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from checkin import reports
from checkin.timing import iso_week, week_bounds, zone
from checkin.viewer import Viewer

DEFAULT_WEEKS = 8
_UNIX_EPOCH_JD_SECONDS = 210_866_760_000  # 1970-01-01 00:00 UTC: Julian day 2440587.5, in s
_ASKED = "('open', 'answered', 'skipped', 'closed')"  # reports.ASKED_STATUSES, as SQL


class Unavailable(Exception):
    """The database cannot be shown; str() is the one line for the page."""


class NotAllowed(reports.ReportError):
    """The viewer may not see what was asked for; str() says so."""


# --- the database itself ----------------------------------------------------------------------


def check_database(path: str | Path) -> None:
    """Raise Unavailable unless `path` is an existing checkin database (or an empty file).

    The web app must not create a database where none is, nor add its tables
    to some other program's SQLite file.
    """
    path = Path(path)
    if not path.exists():
        raise Unavailable(
            f"no database at {path}: set CHECKIN_DB to the bot's database, "
            "or create a demo one with `python -m checkin demo`"
        )
    if path.is_dir():
        raise Unavailable(
            f"{path} is a folder, not a checkin database: point CHECKIN_DB at the file"
        )
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise Unavailable(f"{path} is not a checkin database ({exc})") from None
    if tables and "schema_migrations" not in tables:
        raise Unavailable(
            f"{path} is not a checkin database (it has other tables): point CHECKIN_DB at "
            "the bot's database"
        )


# --- what to look at --------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckinInfo:
    id: int
    name: str
    timezone: str
    participants: tuple[str, ...]
    active: bool


@dataclass(frozen=True)
class Scope:
    """One check-in, ISO weeks `first`..`last` (inclusive), and optionally who."""

    checkin_id: int
    first: str
    last: str
    members: tuple[str, ...] = ()  # empty: everyone
    channel: str | None = None

    def __post_init__(self) -> None:
        if self.first > self.last:
            first, last = self.last, self.first
            object.__setattr__(self, "first", first)
            object.__setattr__(self, "last", last)

    @property
    def weeks(self) -> list[str]:
        return weeks_between(self.first, self.last)

    def with_previous(self) -> Scope:
        """This range and the one before it, as one range."""
        return Scope(self.checkin_id, self.previous().first, self.last, self.members, self.channel)

    def previous(self) -> Scope:
        """The same number of weeks just before this range."""
        count = len(self.weeks)
        monday, _ = week_bounds(self.first)
        return Scope(
            self.checkin_id,
            iso_week(monday - timedelta(days=7 * count)),
            iso_week(monday - timedelta(days=7)),
            self.members,
            self.channel,
        )


def weeks_between(first: str, last: str) -> list[str]:
    """ISO weeks from `first` to `last`, oldest first."""
    monday, _ = week_bounds(first)
    end, _ = week_bounds(last)
    out = []
    while monday <= end:
        out.append(iso_week(monday))
        monday += timedelta(days=7)
    return out


def checkins(conn: sqlite3.Connection, viewer: Viewer) -> list[CheckinInfo]:
    """The check-ins the viewer may look at, active ones first, then by name."""
    rows = conn.execute(
        "SELECT id, name, timezone, participants, active FROM checkins "
        "ORDER BY active DESC, name COLLATE NOCASE"
    ).fetchall()
    out = []
    for r in rows:
        if not _may_see_aggregates(conn, viewer, r["id"]):
            continue
        out.append(
            CheckinInfo(
                id=r["id"],
                name=r["name"],
                timezone=r["timezone"] or "UTC",
                participants=tuple(json.loads(r["participants"] or "[]")),
                active=bool(r["active"]),
            )
        )
    return out


def week_options(
    conn: sqlite3.Connection, viewer: Viewer, checkin_id: int, now: datetime
) -> list[str]:
    """Every ISO week from the check-in's first run to this week (in its time zone)."""
    _require(conn, viewer, checkin_id)
    tz = conn.execute("SELECT timezone FROM checkins WHERE id = ?", (checkin_id,)).fetchone()
    this_week = iso_week(now.astimezone(zone(tz[0] if tz else "UTC")).date())
    first = conn.execute(
        "SELECT MIN(week) FROM runs WHERE checkin_id = ?", (checkin_id,)
    ).fetchone()[0]
    first = min(first or this_week, this_week)
    return weeks_between(first, this_week)


def default_range(weeks: list[str], count: int = DEFAULT_WEEKS) -> tuple[str, str]:
    """The last `count` complete weeks of `weeks` (this week is still running)."""
    if len(weeks) < 2:
        return weeks[0], weeks[-1]
    done = weeks[:-1]
    return done[max(0, len(done) - count)], done[-1]


def members(conn: sqlite3.Connection, viewer: Viewer, checkin_id: int) -> list[tuple[str, str]]:
    """(Slack id, name) of everyone asked in the check-in, by name; empty for a member viewer."""
    if not viewer.may_see_checkin(checkin_id):
        return []
    rows = conn.execute(
        "SELECT m.slack_id, COALESCE(NULLIF(m.real_name, ''), NULLIF(m.name, ''), m.slack_id) "
        "AS member FROM members m WHERE m.slack_id IN "
        "(SELECT DISTINCT member_id FROM runs WHERE checkin_id = ?) ORDER BY member COLLATE NOCASE",
        (checkin_id,),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def channels(conn: sqlite3.Connection, viewer: Viewer, checkin_id: int) -> list[str]:
    """Channels the check-in names among its participants ('#team', 'C0123')."""
    row = conn.execute("SELECT participants FROM checkins WHERE id = ?", (checkin_id,)).fetchone()
    if row is None or not viewer.may_see_checkin(checkin_id):
        return []
    return [p for p in json.loads(row[0] or "[]") if not p.startswith(("U", "W"))]


# --- figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleMean:
    question_id: int
    question: str
    mean: float | None
    previous: float | None
    answers: int

    @property
    def change(self) -> float | None:
        if self.mean is None or self.previous is None:
            return None
        return round(self.mean - self.previous, 2)


@dataclass(frozen=True)
class Headline:
    """The selected weeks' figures, and the same figures for as many weeks just before."""

    weeks: list[str]
    runs_asked: int
    runs_answered: int
    participation: float | None
    previous_participation: float | None
    median_minutes: float | None
    previous_median_minutes: float | None
    scales: list[ScaleMean] = field(default_factory=list)

    @property
    def participation_change(self) -> float | None:
        """In percentage points."""
        if self.participation is None or self.previous_participation is None:
            return None
        return round((self.participation - self.previous_participation) * 100, 1)

    @property
    def median_change(self) -> float | None:
        if self.median_minutes is None or self.previous_median_minutes is None:
            return None
        return round(self.median_minutes - self.previous_median_minutes, 1)


@dataclass(frozen=True)
class ScaleWeek:
    """One scale question in one week: mean, spread (one standard deviation) and counts 1..5."""

    week: str
    question_id: int
    question: str
    mean: float
    spread: float
    answers: int
    counts: tuple[int, int, int, int, int]
    total: float = 0.0  # the sum of the answers, for means over several weeks


@dataclass(frozen=True)
class ChoiceWeek:
    week: str
    question_id: int
    question: str
    option: str
    count: int


@dataclass(frozen=True)
class NumberWeek:
    week: str
    question_id: int
    question: str
    median: float
    low: float
    high: float
    mean: float
    answers: int


@dataclass(frozen=True)
class HeatCell:
    """Answers started in one hour of one weekday of one week, in each member's own time."""

    week: str
    weekday: int  # 0 Monday .. 6 Sunday
    hour: int
    count: int


@dataclass(frozen=True)
class QuestionInfo:
    id: int
    text: str
    kind: str
    labels: list[str] | None
    options: list[str] | None


@dataclass(frozen=True)
class Overview:
    """Everything the Overview page shows for one scope."""

    scope: Scope
    headline: Headline
    participation: list[reports.WeekPoint]
    scale: list[ScaleWeek]
    choice: list[ChoiceWeek]
    number: list[NumberWeek]
    heatmap: list[HeatCell]
    questions: list[QuestionInfo]

    @property
    def empty(self) -> bool:
        return self.headline.runs_asked == 0


def overview(conn: sqlite3.Connection, viewer: Viewer, scope: Scope) -> Overview:
    """All of the Overview's reads for `scope`, in one call (each figure read once)."""
    _require(conn, viewer, scope.checkin_id)
    both = scope.with_previous()
    points = participation_by_week(conn, viewer, both)
    scale = scale_by_week(conn, viewer, both)
    weeks = set(scope.weeks)
    return Overview(
        scope=scope,
        headline=_headline(conn, viewer, scope, points, scale),
        participation=[p for p in points if p.week in weeks],
        scale=[s for s in scale if s.week in weeks],
        choice=choice_by_week(conn, viewer, scope),
        number=number_by_week(conn, viewer, scope),
        heatmap=answer_heatmap(conn, viewer, scope),
        questions=questions(conn, viewer, scope.checkin_id),
    )


def questions(conn: sqlite3.Connection, viewer: Viewer, checkin_id: int) -> list[QuestionInfo]:
    """The check-in's questions (pool questions drawn into it too), in its order."""
    _require(conn, viewer, checkin_id)
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
            labels=json.loads(r["labels"]) if r["labels"] else None,
            options=json.loads(r["options"]) if r["options"] else None,
        )
        for r in rows
    ]


def headline(conn: sqlite3.Connection, viewer: Viewer, scope: Scope) -> Headline:
    """Participation, median time to answer and each scale question's mean, with the change
    from the same number of weeks just before."""
    _require(conn, viewer, scope.checkin_id)
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
    points: list[reports.WeekPoint],
    scale: list[ScaleWeek],
) -> Headline:
    """The headline from the weekly points and scale figures of the range and the one before."""
    now_weeks = set(scope.weeks)

    def share(selected: list[reports.WeekPoint]) -> tuple[int, int, float | None]:
        asked = sum(p.asked for p in selected)
        answered = sum(p.answered for p in selected)
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
        scales.append(
            ScaleMean(
                question_id=q.id,
                question=q.text,
                mean=_pooled_mean(current),
                previous=_pooled_mean(earlier),
                answers=sum(s.answers for s in current),
            )
        )
    return Headline(
        weeks=scope.weeks,
        runs_asked=asked,
        runs_answered=answered,
        participation=participation,
        previous_participation=previous,
        median_minutes=median_minutes(conn, viewer, scope, answered),
        previous_median_minutes=median_minutes(
            conn, viewer, scope.previous(), sum(p.answered for p in points) - answered
        ),
        scales=[s for s in scales if s.answers or s.previous is not None],
    )


def median_minutes(
    conn: sqlite3.Connection, viewer: Viewer, scope: Scope, answered: int | None = None
) -> float | None:
    """The median time from a check-in being sent to its first answer, in minutes (0.1).

    `answered`, the number of answered runs in the scope, saves counting them again.
    """
    _require(conn, viewer, scope.checkin_id)
    where, params = _runs_where(conn, viewer, scope, "r")
    where += " AND r.answer_minutes IS NOT NULL"  # answered; read from runs_answer_minutes
    n, people = answered, None
    if n is None or _restricted(viewer, scope):
        n, people = conn.execute(
            f"SELECT COUNT(*), {_people(viewer, scope, 'r')} FROM runs r WHERE {where}",  # noqa: S608
            params,
        ).fetchone()
    if not n or not _shown(viewer, scope.checkin_id, people):
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
    conn: sqlite3.Connection, viewer: Viewer, scope: Scope
) -> list[reports.WeekPoint]:
    """Check-ins asked, answered and skipped in each week of the range (0 where none).

    A run is answered when it has `answer_minutes` (migration 13: set with its
    first answer that is not a skip), read from the narrow runs_answer_minutes.
    """
    _require(conn, viewer, scope.checkin_id)
    where, params = _runs_where(conn, viewer, scope, "r")
    rows = {
        r["week"]: r
        for r in conn.execute(
            f"""
            SELECT r.week, COUNT(*) AS asked, SUM(r.answer_minutes IS NOT NULL) AS answered,
                   SUM(r.answer_minutes IS NULL
                       AND (r.status = 'skipped' OR r.first_answer_at IS NOT NULL)) AS skipped,
                   {_people(viewer, scope, "r")} AS people
            FROM runs r WHERE {where} GROUP BY r.week
            """,  # noqa: S608 - built from constant fragments
            params,
        )
        if _shown(viewer, scope.checkin_id, r["people"])
    }
    return [
        reports.WeekPoint(
            week=w,
            asked=rows[w]["asked"] if w in rows else 0,
            answered=rows[w]["answered"] if w in rows else 0,
            skipped=rows[w]["skipped"] if w in rows else 0,
        )
        for w in scope.weeks
    ]


def scale_by_week(conn: sqlite3.Connection, viewer: Viewer, scope: Scope) -> list[ScaleWeek]:
    """Each scale question's weekly mean, spread and 1..5 counts, by question then week."""
    _require(conn, viewer, scope.checkin_id)
    where, params = _answers_where(conn, viewer, scope, "a", "scale")
    titles = {q.id: q.text for q in questions(conn, viewer, scope.checkin_id)}
    groups: dict[tuple[int, str], list[tuple[float, int]]] = defaultdict(list)
    scale_only = "AND a.skipped = 0 AND a.number IS NOT NULL"
    for r in conn.execute(
        f"""
        SELECT a.question_id, a.week, a.number, COUNT(*) AS n FROM answers a
        WHERE {where} {scale_only}
        GROUP BY a.question_id, a.week, a.number
        """,  # noqa: S608 - built from constant fragments
        params,
    ):
        groups[(r["question_id"], r["week"])].append((r["number"], r["n"]))
    people: dict[tuple[int, str], int] = {}
    if _restricted(viewer, scope):
        people = {
            (r[0], r[1]): r[2]
            for r in conn.execute(
                f"""
                SELECT a.question_id, a.week, COUNT(DISTINCT a.member_id) FROM answers a
                WHERE {where} {scale_only} GROUP BY a.question_id, a.week
                """,  # noqa: S608 - built from constant fragments
                params,
            )
        }
    out = []
    for (question_id, week), values in sorted(groups.items()):
        if not _shown(viewer, scope.checkin_id, people.get((question_id, week))):
            continue
        n = sum(c for _, c in values)
        mean = sum(v * c for v, c in values) / n
        var = sum(c * (v - mean) ** 2 for v, c in values) / n
        counts = [0] * 5
        for v, c in values:
            if 1 <= v <= 5 and v == int(v):
                counts[int(v) - 1] += c
        out.append(
            ScaleWeek(
                week=week,
                question_id=question_id,
                question=titles.get(question_id, ""),
                mean=round(mean, 2),
                spread=round(var**0.5, 2),
                answers=n,
                counts=tuple(counts),  # type: ignore[arg-type]
                total=sum(v * c for v, c in values),
            )
        )
    return out


def choice_by_week(conn: sqlite3.Connection, viewer: Viewer, scope: Scope) -> list[ChoiceWeek]:
    """How often each option of each choice question was picked, per week."""
    _require(conn, viewer, scope.checkin_id)
    where, params = _answers_where(conn, viewer, scope, "a", "choice")
    qs = {q.id: q for q in questions(conn, viewer, scope.checkin_id) if q.kind == "choice"}
    out = []
    for r in conn.execute(
        f"""
        SELECT a.question_id, a.week, a.choice AS text, COUNT(*) AS n,
               {_people(viewer, scope, "a")} AS people
        FROM answers a
        WHERE {where}
          AND a.skipped = 0 AND a.choice IS NOT NULL
        GROUP BY a.question_id, a.week, a.choice
        """,  # noqa: S608 - built from constant fragments
        params,
    ):
        if not _shown(viewer, scope.checkin_id, r["people"]):
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
    _require(conn, viewer, scope.checkin_id)
    where, params = _answers_where(conn, viewer, scope, "a", "number")
    titles = {q.id: q.text for q in questions(conn, viewer, scope.checkin_id)}
    number_only = "AND a.skipped = 0 AND a.number IS NOT NULL"
    groups: dict[tuple[int, str], list[tuple[float, int]]] = defaultdict(list)
    for r in conn.execute(
        f"""
        SELECT a.question_id, a.week, a.number, COUNT(*) AS n FROM answers a
        WHERE {where} {number_only}
        GROUP BY a.question_id, a.week, a.number
        """,  # noqa: S608 - built from constant fragments
        params,
    ):
        groups[(r["question_id"], r["week"])].append((r["number"], r["n"]))
    people: dict[tuple[int, str], int] = {}
    if _restricted(viewer, scope):
        people = {
            (r[0], r[1]): r[2]
            for r in conn.execute(
                f"""
                SELECT a.question_id, a.week, COUNT(DISTINCT a.member_id) FROM answers a
                WHERE {where} {number_only} GROUP BY a.question_id, a.week
                """,  # noqa: S608 - built from constant fragments
                params,
            )
        }
    out = []
    for (question_id, week), values in sorted(groups.items()):
        if not _shown(viewer, scope.checkin_id, people.get((question_id, week))):
            continue
        n = sum(c for _, c in values)
        out.append(
            NumberWeek(
                week=week,
                question_id=question_id,
                question=titles.get(question_id, ""),
                median=_median_of_counts(values),
                low=values[0][0],
                high=values[-1][0],
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


def answer_heatmap(conn: sqlite3.Connection, viewer: Viewer, scope: Scope) -> list[HeatCell]:
    """When check-ins were first answered: per week, weekday and hour of each member's own clock.

    SQLite groups by member time zone and UTC quarter hour (counted in Julian
    days x 96); the quarter hours are then moved into each zone (offsets of :30
    and :45 exist), so the rows read stay few however many answers there are.
    Runs keep both (`member_tz`, `answered_quarter`, migration 13) in an index
    in this order, so the grouping reads it straight through, with no join.
    """
    _require(conn, viewer, scope.checkin_id)
    where, params = _runs_where(conn, viewer, scope, "r")
    cells: dict[tuple[str, int, int], int] = defaultdict(int)
    people: dict[tuple[str, int, int], int] = defaultdict(int)
    restricted = _restricted(viewer, scope)
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
    return [
        HeatCell(week, weekday, hour, n)
        for (week, weekday, hour), n in sorted(cells.items())
        if not restricted or people[(week, weekday, hour)] >= viewer.min_group
    ]


# --- the weekly summary ---------------------------------------------------------------------------


def weekly_report(
    conn: sqlite3.Connection,
    viewer: Viewer,
    checkin_id: int,
    week: str,
    now: datetime,
) -> reports.Report:
    """The weekly report model, as Slack and `python -m checkin report` show it.

    Everyone asked in the check-in gets the summary its Slack post shows them;
    anyone else is refused.
    """
    _require(conn, viewer, checkin_id)
    row = conn.execute("SELECT * FROM checkins WHERE id = ?", (checkin_id,)).fetchone()
    if row is None:
        raise reports.ReportError(f"no check-in with id {checkin_id}")
    return reports.build_report(conn, row, week, now)


# --- who may see what -------------------------------------------------------------------------------


def _may_see_aggregates(conn: sqlite3.Connection, viewer: Viewer, checkin_id: int) -> bool:
    if viewer.may_see_checkin(checkin_id):
        return True
    return viewer.slack_id is not None and reports.was_asked(conn, checkin_id, viewer.slack_id)


def _require(conn: sqlite3.Connection, viewer: Viewer, checkin_id: int) -> None:
    if not _may_see_aggregates(conn, viewer, checkin_id):
        raise NotAllowed("you may see only the check-ins you are asked in")


def _restricted(viewer: Viewer, scope: Scope) -> bool:
    return not viewer.may_see_checkin(scope.checkin_id)


def _people(viewer: Viewer, scope: Scope, alias: str) -> str:
    """SQL for the number of people in a group, counted only when the viewer needs it hidden."""
    return f"COUNT(DISTINCT {alias}.member_id)" if _restricted(viewer, scope) else "NULL"


def _shown(viewer: Viewer, checkin_id: int, people: int | None) -> bool:
    return viewer.may_see_checkin(checkin_id) or (people or 0) >= viewer.min_group


def _who(conn: sqlite3.Connection, viewer: Viewer, scope: Scope) -> list[str] | None:
    """The member ids the scope narrows to, or None for everyone."""
    if _restricted(viewer, scope):
        return None  # a member sees the whole check-in's aggregates, never chosen people
    if scope.members:
        return list(scope.members)
    if scope.channel:
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM checkins WHERE EXISTS "
                "(SELECT 1 FROM json_each(checkins.participants) WHERE value = ?)",
                (scope.channel,),
            )
        ]
        marks = ",".join("?" * len(ids)) or "NULL"
        return [
            r[0]
            for r in conn.execute(
                f"SELECT DISTINCT member_id FROM runs WHERE checkin_id IN ({marks})",  # noqa: S608
                ids,
            )
        ]
    return None


def _runs_where(
    conn: sqlite3.Connection, viewer: Viewer, scope: Scope, alias: str
) -> tuple[str, dict]:
    weeks = scope.weeks  # listed, not ranged: SQLite seeks to each (check-in, week, status)
    params: dict = {"checkin": scope.checkin_id, "first": scope.first, "last": scope.last}
    params.update({f"w{i}": w for i, w in enumerate(weeks)})
    week_marks = ", ".join(f":w{i}" for i in range(len(weeks)))
    where = (
        f"{alias}.checkin_id = :checkin AND {alias}.week IN ({week_marks}) "
        f"AND {alias}.status IN {_ASKED}"
    )
    who = _who(conn, viewer, scope)
    if who is not None:
        params["members"] = json.dumps(who)
        where += f" AND {alias}.member_id IN (SELECT value FROM json_each(:members))"  # noqa: S608
    return where, params


def _answers_where(
    conn: sqlite3.Connection, viewer: Viewer, scope: Scope, alias: str, kind: str
) -> tuple[str, dict]:
    """The answers to the check-in's questions of `kind` in the scope's weeks.

    Weeks and question ids are listed, not ranged, so SQLite seeks straight to each
    (check-in, week, question) in answers_by_week instead of reading every answer.
    """
    weeks = scope.weeks
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM questions WHERE checkin_id = ? AND kind = ?", (scope.checkin_id, kind)
        )
    ]
    params: dict = {"checkin": scope.checkin_id}
    params.update({f"w{i}": w for i, w in enumerate(weeks)})
    params.update({f"q{i}": q for i, q in enumerate(ids)})
    week_marks = ", ".join(f":w{i}" for i in range(len(weeks)))
    question_marks = ", ".join(f":q{i}" for i in range(len(ids))) or "NULL"
    where = (
        f"{alias}.checkin_id = :checkin AND {alias}.week IN ({week_marks}) "
        f"AND {alias}.question_id IN ({question_marks})"
    )
    who = _who(conn, viewer, scope)
    if who is not None:
        params["members"] = json.dumps(who)
        where += f" AND {alias}.member_id IN (SELECT value FROM json_each(:members))"  # noqa: S608
    return where, params


def _pooled_mean(weeks: list[ScaleWeek]) -> float | None:
    n = sum(s.answers for s in weeks)
    if not n:
        return None
    return round(sum(s.total for s in weeks) / n, 2)
