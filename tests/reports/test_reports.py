"""The report model's figures against hand-computed values (tests/reports/test_reports_data.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from checkin import errors
from checkin.checkins import model
from checkin.reports.build import (
    build_report,
    member_week,
    resolve_checkin,
    resolve_week,
    trend_weeks,
)
from checkin.reports.formats import headline_lines, to_json, to_markdown
from checkin.reports.model import ReportError
from tests.reports.test_reports_data import INJECTION, ODD, POOL_QUESTION, build_golden, utc

NOW = utc(2026, 11, 2, 9, 0)


@pytest.fixture
def golden(conn, clock):  # noqa: ANN001, ANN201
    return build_golden(conn, clock)


@pytest.fixture
def report(conn, golden):  # noqa: ANN001, ANN201
    return build_report(conn, golden.checkin, "2026-W44", NOW)


def by_kind(report, kind):  # noqa: ANN001, ANN201
    return [q for q in report.questions if q.kind == kind and not q.from_pool]


def test_headline_counts_runs_and_people(report) -> None:  # noqa: ANN001
    h = report.headline
    # asked: Ada 3, Bo 3, Cy 3, Fay 3 (Ed's development runs were never sent; Di was away)
    assert h.runs_asked == 12
    # answered: Ada Mon + Wed, Bo Mon + Fri, Cy Fri
    assert h.runs_answered == 5
    assert h.runs_skipped == 1  # Ada's Friday
    assert h.runs_missing == 12 - 5 - 1
    assert h.runs_late == 0
    assert (h.members_asked, h.members_answered, h.members_missing) == (4, 3, 1)
    assert h.members_skipped == 0
    assert h.members_paused == 1  # Di


def test_participation_and_its_change_from_last_week(report) -> None:  # noqa: ANN001
    h = report.headline
    assert h.participation == pytest.approx(5 / 12)
    assert h.previous_participation == pytest.approx(3 / 6)
    assert h.participation_change == pytest.approx(round((5 / 12 - 3 / 6) * 100, 1))  # -8.3


def test_median_time_to_answer(report) -> None:  # noqa: ANN001
    # first answers after sending: 5, 15, 45, 60, 30 minutes → median 30
    assert report.headline.median_minutes_to_answer == 30.0


def test_even_count_medians_are_the_mean_of_the_middle_two(conn, golden) -> None:  # noqa: ANN001
    from datetime import date, timedelta

    run = golden.run("U0D", date(2026, 10, 30))  # back from out of office
    golden.answer(run, golden.due + timedelta(minutes=20), [3, "home", 10, "Back"])
    report = build_report(conn, golden.checkin, "2026-W44", NOW)
    # first answers after 5, 15, 20, 30, 45, 60 minutes → (20 + 30) / 2
    assert report.headline.median_minutes_to_answer == 25.0
    # numbers 0, 2.5, 4, 6, 7, 10 → (4 + 6) / 2
    assert by_kind(report, "number")[0].median == 5.0


def test_no_change_figure_when_last_week_nobody_was_asked(conn, golden) -> None:  # noqa: ANN001
    report = build_report(conn, golden.checkin, "2026-W43", NOW)  # W42 is empty
    h = report.headline
    assert h.participation == 0.5
    assert h.previous_participation is None and h.participation_change is None
    assert headline_lines(report)[0] == (
        "Participation: 50% of check-ins answered (3 of 6), no figure for last week."
    )


def test_week_with_daylight_saving_change_measures_real_elapsed_time(conn, golden) -> None:  # noqa: ANN001
    """W43 ends with the change back to winter time; durations are real minutes, not wall clock."""
    report = build_report(conn, golden.checkin, "2026-W43", NOW)
    h = report.headline
    assert (h.runs_asked, h.runs_answered, h.runs_late) == (6, 3, 2)
    # 10 min; Fri 09:00 CEST → Mon 09:00 CET is 72 h on the wall but 73 h = 4380 min; 9000 min
    assert h.median_minutes_to_answer == 4380.0
    scale = by_kind(report, "scale")[0]
    assert scale.distribution == [0, 1, 1, 0, 1]
    assert scale.mean == pytest.approx(round(10 / 3, 2))


def test_member_far_east_counts_in_their_own_week(conn, golden, report) -> None:  # noqa: ANN001
    """Bo's Monday run starts on Sunday in UTC and in Berlin, yet belongs to W44."""
    bo = member_week(conn, golden.checkin, "U0B", "2026-W44")
    assert bo.runs == [
        ("2026-10-26", "answered"),
        ("2026-10-28", "no answer"),
        ("2026-10-30", "answered"),
    ]
    previous = member_week(conn, golden.checkin, "U0B", "2026-W43")
    assert previous.runs == []
    assert {a.member_id for a in report.text_answers} == {"U0A", "U0B", "U0C"}


def test_scale_question_mean_distribution_and_change(report) -> None:  # noqa: ANN001
    q = by_kind(report, "scale")[0]
    # 4, 5, 2, 3, 4
    assert q.answers == 5
    assert q.distribution == [0, 1, 1, 2, 1]
    assert q.mean == pytest.approx(3.6)
    assert q.previous_mean == pytest.approx(3.33)
    assert q.mean_change == pytest.approx(0.27)
    assert q.labels == ["awful", "bad", "okay", "good", "great"]


def test_choice_counts_in_option_order(report) -> None:  # noqa: ANN001
    q = by_kind(report, "choice")[0]
    assert list(q.counts.items()) == [("office", 2), ("home", 2), ("travelling", 1)]


def test_number_mean_median_min_max(report) -> None:  # noqa: ANN001
    q = by_kind(report, "number")[0]
    # 6, 2.5, 4, 0, 7
    assert q.mean == pytest.approx(3.9)
    assert q.median == 4
    assert (q.min, q.max) == (0, 7)


def test_text_answers_with_member_and_day_in_both_views(report) -> None:  # noqa: ANN001
    q = by_kind(report, "text")[0]
    assert (q.answers, q.skipped) == (4, 1)
    by_question = {question.text: answers for question, answers in report.text_by_question()}
    assert [(a.member, a.local_date, a.text) for a in by_question["What did you work on?"]] == [
        ("Ada Lovelace", "2026-10-26", "Shipped the export, finally"),
        ("Bo Tane", "2026-10-26", INJECTION),
        ("Bo Tane", "2026-10-30", ODD),
        ("Cy Young", "2026-10-30", "@channel hi"),
    ]
    by_member = {name: answers for _, name, answers in report.text_by_member()}
    assert list(by_member) == ["Ada Lovelace", "Bo Tane", "Cy Young"]
    assert [a.text for a in by_member["Ada Lovelace"]] == ["Shipped the export, finally", "ruff"]


def test_random_pool_question_is_reported_like_the_others(report, golden) -> None:  # noqa: ANN001
    pool = [q for q in report.questions if q.from_pool]
    assert [(q.text, q.kind, q.answers) for q in pool] == [(POOL_QUESTION, "text", 1)]
    assert pool[0].question_id == golden.pool_qid


def test_missing_members_named_only_when_the_checkin_says_so(conn, golden, report) -> None:  # noqa: ANN001
    assert report.missing_members == ["Fay Wray"]
    conn.execute("UPDATE checkins SET name_missing = 0")
    unnamed = build_report(conn, model.get_checkin(conn, "golden"), "2026-W44", NOW)
    assert unnamed.missing_members is None
    assert unnamed.headline.members_missing == 1
    assert "Fay" not in to_markdown(unnamed) and "Fay" not in to_json(unnamed)


def test_trend_covers_eight_weeks_oldest_first(report) -> None:  # noqa: ANN001
    assert [p.week for p in report.trend] == trend_weeks("2026-W44")
    assert report.trend[0].week == "2026-W37"
    assert [(p.asked, p.answered, p.skipped) for p in report.trend[-2:]] == [(6, 3, 0), (12, 5, 1)]
    assert all(p.asked == 0 and p.participation is None for p in report.trend[:-2])
    means = [(p.week, p.mean) for p in report.scale_trend]
    assert means == [("2026-W43", pytest.approx(3.33)), ("2026-W44", pytest.approx(3.6))]


def test_empty_week_reports_nobody_asked(conn, golden) -> None:  # noqa: ANN001
    report = build_report(conn, golden.checkin, "2026-W30", NOW)
    assert report.headline.runs_asked == 0
    assert report.headline.participation is None
    assert report.headline.median_minutes_to_answer is None
    assert "Nobody was asked" in to_markdown(report)


def test_last_week_is_decided_in_the_reporting_zone() -> None:
    # Sunday 23:30 UTC is already Monday 00:30 in Berlin
    now = datetime(2026, 11, 1, 23, 30, tzinfo=UTC)
    assert resolve_week("last", now, "Europe/Berlin") == "2026-W44"
    assert resolve_week("last", now, "UTC") == "2026-W43"
    assert resolve_week("this week", now, "Europe/Berlin") == "2026-W45"
    assert resolve_week("2026-W48", now, "Europe/Berlin") == "2026-W48"


def test_unknown_week_or_checkin_is_a_clear_error(conn, golden) -> None:  # noqa: ANN001
    with pytest.raises(ReportError, match="not a week"):
        resolve_week("next tuesday", NOW, "UTC")
    with pytest.raises(errors.NotFound, match="no check-in named 'nope'"):
        resolve_checkin(conn, "nope")
    assert resolve_checkin(conn, None)["name"] == "golden"


def test_json_has_the_documented_keys(report) -> None:  # noqa: ANN001
    data = json.loads(to_json(report))
    assert set(data) == {
        "format",
        "checkin",
        "week",
        "start",
        "end",
        "timezone",
        "generated_at",
        "headline",
        "missing_members",
        "questions",
        "text_answers",
        "text_by_question",
        "text_by_member",
        "trend",
        "scale_trend",
    }
    assert data["start"] == "2026-10-26" and data["end"] == "2026-11-01"
    assert data["headline"]["runs_answered"] == 5
    assert data["trend"][-1] == {
        "week": "2026-W44",
        "asked": 12,
        "answered": 5,
        "skipped": 1,
        "participation": pytest.approx(5 / 12),
    }
    texts = [a["text"] for a in data["text_answers"]]
    assert ODD in texts and INJECTION in texts  # JSON keeps text exactly as typed


def test_markdown_shows_figures_and_escapes_answers(report) -> None:  # noqa: ANN001
    md = to_markdown(report)
    assert md.startswith("# golden: week 2026-W44 (Mon 26 Oct – Sun 1 Nov 2026)")
    assert "42% of check-ins answered (5 of 12), down 8 points from last week" in md
    assert "Average 3.6 of 5 (up 0.3 from last week); awful 0, bad 1, okay 1, good 2, great 1" in md
    assert "office 2, home 2, travelling 1" in md
    assert "Average 3.9, median 4, lowest 0, highest 7" in md
    assert "Not answered: Fay Wray." in md
    assert "## Which tool saved you the most time? (from the question pool)" in md
    # a new line inside an answer stays inside its list item
    assert '**Bo Tane, Fri 30 Oct**: Fixing "quotes", commas,\n  and a new line 🚀' in md
    assert "Shipped the export, finally" in md
    by_member = to_markdown(report, group="member")
    assert "### Bo Tane" in by_member


def test_markdown_escapes_markup_in_answers(conn, golden) -> None:  # noqa: ANN001
    run = conn.execute("SELECT id FROM answers WHERE text = '@channel hi'").fetchone()[0]
    conn.execute(
        "UPDATE answers SET text = '**bold** <b>x</b> [link](http://x) # h' WHERE id = ?", (run,)
    )
    md = to_markdown(build_report(conn, golden.checkin, "2026-W44", NOW))
    assert r"\*\*bold\*\* \<b\>x\</b\> \[link\](http://x) \# h" in md
