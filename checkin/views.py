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

import dataclasses
import io
import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from checkin import reports, suppression
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
    counts: tuple[int | None, ...]  # 1..5; None: fewer people than a member may see
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
    low: float | None  # None for a member: the lowest and highest are one person's answers
    high: float | None
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
    shown = [p.week for p in points if p.asked]  # a member's held-back weeks have none
    return Headline(
        weeks=scope.weeks,
        runs_asked=asked,
        runs_answered=answered,
        participation=participation,
        previous_participation=previous,
        median_minutes=median_minutes(conn, viewer, scope, answered, shown_weeks=shown),
        previous_median_minutes=median_minutes(
            conn,
            viewer,
            scope.previous(),
            sum(p.answered for p in points) - answered,
            shown_weeks=shown,
        ),  # fmt: skip
        scales=[s for s in scales if s.answers or s.previous is not None],
    )


def median_minutes(
    conn: sqlite3.Connection,
    viewer: Viewer,
    scope: Scope,
    answered: int | None = None,
    *,
    shown_weeks: list[str] | None = None,
) -> float | None:
    """The median time from a check-in being sent to its first answer, in minutes (0.1).

    `answered`, the number of answered runs in the scope, saves counting them again;
    `shown_weeks`, the weeks of `participation_by_week` with figures, saves finding
    which weeks a member sees.
    """
    _require(conn, viewer, scope.checkin_id)
    where, params = _runs_where(conn, viewer, scope, "r")
    where += " AND r.answer_minutes IS NOT NULL"  # answered; read from runs_answer_minutes
    restricted = _restricted(viewer, scope)
    if restricted and shown_weeks is not None:
        # only the weeks a member sees: a range with and without a held-back week must
        # not differ by that week's answers; each shown week has enough people
        where += " AND r.week IN (SELECT value FROM json_each(:shown))"
        params["shown"] = json.dumps(sorted(shown_weeks))
    elif restricted:
        where += (
            " AND r.week IN (SELECT w.week FROM runs w"
            " WHERE w.checkin_id = :checkin AND w.week BETWEEN :first AND :last"
            " AND w.status IN ('open', 'answered', 'skipped', 'closed') AND w.answered_at IS NOT NULL"  # _ASKED
            " GROUP BY w.week HAVING COUNT(DISTINCT w.member_id) >= :least)"
        )
        params["least"] = viewer.min_group
    n, people = answered, None
    if restricted and shown_weeks is not None and n is not None:
        people = viewer.min_group if n else 0
    elif n is None or restricted:
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

    A run is answered when it has `answer_minutes` (migration 14: set with its
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
                   {_answerers(viewer, scope, "r")} AS people
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
    if _restricted(viewer, scope):
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
    _require(conn, viewer, scope.checkin_id)
    where, params = _answers_where(conn, viewer, scope, "a", "scale")
    titles = {q.id: q.text for q in questions(conn, viewer, scope.checkin_id)}
    scale_only = "AND a.skipped = 0 AND a.number IS NOT NULL"
    groups, people = _values_by_week(conn, viewer, scope, f"{where} {scale_only}", params)
    hidden = _hidden_scale_values(conn, viewer, scope, where, params) if people else {}
    out = []
    for (question_id, week), values in sorted(groups.items()):
        if not _shown(viewer, scope.checkin_id, people.get((question_id, week))):
            continue
        n = sum(c for _, c in values)
        mean = sum(v * c for v, c in values) / n
        var = sum(c * (v - mean) ** 2 for v, c in values) / n
        counts: list[int | None] = [0] * 5
        for v, c in values:
            if 1 <= v <= 5 and v == int(v):
                counts[int(v) - 1] += c  # type: ignore[operator]
        for v in hidden.get((question_id, week), ()):
            counts[v - 1] = None
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
    rows = conn.execute(
        f"""
        SELECT a.question_id, a.week, a.choice AS text, COUNT(*) AS n,
               {_people(viewer, scope, "a")} AS people
        FROM answers a
        WHERE {where}
          AND a.skipped = 0 AND a.choice IS NOT NULL
        GROUP BY a.question_id, a.week, a.choice
        """,  # noqa: S608 - built from constant fragments
        params,
    ).fetchall()
    if _restricted(viewer, scope):
        # an option few picked is held back with the next-smallest of its question and week
        rows = suppression.rows_for(
            viewer, scope.checkin_id, [dict(r) for r in rows], group="text", people="people",
            values=["n"], within=("question_id", "week"),
        )  # fmt: skip
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
    _require(conn, viewer, scope.checkin_id)
    where, params = _answers_where(conn, viewer, scope, "a", "number")
    titles = {q.id: q.text for q in questions(conn, viewer, scope.checkin_id)}
    number_only = "AND a.skipped = 0 AND a.number IS NOT NULL"
    groups, people = _values_by_week(conn, viewer, scope, f"{where} {number_only}", params)
    hide_range = _restricted(viewer, scope)
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


def answer_heatmap(conn: sqlite3.Connection, viewer: Viewer, scope: Scope) -> list[HeatCell]:
    """When check-ins were first answered: per week, weekday and hour of each member's own clock.

    SQLite groups by member time zone and UTC quarter hour (counted in Julian
    days x 96); the quarter hours are then moved into each zone (offsets of :30
    and :45 exist), so the rows read stay few however many answers there are.
    Runs keep both (`member_tz`, `answered_quarter`, migration 14) in an index
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
    if not restricted:
        return [HeatCell(w, d, h, n) for (w, d, h), n in sorted(cells.items())]
    kept = suppression.rows_for(
        viewer, scope.checkin_id,
        [{"week": w, "cell": (d, h), "n": n, "people": people[(w, d, h)]}
         for (w, d, h), n in sorted(cells.items())],
        group="cell", people="people", values=["n"], within="week",
    )  # fmt: skip
    return [HeatCell(r["week"], *r["cell"], r["n"]) for r in kept if r["n"] is not None]


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
    report = reports.build_report(conn, row, week, now)
    if viewer.suppresses(checkin_id):
        return _member_report(conn, viewer, report)
    return report


def report_csv(conn: sqlite3.Connection, viewer: Viewer, checkin_id: int, week: str) -> str:
    """The week's answers, one row each, as `checkin report --format csv` writes them:
    every answer for an admin or the check-in's lead, a member's own answers for them."""
    from checkin import report_formats  # the renderings: only for a download, not for charts

    _require(conn, viewer, checkin_id)
    rows = reports.answer_rows(conn, checkin_id, week)
    if not viewer.may_see_checkin(checkin_id):
        rows = (r for r in rows if r["member_id"] == viewer.slack_id)
    buffer = io.StringIO(newline="")
    report_formats.write_csv(rows, buffer)
    return buffer.getvalue()


def report_file(
    conn: sqlite3.Connection, viewer: Viewer, checkin_id: int, week: str, fmt: str, now: datetime
) -> bytes:
    """The weekly summary as a download (md, csv, json, png), with what the viewer may see."""
    from checkin import report_formats  # the renderings: only for a download, not for charts

    if fmt == "csv":
        return report_csv(conn, viewer, checkin_id, week).encode("utf-8")
    return report_formats.render(weekly_report(conn, viewer, checkin_id, week, now), fmt)


def _member_report(
    conn: sqlite3.Connection, viewer: Viewer, report: reports.Report
) -> reports.Report:
    """The weekly report as a member may see it: their own words only, no names of who
    did not answer, and every figure of fewer than `viewer.min_group` people held back
    (an option or a 1..5 value with the next-smallest of its question, as
    `checkin.suppression` says). A week fewer people answered is refused whole."""
    least = viewer.min_group
    weeks = [p.week for p in report.trend] or [report.week]
    marks = ", ".join("?" for _ in weeks)
    answerers = dict(
        conn.execute(
            "SELECT week, COUNT(DISTINCT member_id) FROM runs "  # noqa: S608
            f"WHERE checkin_id = ? AND week IN ({marks}) AND answered_at IS NOT NULL "
            "GROUP BY week",
            [report.checkin_id, *weeks],
        ).fetchall()
    )
    if answerers.get(report.week, 0) < least:
        raise NotAllowed(
            f"Fewer than {least} people answered in week {report.week}, so its summary is "
            "shown only to admins and the check-in's leads. Your own answers are on the "
            "Answers page."
        )
    people: dict[tuple[str, int], int] = {}
    values: dict[tuple[str, int], dict[object, int]] = defaultdict(dict)
    shown_kinds = [q for q in report.questions if q.kind in ("scale", "choice")]
    question_marks = ", ".join("?" for _ in shown_kinds) or "NULL"
    for r in conn.execute(
        "SELECT a.question_id, CASE q.kind WHEN 'choice' THEN a.text ELSE a.number END AS value, "  # noqa: S608
        "COUNT(DISTINCT a.member_id) AS people FROM answers a "
        "JOIN questions q ON q.id = a.question_id "
        f"WHERE a.checkin_id = ? AND a.week = ? AND a.question_id IN ({question_marks}) "
        "AND a.skipped = 0 GROUP BY a.question_id, value",
        [report.checkin_id, report.week, *(q.question_id for q in shown_kinds)],
    ):
        values[(report.week, r["question_id"])][r["value"]] = r["people"]
    previous = weeks[-2] if len(weeks) > 1 else None
    # every question in this week and the one before; scale questions (the trend) in all
    scales = [q.question_id for q in report.questions if q.kind == "scale"]
    for these_weeks, these_questions in (
        ([w for w in (report.week, previous) if w], [q.question_id for q in report.questions]),
        ([w for w in weeks if w not in (report.week, previous)], scales),
    ):
        if not these_weeks or not these_questions:
            continue
        week_marks = ", ".join("?" for _ in these_weeks)
        question_marks = ", ".join("?" for _ in these_questions)
        for r in conn.execute(
            "SELECT a.week, a.question_id, COUNT(DISTINCT a.member_id) FROM answers a "  # noqa: S608
            f"WHERE a.checkin_id = ? AND a.week IN ({week_marks}) "
            f"AND a.question_id IN ({question_marks}) AND a.skipped = 0 "
            "GROUP BY a.week, a.question_id",
            [report.checkin_id, *these_weeks, *these_questions],
        ):
            people[(r[0], r[1])] = r[2]

    def enough(week: str | None, question_id: int) -> bool:
        return week is not None and people.get((week, question_id), 0) >= least

    questions_out = []
    for q in report.questions:
        if q.kind == "text":
            questions_out.append(q)
            continue
        if not enough(report.week, q.question_id):
            questions_out.append(
                dataclasses.replace(
                    q,
                    mean=None,
                    previous_mean=None,
                    mean_change=None,
                    distribution=None,
                    counts=None,
                    median=None,
                    min=None,
                    max=None,
                )  # fmt: skip
            )
            continue
        groups = values.get((report.week, q.question_id), {})
        hidden = suppression.suppress_groups(groups, least).suppressed
        changes: dict = {}
        if q.kind == "choice" and q.counts is not None:
            changes["counts"] = {k: v for k, v in q.counts.items() if k not in hidden}
        if q.kind == "scale" and q.distribution is not None:
            changes["distribution"] = [
                None if float(i + 1) in hidden else n for i, n in enumerate(q.distribution)
            ]
        if q.kind == "number":
            changes.update(min=None, max=None)  # the lowest and highest are one person's
        if q.kind == "scale" and not enough(previous, q.question_id):
            changes.update(previous_mean=None, mean_change=None)
        questions_out.append(dataclasses.replace(q, **changes))
    h = report.headline
    if answerers.get(previous, 0) < least:
        h = dataclasses.replace(h, previous_participation=None, participation_change=None)
    return dataclasses.replace(
        report,
        headline=h,
        questions=questions_out,
        text_answers=[a for a in report.text_answers if a.member_id == viewer.slack_id],
        missing_members=None,
        trend=[
            p if answerers.get(p.week, 0) >= least else reports.WeekPoint(p.week, 0, 0, 0)
            for p in report.trend
        ],
        scale_trend=[s for s in report.scale_trend if enough(s.week, s.question_id)],
    )


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


def _answerers(viewer: Viewer, scope: Scope, alias: str) -> str:
    """SQL for the number of people who answered in a group of runs, when the viewer needs it."""
    if not _restricted(viewer, scope):
        return "NULL"
    return f"COUNT(DISTINCT CASE WHEN {alias}.answered_at IS NOT NULL THEN {alias}.member_id END)"


def _hidden_scale_values(
    conn: sqlite3.Connection, viewer: Viewer, scope: Scope, where: str, params: dict
) -> dict[tuple[int, str], frozenset[int]]:
    """The 1..5 values of each scale question and week too few people gave to show a member,
    held back with the next-smallest (`checkin.suppression`)."""
    groups: dict[tuple[int, str], dict[int, int]] = defaultdict(dict)
    for r in conn.execute(
        f"""
        SELECT a.question_id, a.week, CAST(a.number AS INTEGER), COUNT(DISTINCT a.member_id)
        FROM answers a WHERE {where} AND a.skipped = 0 AND a.number IS NOT NULL
          AND a.number IN (1, 2, 3, 4, 5)
        GROUP BY a.question_id, a.week, a.number
        """,  # noqa: S608 - built from constant fragments
        params,
    ):
        groups[(r[0], r[1])][r[2]] = r[3]
    out = {}
    for key, sizes in groups.items():
        hidden = suppression.suppress_groups(sizes, viewer.min_group).suppressed
        if hidden:
            out[key] = frozenset(hidden)
    return out


def _people(viewer: Viewer, scope: Scope, alias: str) -> str:
    """SQL for the number of people in a group, counted only when the viewer needs it hidden."""
    return f"COUNT(DISTINCT {alias}.member_id)" if _restricted(viewer, scope) else "NULL"


def _shown(viewer: Viewer, checkin_id: int, people: int | None) -> bool:
    return viewer.may_see_checkin(checkin_id) or (people or 0) >= viewer.min_group


def _who(conn: sqlite3.Connection, viewer: Viewer, scope: Scope) -> list[str] | None:
    """The member ids the scope narrows to, or None for everyone."""
    if _restricted(viewer, scope):
        problem = suppression.filter_problem(
            viewer, scope.checkin_id, {"members": scope.members, "channel": scope.channel},
            whole_weeks=True,  # a Scope is whole ISO weeks
        )  # fmt: skip
        if problem:
            raise NotAllowed(problem[0].upper() + problem[1:])
        return None
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
