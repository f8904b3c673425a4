"""A week's participation held back from a member where it could pin a held-back figure.

The workspace is small enough to count by hand: "mood", a private check-in of five
people (Ada U0A, Bo U0B, Cy U0C, Di U0D, Eve U0E), asked on Mondays at 09:00 UTC,
with a scale, a choice and a number question. Eve never answers.

- 2026-W44: Ada, Bo, Cy and Di answer the scale and choice questions (4, office);
  only Ada and Bo the number question (2). The scale question was answered in
  every answered check-in, but the number question by two people: held back.
- 2026-W45 and W47: Ada, Bo and Cy answer the scale question only (4, "good"); Di
  answers the number question only (3). Four people answered, and participation
  would say Di answered something: every other place Di's answer could be would
  have made a shown group, so it would pin the number question's one answer.
  Held back.
- 2026-W46: Ada, Bo, Cy and Di answer everything (4, office, 2): 4 of 5 shown.
- 2026-W48: all five answer everything (5, home, 1): 5 of 5.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from bot.reports import summary_message
from checkin.answers import participation, record, runs
from checkin.checkins import model
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.checkins.timing import MemberClock, Schedule, run_for
from checkin.clock import FakeClock
from checkin.ops import retention
from checkin.overview import figures
from checkin.overview.charts import chart_data
from checkin.overview.scope import Scope
from checkin.people.members import upsert_member
from checkin.people.viewer import Viewer
from checkin.reports import for_viewer, formats, late

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday of W49
W45, W46, W47, W48 = "2026-W45", "2026-W46", "2026-W47", "2026-W48"
W44 = "2026-W44"
MONDAYS = {W44: date(2026, 10, 26), W45: date(2026, 11, 2), W46: date(2026, 11, 9)}
MONDAYS |= {W47: date(2026, 11, 16), W48: date(2026, 11, 23)}
PEOPLE = ("U0A", "U0B", "U0C", "U0D", "U0E")
ADA = Viewer(role="member", slack_id="U0A", name="Ada")
HELD_BACK_LINES = [
    "Participation: – (held back: a question was answered by too few people to show, and how "
    "many answered could give it away); 5 check-ins asked.",
    "People: 5 asked.",
]

TOML = """
[[checkin]]
name = "mood"
days = ["mon"]
time = "09:00"
timezone = "UTC"
participants = ["U0A", "U0B", "U0C", "U0D", "U0E"]
report_channel = "#mood"

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

SCALE_ONLY = (4, None, None)
NUMBER_ONLY = (None, None, 3)
SMALL_WEEK = {"U0A": SCALE_ONLY, "U0B": SCALE_ONLY, "U0C": SCALE_ONLY, "U0D": NUMBER_ONLY}
WEEKS = {
    W44: {"U0A": (4, "office", 2), "U0B": (4, "office", 2)}
    | {m: (4, "office", None) for m in ("U0C", "U0D")},
    W45: SMALL_WEEK,
    W46: {m: (4, "office", 2) for m in PEOPLE[:4]},
    W47: SMALL_WEEK,
    W48: {m: (5, "home", 1) for m in PEOPLE},
}
LABELS = ("awful", "bad", "okay", "good", "great")


@dataclass(frozen=True)
class Mood:
    id: int

    @property
    def lead(self) -> Viewer:
        return Viewer(role="lead", slack_id="U0E", name="Eve", lead_of=frozenset({self.id}))

    @property
    def admin(self) -> Viewer:
        return Viewer(role="admin", slack_id="U0Z", name="Zed")

    def scope(self, first: str, last: str | None = None) -> Scope:
        return Scope(self.id, first, last or first)


def build(conn: sqlite3.Connection) -> Mood:
    clock = FakeClock(datetime(2026, 10, 1, tzinfo=UTC))
    import_definitions(conn, parse_toml(TOML), clock=clock)
    for m in PEOPLE:
        upsert_member(conn, m, name=m.lower(), real_name=m, tz="UTC", clock=clock)
    checkin = model.get_checkin(conn, "mood")
    scale_q, choice_q, number_q = (q["id"] for q in model.active_questions(conn, checkin["id"]))
    for week, answers in WEEKS.items():
        for member in PEOPLE:
            due = run_for(Schedule.of(checkin), MemberClock(member, "UTC"), MONDAYS[week])
            assert due is not None
            clock.set(due.due_at)
            run_id = runs.create_run(
                conn,
                checkin["id"],
                due,
                [scale_q, choice_q, number_q],
                status="sending",
                clock=clock,
            )
            runs.set_run_status(conn, run_id, "open", sent_at=due.due_at, clock=clock)
            if member not in answers:
                runs.set_run_status(conn, run_id, "closed", clock=clock)
                continue
            scale, choice, number = answers[member]
            clock.advance(minutes=5)
            if scale is None:
                record.record_answer(conn, run_id, scale_q, skipped=True, clock=clock)
            else:
                record.record_answer(
                    conn, run_id, scale_q, text=LABELS[scale - 1], number=float(scale), clock=clock
                )
            if choice is None:
                record.record_answer(conn, run_id, choice_q, skipped=True, clock=clock)
            else:
                record.record_answer(conn, run_id, choice_q, text=choice, clock=clock)
            if number is None:
                record.record_answer(conn, run_id, number_q, skipped=True, clock=clock)
            else:
                record.record_answer(
                    conn, run_id, number_q, text=str(number), number=float(number), clock=clock
                )
    return Mood(checkin["id"])


@pytest.fixture
def mood(conn) -> Mood:  # noqa: ANN001
    return build(conn)


def points(conn: sqlite3.Connection, viewer: Viewer, scope: Scope) -> dict[str, tuple]:
    return {
        p.week: (p.asked, p.answered, p.skipped)
        for p in figures.participation_by_week(conn, viewer, scope)
    }


# --- the rule -------------------------------------------------------------------------------------


def test_a_week_with_a_question_too_few_answered_is_held_back_from_a_member(conn, mood) -> None:  # noqa: ANN001
    weeks = [W44, W45, W46, W47, W48]
    held = participation.held_back(conn, ADA, mood.id, weeks)
    # W44 too: its scale question was answered in every answered check-in, but had that
    # been enough, "shown" would have said nobody answered the number question alone
    assert held.held_back == {W44, W45, W47}
    assert held.too_few == set()
    teammate = Viewer(role="member", slack_id="U0A", shared=frozenset({mood.id}))
    for viewer in (mood.admin, mood.lead, teammate):
        assert participation.held_back(conn, viewer, mood.id, weeks).hides(W47) is False


def test_the_overview_holds_back_the_weeks_participation_and_leaves_it_out_of_the_range(
    conn, mood
) -> None:  # noqa: ANN001
    whole = mood.scope(W46, W48)
    assert points(conn, ADA, whole) == {W46: (5, 4, 0), W47: (5, None, None), W48: (5, 5, 0)}
    assert points(conn, mood.admin, whole) == {W46: (5, 4, 0), W47: (5, 4, 0), W48: (5, 5, 0)}
    seen = figures.overview(conn, ADA, whole)
    # W47 left out of both: 9 of 10, not 13 of 15 (whose difference with 9 of 10 is W47's)
    h = seen.headline
    assert (h.runs_asked, h.runs_answered, h.participation) == (10, 9, 0.9)
    assert h.weeks_held_back == 1
    assert h.previous_participation is None, "W43-W45: W45 held back, nobody asked before"
    full = figures.overview(conn, mood.admin, whole).headline
    assert (full.runs_asked, full.runs_answered, full.weeks_held_back) == (15, 13, 0)
    assert full.previous_participation == 0.8
    # the bars' rows the browser gets: asked, and no answered or skipped for W47
    (bars, *_) = chart_data(seen)
    assert [
        (r["week"], r["asked"], r["answered"], r["skipped"], r["answered_pct"]) for r in bars
    ] == [
        (W46, 5, 4, 0, 80.0),
        (W47, 5, None, None, None),
        (W48, 5, 5, 0, 100.0),
    ]


def test_a_week_held_back_keeps_its_shown_questions_but_not_its_hours(conn, mood) -> None:  # noqa: ANN001
    seen = figures.overview(conn, ADA, mood.scope(W47))
    assert not seen.empty
    assert seen.headline.participation is None and seen.headline.runs_answered == 0
    (scale,) = seen.scale
    assert (scale.counts, scale.mean, scale.answers) == ((0, 0, 0, 3, 0), 4.0, 3)
    assert seen.number == [] and seen.choice == []
    # the hours add up to the answered check-ins: none for W47, W46's four at 09:00 stay
    assert seen.heatmap == []
    assert [
        (c.week, c.hour, c.count) for c in figures.overview(conn, ADA, mood.scope(W46, W47)).heatmap
    ] == [(W46, 9, 4)]
    assert [
        (c.hour, c.count) for c in figures.overview(conn, mood.admin, mood.scope(W47)).heatmap
    ] == [(9, 4)]
    w48 = figures.overview(conn, ADA, mood.scope(W48)).headline
    assert (w48.participation, w48.previous_participation, w48.participation_change) == (
        1.0,
        None,
        None,
    )


# --- the weekly summary, Slack and the channel ------------------------------------------------------


def test_the_summary_of_a_held_back_week_says_so_in_every_rendering(conn, mood) -> None:  # noqa: ANN001
    report = for_viewer.weekly_report(conn, ADA, mood.id, W47, NOW)
    h = report.headline
    assert (h.runs_asked, h.members_asked) == (5, 5)
    assert [
        h.runs_answered,
        h.runs_skipped,
        h.runs_missing,
        h.runs_late,
        h.members_answered,
        h.members_skipped,
        h.members_missing,
        h.participation,
        h.participation_change,
    ] == [None] * 9
    assert formats.headline_lines(report) == HELD_BACK_LINES
    trend = {p.week: (p.asked, p.answered, p.skipped) for p in report.trend}
    assert [trend[w] for w in (W45, W46, W47)] == [(5, None, None), (5, 4, 0), (5, None, None)]
    by_kind = {q.kind: q for q in report.questions}
    assert (by_kind["scale"].answers, by_kind["scale"].mean) == (3, 4.0)
    assert by_kind["number"].answers is None, "one person: too few"
    channel = for_viewer.channel_report(conn, mood.id, W47, NOW)
    assert formats.headline_lines(channel) == HELD_BACK_LINES
    markdown = formats.to_markdown(report)
    slack = json.dumps(summary_message(report)[1], ensure_ascii=False)
    posted = json.dumps(summary_message(channel, in_channel=True)[1], ensure_ascii=False)
    for rendering in (markdown, slack, posted):
        assert "5 check-ins asked" in rendering and "(4 of 5)" not in rendering
        assert "80%" not in rendering
    full = for_viewer.weekly_report(conn, mood.admin, mood.id, W47, NOW)
    assert "(4 of 5)" in formats.to_markdown(full)
    data = json.loads(formats.to_json(report))
    assert data["headline"]["runs_answered"] is None and data["headline"]["participation"] is None
    assert [p["answered"] for p in data["trend"] if p["week"] == W47] == [None]
    png = for_viewer.report_file(conn, ADA, mood.id, W47, "png", NOW)
    assert png.startswith(b"\x89PNG")


def test_the_next_weeks_summary_has_no_change_from_a_held_back_week(conn, mood) -> None:  # noqa: ANN001
    report = for_viewer.weekly_report(conn, ADA, mood.id, W48, NOW)
    h = report.headline
    assert (h.runs_answered, h.participation) == (5, 1.0)
    assert (h.previous_participation, h.participation_change) == (None, None)
    assert "no figure for last week" in formats.headline_lines(report)[0]
    full = for_viewer.weekly_report(conn, mood.admin, mood.id, W48, NOW).headline
    assert (full.previous_participation, full.participation_change) == (0.8, 20.0)


def test_leads_admins_and_a_team_checkin_see_the_weeks_participation(conn, mood) -> None:  # noqa: ANN001
    teammate = Viewer(role="member", slack_id="U0A", shared=frozenset({mood.id}))
    for viewer in (mood.admin, mood.lead, teammate):
        h = for_viewer.weekly_report(conn, viewer, mood.id, W47, NOW).headline
        assert (h.runs_answered, h.members_answered, h.participation) == (4, 4, 0.8)
    conn.execute("UPDATE checkins SET visibility = 'team' WHERE id = ?", (mood.id,))
    posted = for_viewer.channel_report(conn, mood.id, W47, NOW).headline
    assert posted.runs_answered == 4


def test_the_late_note_gives_no_count_for_a_held_back_week(conn, mood) -> None:  # noqa: ANN001
    # its count with the summary's would give the week's participation back
    assert late.note_text(conn, mood.id, W47, 2, NOW) == late.UNCOUNTED
    assert late.note_text(conn, mood.id, W48, 2, NOW) == (
        "Late: 2 more answers, participation now 100%."
    )


def test_a_week_whose_answers_retention_deleted_shows_its_participation_again(conn, mood) -> None:  # noqa: ANN001
    assert points(conn, ADA, mood.scope(W45)) == {W45: (5, None, None)}
    retention.apply(conn, 3, clock=FakeClock(NOW))  # answers before Monday 9 November go
    assert conn.execute("SELECT COUNT(*) FROM answers WHERE week = ?", (W45,)).fetchone()[0] == 0
    # nothing of the weeks is held back any more; their runs (who answered) stay
    assert points(conn, ADA, mood.scope(W44, W45)) == {W44: (5, 4, 0), W45: (5, 4, 0)}
    assert points(conn, ADA, mood.scope(W47)) == {W47: (5, None, None)}
