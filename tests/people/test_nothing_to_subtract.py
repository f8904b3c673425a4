"""A member who does arithmetic on everything their reads return learns no held-back figure.

The attacker is a member of a private check-in. They read the Overview for every
week range they may choose (each (first, last) pair of `week_options`), the
chart's datasets, and the weekly summary of every week with its Markdown, CSV
and JSON downloads; they know their own answers. A figure is held back when the
reads never state it: a 1-5 count of a scale question in a week, an option's
count of a choice question, a heatmap cell, a number question's week.

The test proves each held-back figure has at least two values consistent with
everything returned: it builds the true database, then databases that differ
only in other members' answers of one week (an answer moved from one held-back
value, option or hour to another; a number changed, answered or skipped), and
looks for one whose every read returns exactly what the true one did while the
held-back figure differs. Comparing whole reads rather than solving equations
covers every published total, mean, spread, median, answer count and range at
once: if some combination of them pinned the figure, no such database would exist.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkin.answers import record, runs
from checkin.checkins import model
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.checkins.timing import MemberClock, Schedule, run_for
from checkin.clock import FakeClock
from checkin.db.connection import connect
from checkin.errors import NotAllowed
from checkin.overview import figures
from checkin.overview.charts import overview_chart
from checkin.overview.scope import Scope, week_options
from checkin.people.members import upsert_member
from checkin.people.viewer import Viewer
from checkin.reports import for_viewer
from checkin.weeks import iso_week

MONDAYS = (date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16))  # 2026-W45..W47
DAYS = (0, 3)  # Monday and Thursday
HOURS = (9, 10, 11)
OPTIONS = ("office", "home", "travelling")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Monday of W48
ATTACKER = "U01"

TOML = """
[[checkin]]
name = "mood"
days = ["mon", "thu"]
time = "09:00"
timezone = "UTC"
participants = [{participants}]

[[checkin.question]]
text = "How are you feeling?"
kind = "scale"
labels = ["awful", "bad", "okay", "good", "great"]

[[checkin.question]]
text = "Where are you working from?"
kind = "choice"
options = ["office", "home", "travelling"]

[[checkin.question]]
text = "How many hours of focus time did you get?"
kind = "number"
"""


@dataclasses.dataclass(frozen=True)
class Answer:
    """One answered run: when it was first answered and its three answers (None: skipped)."""

    day: int  # weekday the answers came in, on or after the run's day
    hour: int
    scale: int | None
    choice: str | None
    number: int | None


# (member, week index, run weekday) -> the run's answers, or None: asked, not answered
World = dict[tuple[str, int, int], Answer | None]


_TEMPLATE: dict[str, bytes] = {}


def build(path: Path, world: World) -> sqlite3.Connection:
    """The world's database, written through the ordinary write functions (on a copy of
    a freshly migrated file, made once)."""
    if "db" not in _TEMPLATE:
        template = path.with_name("template.db")
        connect(template).close()
        _TEMPLATE["db"] = template.read_bytes()
    path.write_bytes(_TEMPLATE["db"])
    conn = connect(path)
    clock = FakeClock(datetime(2026, 10, 1, tzinfo=UTC))
    people = sorted({m for m, _, _ in world})
    listed = ", ".join(f'"{m}"' for m in people)
    import_definitions(conn, parse_toml(TOML.format(participants=listed)), clock=clock)
    checkin = model.get_checkin(conn, "mood")
    schedule = Schedule.of(checkin)
    qids = [q["id"] for q in model.active_questions(conn, checkin["id"])]
    for m in people:
        upsert_member(conn, m, name=m.lower(), real_name=m, tz="UTC", clock=clock)
    for (member, week, day), answer in sorted(world.items()):
        due = run_for(schedule, MemberClock(member, "UTC"), MONDAYS[week] + timedelta(days=day))
        assert due is not None
        clock.set(due.due_at)
        run_id = runs.create_run(conn, checkin["id"], due, qids, status="sending", clock=clock)
        runs.set_run_status(conn, run_id, "open", sent_at=due.due_at, clock=clock)
        if answer is None:
            runs.set_run_status(conn, run_id, "closed", clock=clock)
            continue
        clock.set(datetime.combine(MONDAYS[week], datetime.min.time(), UTC)
                  + timedelta(days=answer.day, hours=answer.hour, minutes=5))  # fmt: skip
        scale_q, choice_q, number_q = qids
        if answer.scale is None:
            record.record_answer(conn, run_id, scale_q, skipped=True, clock=clock)
        else:
            label = ("awful", "bad", "okay", "good", "great")[answer.scale - 1]
            record.record_answer(conn, run_id, scale_q, text=label, number=float(answer.scale),
                                 clock=clock)  # fmt: skip
        clock.advance(seconds=10)
        if answer.choice is None:
            record.record_answer(conn, run_id, choice_q, skipped=True, clock=clock)
        else:
            record.record_answer(conn, run_id, choice_q, text=answer.choice, clock=clock)
        clock.advance(seconds=10)
        if answer.number is None:
            record.record_answer(conn, run_id, number_q, skipped=True, clock=clock)
        else:
            record.record_answer(conn, run_id, number_q, text=str(answer.number),
                                 number=float(answer.number), clock=clock)  # fmt: skip
    return conn


def plain(value: object) -> object:
    """Dataclasses as dicts, recursively, so two reads compare by value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


@dataclasses.dataclass
class Reads:
    """Everything a member's reads return, and what they state outright."""

    everything: list
    overviews: list  # one per week range
    reports: dict  # week -> Report, for the weeks the member may see


def read_everything(conn: sqlite3.Connection, viewer: Viewer) -> Reads:
    checkin_id = model.get_checkin(conn, "mood")["id"]
    weeks = week_options(conn, viewer, checkin_id, NOW)
    everything: list = [weeks]
    overviews = []
    for i, first in enumerate(weeks):
        for last in weeks[i:]:
            o = figures.overview(conn, viewer, Scope(checkin_id, first, last))
            overviews.append(o)
            everything.append(plain(o))
    reports = {}
    for week in weeks:
        try:
            reports[week] = for_viewer.weekly_report(conn, viewer, checkin_id, week, NOW)
        except NotAllowed as refused:
            everything.append(str(refused))
            continue
        everything.append(plain(reports[week]))
        for fmt in ("md", "csv", "json"):
            everything.append(for_viewer.report_file(conn, viewer, checkin_id, week, fmt, NOW))
    return Reads(everything, overviews, reports)


def chart_data(reads: Reads) -> list:
    """The datasets each range's chart sends to the browser."""
    return [overview_chart(o).to_dict().get("datasets") for o in reads.overviews]


# --- what the reads state outright, and the true figures -----------------------------------


def week_of(index: int) -> str:
    return iso_week(MONDAYS[index])


def true_figures(world: World) -> dict[tuple, object]:
    """Every figure the test guards, as the database holds it: 1-5 counts, option counts,
    heatmap cells (week, weekday, hour) and each number week's answers (count and sum)."""
    out: Counter = Counter()
    numbers: dict[str, list[int]] = {}
    for (_, week, _), a in world.items():
        w = week_of(week)
        for v in range(1, 6):
            out[("scale", w, v)] += 0
        for o in OPTIONS:
            out[("choice", w, o)] += 0
        for d in DAYS:
            for h in HOURS:
                out[("heat", w, d, h)] += 0
        numbers.setdefault(w, [])
        if a is None:
            continue
        if a.scale is not None:
            out[("scale", w, a.scale)] += 1
        if a.choice is not None:
            out[("choice", w, a.choice)] += 1
        if a.number is not None:
            numbers[w].append(a.number)
        if (a.scale, a.choice, a.number) != (None, None, None):
            out[("heat", w, a.day, a.hour)] += 1
    figures_ = dict(out)
    for w, values in numbers.items():
        figures_[("number", w)] = (len(values), sum(values))
    return figures_


def stated(reads: Reads) -> set[tuple]:
    """The figures some read states outright (a count shown, a number week's figures)."""
    shown: set[tuple] = set()
    for o in reads.overviews:
        for s in o.scale:
            shown |= {("scale", s.week, v + 1) for v, c in enumerate(s.counts) if c is not None}
        shown |= {("choice", c.week, c.option) for c in o.choice}
        shown |= {("heat", h.week, h.weekday, h.hour) for h in o.heatmap}
        shown |= {("number", n.week) for n in o.number}
    for week, report in reads.reports.items():
        for q in report.questions:
            if q.kind == "scale" and q.distribution is not None:
                shown |= {
                    ("scale", week, v + 1) for v, c in enumerate(q.distribution) if c is not None
                }
            if q.kind == "choice" and q.counts is not None:
                shown |= {("choice", week, o) for o in q.counts}
            if q.kind == "number" and q.median is not None:
                shown.add(("number", week))
    return shown


def held_back(world: World, reads: Reads) -> set[tuple]:
    """Figures no read states. An empty one only where another member's answer of that
    kind and week is held back too (it could have been there instead); a number week
    only when someone answered it."""
    shown = stated(reads)
    true = true_figures(world)
    out = {k for k, v in true.items() if k not in shown and (v if k[0] != "number" else v[0])}
    movable = {k[:2] for k in out if k[0] != "number" and others_in(world, k)}
    out |= {k for k, v in true.items() if k not in shown and not v and k[:2] in movable}
    return out


def guarded(world: World, hidden: set[tuple]) -> set[tuple]:
    """The held-back figures that need a second solution: those of a kind and week where
    another member's answer is held back (the attacker knows their own answers; the
    other worlds move other members' answers; an hour only the attacker answered in is
    theirs alone). An empty heatmap hour is not held back
    (an hour nobody answered in is not listed either), only a place to move to."""
    true = true_figures(world)
    theirs = {k[:2] for k in hidden if k[0] != "number" and others_in(world, k)}
    theirs |= {
        ("number", week_of(week))
        for (member, week, _), a in world.items()
        if member != ATTACKER and a is not None and (a.scale, a.choice) != (None, None)
    }
    return {
        k
        for k in hidden
        if k[:2] in theirs and (k[0] != "heat" or (true[k] and others_in(world, k)))
    }


def others_in(world: World, key: tuple) -> bool:
    """Whether a member other than the attacker gave an answer counted in `key`."""
    kind, w = key[0], key[1]
    for (member, week, _), a in world.items():
        if member == ATTACKER or a is None or week_of(week) != w:
            continue
        if (kind == "scale" and key[2] == a.scale) or (kind == "choice" and key[2] == a.choice):
            return True
        if kind == "heat" and key[2:] == (a.day, a.hour):
            return True
    return False


# --- other worlds ------------------------------------------------------------------------------


def alternatives(world: World, hidden: set[tuple]) -> Iterator[World]:
    """Worlds that differ from `world` in one other member's answer, moved between figures
    that are held back (or, for a number, changed, answered or skipped)."""
    hidden_weeks = {k[1] for k in hidden}
    for key, a in sorted(world.items(), key=lambda kv: kv[0]):
        member, week, day = key
        w = week_of(week)
        if member == ATTACKER or a is None or w not in hidden_weeks:
            continue

        def moved(**changes: object) -> World:
            return {**world, key: dataclasses.replace(a, **changes)}  # type: ignore[arg-type]  # noqa: B023

        if a.scale is not None and ("scale", w, a.scale) in hidden:
            for v in range(1, 6):
                if v != a.scale and ("scale", w, v) in hidden:
                    yield moved(scale=v)
        if a.choice is not None and ("choice", w, a.choice) in hidden:
            for o in OPTIONS:
                if o != a.choice and ("choice", w, o) in hidden:
                    yield moved(choice=o)
        if ("heat", w, a.day, a.hour) in hidden:
            for d in DAYS:
                for h in HOURS:
                    cell = ("heat", w, d, h)
                    if d >= day and (d, h) != (a.day, a.hour) and cell in hidden:
                        yield moved(day=d, hour=h)
        if ("number", w) in hidden:
            if a.number is not None:
                for v in (a.number - 1, a.number + 1):
                    if v >= 0:
                        yield moved(number=v)
                if (a.scale, a.choice) != (None, None):
                    yield moved(number=None)
            else:
                yield moved(number=1)


def differs(key: tuple, a: dict, b: dict) -> bool:
    if key[0] == "number":
        x, y = a.get(key, (0, 0)), b.get(key, (0, 0))
        return x != y
    return a.get(key, 0) != b.get(key, 0)


def unknowns_left(world: World, path: Path, *, charts: bool = False) -> dict[str, object]:
    """The held-back figures that no other world explains, with their true values.

    With `charts`, a world explains a figure only if every range's chart sends the
    browser the same datasets too (slow: a chart is built per range)."""
    attacker = Viewer(role="member", slack_id=ATTACKER)
    conn = build(path / "truth.db", world)
    truth = read_everything(conn, attacker)
    conn.close()
    hidden = held_back(world, truth)
    true = true_figures(world)
    # a number week's count and its sum are two figures: each needs a world that changes it
    wanted = {
        (k, part)
        for k in guarded(world, hidden)
        for part in ((0, 1) if k[0] == "number" else (None,))
    }
    truth_charts = None
    for i, other in enumerate(alternatives(world, hidden)):
        if not wanted:
            break
        theirs = true_figures(other)
        changes = {
            (k, part)
            for k, part in wanted
            if (theirs.get(k) != true.get(k) if part is None else
                theirs.get(k, (0, 0))[part] != true.get(k, (0, 0))[part])  # type: ignore[index]
        }  # fmt: skip
        if not changes:
            continue
        conn = build(path / f"other{i}.db", other)
        reads = read_everything(conn, attacker)
        conn.close()
        if reads.everything != truth.everything:
            continue
        if charts:
            if truth_charts is None:
                truth_charts = chart_data(truth)
            if chart_data(reads) != truth_charts:
                continue
        wanted -= changes
    return {f"{k} ({'count' if part == 0 else 'sum'})" if part is not None else str(k):
            true.get(k) for k, part in sorted(wanted, key=repr)}  # fmt: skip


answers = st.builds(
    Answer,
    day=st.just(0),
    hour=st.sampled_from(HOURS),
    scale=st.one_of(st.integers(1, 5), st.none()),
    choice=st.one_of(st.sampled_from(OPTIONS), st.none()),
    number=st.one_of(st.integers(0, 4), st.none()),
)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    people = [f"U0{i}" for i in range(1, draw(st.integers(3, 6)) + 1)]
    weeks = draw(st.integers(1, len(MONDAYS)))
    world: World = {}
    for m in people:
        for week in range(weeks):
            for day in DAYS:
                if not draw(st.booleans()) and day:
                    continue  # not every member is asked on Thursdays
                a = draw(st.one_of(st.none(), answers, answers, answers))
                if a is not None:
                    a = dataclasses.replace(
                        a, day=draw(st.sampled_from([d for d in DAYS if d >= day]))
                    )
                world[(m, week, day)] = a
    return world


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds())
def test_every_figure_held_back_from_a_member_has_two_solutions(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("world")
    assert unknowns_left(world, path) == {}


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds())
def test_the_charts_data_holds_nothing_more_than_the_overview(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("world")
    assert unknowns_left(world, path, charts=True) == {}
