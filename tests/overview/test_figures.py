"""The Overview's reads without Streamlit: the report's figures, filters, viewers, bad files."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from checkin import errors
from checkin.db import check
from checkin.overview import figures
from checkin.overview.scope import Scope, channels, checkins, default_range, members, week_options
from checkin.people.viewer import OPERATOR, Viewer
from checkin.reports import build, for_viewer, model
from checkin.weeks import weeks_between
from tests.reports.test_reports_data import build_golden

WEEK = "2026-W44"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def golden(conn, clock):  # noqa: ANN001, ANN201
    return build_golden(conn, clock)


@pytest.fixture
def report(conn, golden) -> model.Report:  # noqa: ANN001
    return build.build_report(conn, golden.checkin, WEEK, NOW)


def one_week(golden, **kwargs) -> Scope:  # noqa: ANN001
    return Scope(golden.checkin["id"], WEEK, WEEK, **kwargs)


def test_one_weeks_headline_equals_the_weekly_report(conn, golden, report) -> None:  # noqa: ANN001
    h = figures.headline(conn, OPERATOR, one_week(golden))
    assert h.runs_asked == report.headline.runs_asked == 12
    assert h.runs_answered == report.headline.runs_answered == 5
    assert h.participation == report.headline.participation
    assert h.previous_participation == report.headline.previous_participation
    assert h.participation_change == report.headline.participation_change
    assert h.median_minutes == report.headline.median_minutes_to_answer
    scale = next(q for q in report.questions if q.kind == "scale" and not q.from_pool)
    mine = next(s for s in h.scales if s.question_id == scale.question_id)
    assert (mine.mean, mine.previous, mine.change) == (
        scale.mean,
        scale.previous_mean,
        scale.mean_change,
    )


def test_weekly_points_equal_the_reports_trend(conn, golden, report) -> None:  # noqa: ANN001
    scope = Scope(golden.checkin["id"], report.trend[0].week, WEEK)
    assert figures.participation_by_week(conn, OPERATOR, scope) == report.trend


def test_scale_choice_and_number_figures_equal_the_reports(conn, golden, report) -> None:  # noqa: ANN001
    scope = one_week(golden)
    by_id = {q.question_id: q for q in report.questions}
    scale = figures.scale_by_week(conn, OPERATOR, scope)
    assert scale
    for s in scale:
        assert s.mean == by_id[s.question_id].mean
        assert list(s.counts) == by_id[s.question_id].distribution
    choices: dict[int, dict[str, int]] = {}
    for c in figures.choice_by_week(conn, OPERATOR, scope):
        choices.setdefault(c.question_id, {})[c.option] = c.count
    for qid, counts in choices.items():
        assert counts == {k: v for k, v in by_id[qid].counts.items() if v}
    (number,) = figures.number_by_week(conn, OPERATOR, scope)
    q = by_id[number.question_id]
    assert (number.median, number.low, number.high, number.mean) == (q.median, q.min, q.max, q.mean)


def test_a_range_pools_its_weeks_and_compares_with_as_many_weeks_before(conn, golden) -> None:  # noqa: ANN001
    scope = Scope(golden.checkin["id"], "2026-W43", WEEK)
    assert scope.previous() == Scope(golden.checkin["id"], "2026-W41", "2026-W42")
    h = figures.headline(conn, OPERATOR, scope)
    assert (h.runs_asked, h.runs_answered) == (6 + 12, 3 + 5)
    assert h.previous_participation is None and h.participation_change is None
    scale = next(s for s in h.scales if s.question == "How are you feeling?")
    assert scale.mean == round((3 + 5 + 2 + 4 + 5 + 2 + 3 + 4) / 8, 2)


def test_the_heatmap_is_in_each_members_own_time(conn, golden) -> None:  # noqa: ANN001
    cells = {
        (c.weekday, c.hour): c.count
        for c in figures.answer_heatmap(conn, OPERATOR, one_week(golden))
    }
    # Ada Mon 09:05 and Wed 09:15 Berlin; Bo Mon 09:45 and Fri 10:00 Auckland (Sun and Thu
    # in UTC); Cy Fri 09:30 Los Angeles
    assert cells == {(0, 9): 2, (2, 9): 1, (4, 9): 1, (4, 10): 1}


def test_members_narrow_every_figure(conn, golden) -> None:  # noqa: ANN001
    ada = one_week(golden, members=("U0A",))
    h = figures.headline(conn, OPERATOR, ada)
    assert (h.runs_asked, h.runs_answered) == (3, 2)
    assert figures.participation_by_week(conn, OPERATOR, ada)[0].asked == 3
    assert sum(c.count for c in figures.answer_heatmap(conn, OPERATOR, ada)) == 2
    (number,) = figures.number_by_week(conn, OPERATOR, ada)
    assert (number.low, number.high, number.median) == (2.5, 6, 4.25)


def test_a_channel_narrows_to_the_members_asked_through_it(conn, golden) -> None:  # noqa: ANN001
    conn.execute('UPDATE checkins SET participants = \'["#team", "U0A"]\'')
    everyone = figures.headline(conn, OPERATOR, one_week(golden, channel="#team"))
    assert everyone.runs_asked == 12
    assert channels(conn, OPERATOR, golden.checkin["id"]) == ["#team"]
    nobody = figures.headline(conn, OPERATOR, one_week(golden, channel="#elsewhere"))
    assert nobody.runs_asked == 0


def test_week_options_run_from_the_first_run_to_this_week(conn, golden) -> None:  # noqa: ANN001
    weeks = week_options(conn, OPERATOR, golden.checkin["id"], NOW)
    assert weeks == ["2026-W43", "2026-W44", "2026-W45"]
    assert default_range(weeks) == ("2026-W43", "2026-W44")


def test_a_member_not_asked_may_not_look(conn, golden) -> None:  # noqa: ANN001
    stranger = Viewer(role="member", slack_id="U0ZZZ")
    assert checkins(conn, stranger) == []
    with pytest.raises(errors.NotAllowed):
        figures.headline(conn, stranger, one_week(golden))
    with pytest.raises(errors.NotAllowed):
        for_viewer.weekly_report(conn, stranger, golden.checkin["id"], WEEK, NOW)


def test_a_member_sees_only_groups_of_three_people_and_never_chosen_people(conn, golden) -> None:  # noqa: ANN001
    ada = Viewer(role="member", slack_id="U0A")
    assert [c.name for c in checkins(conn, ada)] == ["golden"]
    assert members(conn, ada, golden.checkin["id"]) == []
    # three people answered in W44 (Ada, Bo, Cy): shown; a filter to chosen people is refused
    h = figures.headline(conn, ada, one_week(golden))
    assert h.runs_asked == 12
    with pytest.raises(errors.NotAllowed, match="whole check-in"):
        figures.headline(conn, ada, one_week(golden, members=("U0A",)))
    scale = figures.scale_by_week(conn, ada, one_week(golden))
    assert [s.week for s in scale] == [WEEK]
    # each heatmap cell holds one or two people: all hidden from a member
    assert figures.answer_heatmap(conn, ada, one_week(golden)) == []
    # in W43 only two people answered: their means are hidden too
    w43 = Scope(golden.checkin["id"], "2026-W43", "2026-W43")
    assert figures.scale_by_week(conn, ada, w43) == []
    assert figures.scale_by_week(conn, OPERATOR, w43) != []


def test_the_database_check_says_what_is_wrong(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(check.Unavailable, match="no database at"):
        check.check_database(tmp_path / "missing.db")
    with pytest.raises(check.Unavailable, match="is a folder"):
        check.check_database(tmp_path)
    other = tmp_path / "other.db"
    c = sqlite3.connect(other)
    c.execute("CREATE TABLE t (x)")
    c.close()
    with pytest.raises(check.Unavailable, match="not a checkin database"):
        check.check_database(other)
    text = tmp_path / "text.db"
    text.write_text("hello " * 200)
    with pytest.raises(check.Unavailable, match="not a checkin database"):
        check.check_database(text)
    empty = tmp_path / "empty.db"
    empty.touch()
    check.check_database(empty)  # an empty file becomes a new database


def test_weeks_between_crosses_a_year_with_53_weeks() -> None:
    weeks = ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]
    assert weeks_between("2026-W52", "2027-W02") == weeks
    assert Scope(1, "2027-W02", "2026-W52").weeks == weeks, "a reversed range is put right"
