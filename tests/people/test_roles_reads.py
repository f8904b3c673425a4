"""Each role's reads without Streamlit: what an admin, a lead and a member get back.

The workspace (`build_roles`) is small enough to count by hand:

- "team" (8 people, Mondays 09:00 UTC): Ada U0A, Bo U0B, Cy U0C, Di U0D,
  Eve U0E, Flo U0F, Gus U0G, Hal U0H.
  - 2026-W47: everyone asked, only Ada and Bo answer (a week with 2 answerers).
  - 2026-W48: all 8 answer. Working from: office A B C D (4), home E F G (3),
    travelling H (1). Feeling: 5 from A B C D (4), 4 from E F G (3), 1 from H
    (1). First answers at 09:05 (A B C D), 10:05 (E F G) and 15:05 (H).
- "ops" (Ada, Ivy U0I, Jo U0J), led by Eve, who is not asked in it: all three
  answer in W48.

Every text answer holds a word only its writer used ("apricot" is Ada's), so
a read that leaks another member's words is caught by that word alone.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from checkin import errors
from checkin.answers import record, runs, search
from checkin.answers.history import member_history, members, question_history, question_wordings
from checkin.checkins import actions, editing, model
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.checkins.timing import MemberClock, Schedule, run_for
from checkin.clock import FakeClock
from checkin.errors import NotAllowed
from checkin.ops import backup, deploys, privacy, status
from checkin.overview import figures
from checkin.overview import scope as overview_scope
from checkin.people.members import upsert_member
from checkin.people.viewer import Viewer
from checkin.reports import for_viewer

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday of W49: W48 is the last whole week
W47, W48 = "2026-W47", "2026-W48"

CHECKINS = """
[[checkin]]
name = "team"
days = ["mon"]
time = "09:00"
timezone = "UTC"
participants = ["U0A", "U0B", "U0C", "U0D", "U0E", "U0F", "U0G", "U0H"]
report_channel = "#team"
report = { day = "fri", time = "16:00" }
name_missing = true

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

[[checkin.question]]
text = "What did you work on?"
kind = "text"

[[checkin]]
name = "ops"
days = ["mon"]
time = "09:00"
timezone = "UTC"
participants = ["U0A", "U0I", "U0J"]
leads = ["U0E"]

[[checkin.question]]
text = "What broke?"
kind = "text"
"""

NAMES = {
    "U0A": "Ada",
    "U0B": "Bo",
    "U0C": "Cy",
    "U0D": "Di",
    "U0E": "Eve",
    "U0F": "Flo",
    "U0G": "Gus",
    "U0H": "Hal",
    "U0I": "Ivy",
    "U0J": "Jo",
    "U0Z": "Zed",
}
# each member's own word, in every text answer they give and in no one else's
WORDS = {
    "U0A": "apricot",
    "U0B": "bramble",
    "U0C": "cobalt",
    "U0D": "dahlia",
    "U0E": "elderflower",
    "U0F": "fennel",
    "U0G": "garnet",
    "U0H": "hazel",
    "U0I": "indigo",
    "U0J": "juniper",
}
TEAM = ("U0A", "U0B", "U0C", "U0D", "U0E", "U0F", "U0G", "U0H")
# W48 in "team": (feeling, working from, focus hours, minutes after 09:00 of the first answer)
W48_TEAM = {
    "U0A": (5, "office", 6, 5),
    "U0B": (5, "office", 5, 5),
    "U0C": (5, "office", 7, 5),
    "U0D": (5, "office", 4, 5),
    "U0E": (4, "home", 3, 65),
    "U0F": (4, "home", 2, 65),
    "U0G": (4, "home", 8, 65),
    "U0H": (1, "travelling", 1, 365),
}

ADA = Viewer(role="member", slack_id="U0A", name="Ada")
BO = Viewer(role="member", slack_id="U0B", name="Bo")


@dataclass(frozen=True)
class Roles:
    team: int
    ops: int
    questions: dict[str, int]  # "team:text", "team:scale", ..., "ops:text"

    @property
    def eve(self) -> Viewer:
        return Viewer(role="lead", slack_id="U0E", name="Eve", lead_of=frozenset({self.ops}))

    @property
    def admin(self) -> Viewer:
        return Viewer(role="admin", slack_id="U0Z", name="Zed")


def _run(conn: sqlite3.Connection, clock: FakeClock, checkin: sqlite3.Row, member: str, day: date):  # noqa: ANN202
    due = run_for(Schedule.of(checkin), MemberClock(member, "UTC"), day)
    assert due is not None
    clock.set(due.due_at)
    qids = [q["id"] for q in model.active_questions(conn, checkin["id"])]
    run_id = runs.create_run(conn, checkin["id"], due, qids, status="sending", clock=clock)
    runs.set_run_status(conn, run_id, "open", sent_at=due.due_at, clock=clock)
    return run_id, due.due_at, qids


def _answer(conn, clock, run_id, qids, at, values) -> None:  # noqa: ANN001
    clock.set(at)
    for qid, value in zip(qids, values, strict=True):
        q = model.get_question(conn, qid)
        if q["kind"] == "scale":
            label = json.loads(q["labels"])[value - 1]
            record.record_answer(conn, run_id, qid, text=label, number=float(value), clock=clock)
        elif q["kind"] == "number":
            record.record_answer(
                conn, run_id, qid, text=f"{value:g}", number=float(value), clock=clock
            )
        else:
            record.record_answer(conn, run_id, qid, text=value, clock=clock)
        clock.advance(seconds=10)


def build_roles(conn: sqlite3.Connection) -> Roles:
    """The workspace of this module's docstring, in `conn`."""
    clock = FakeClock(datetime(2026, 11, 1, tzinfo=UTC))
    import_definitions(conn, parse_toml(CHECKINS), clock=clock)
    for slack_id, name in NAMES.items():
        upsert_member(conn, slack_id, name=name.lower(), real_name=name, tz="UTC", clock=clock)
    team = model.get_checkin(conn, "team")
    ops = model.get_checkin(conn, "ops")
    w47, w48 = date(2026, 11, 16), date(2026, 11, 23)
    for member in TEAM:
        run_id, due, qids = _run(conn, clock, team, member, w47)
        if member in ("U0A", "U0B"):
            _answer(
                conn,
                clock,
                run_id,
                qids,
                due + timedelta(minutes=5),
                [3, "home", 5, f"week 47: {WORDS[member]}"],
            )
        else:
            runs.set_run_status(conn, run_id, "closed", clock=clock)
    for member, (feeling, where, hours, after) in W48_TEAM.items():
        run_id, due, qids = _run(conn, clock, team, member, w48)
        _answer(
            conn,
            clock,
            run_id,
            qids,
            due + timedelta(minutes=after),
            [feeling, where, hours, f"week 48: {WORDS[member]} shipped"],
        )
    for member in ("U0A", "U0I", "U0J"):
        run_id, due, qids = _run(conn, clock, ops, member, w48)
        _answer(
            conn, clock, run_id, qids, due + timedelta(minutes=5), [f"ops: {WORDS[member]} outage"]
        )
    questions = {}
    for name, checkin in (("team", team), ("ops", ops)):
        for q in model.active_questions(conn, checkin["id"]):
            questions[f"{name}:{q['kind']}"] = q["id"]
    return Roles(team=team["id"], ops=ops["id"], questions=questions)


@pytest.fixture
def roles(conn) -> Roles:  # noqa: ANN001
    return build_roles(conn)


def words_in(text: str) -> set[str]:
    """Which members' own words appear in `text`."""
    return {member for member, word in WORDS.items() if word in text}


def scope(checkin_id: int, first: str = W48, last: str | None = None, **kw) -> overview_scope.Scope:  # noqa: ANN003
    return overview_scope.Scope(checkin_id, first, last or first, **kw)


# --- answers: history, one question, search ---------------------------------------------------


def test_a_member_gets_their_own_history_and_nothing_of_anothers(conn, roles) -> None:  # noqa: ANN001
    mine = member_history(conn, ADA, "U0A")
    assert {e.member_id for e in mine.items} == {"U0A"}
    assert {e.checkin for e in mine.items} == {"team", "ops"}
    assert mine.total == 4 + 4 + 1  # W47 and W48 in team, W48 in ops
    other = member_history(conn, ADA, "U0B")
    assert other.total == 0 and other.items == []
    assert [m.slack_id for m in members(conn, ADA)] == ["U0A"]


def test_a_lead_gets_a_members_answers_only_in_the_checkins_they_lead(conn, roles) -> None:  # noqa: ANN001
    ada_for_eve = member_history(conn, roles.eve, "U0A")
    assert {e.checkin for e in ada_for_eve.items} == {"ops"}
    assert member_history(conn, roles.eve, "U0B").total == 0
    assert {m.slack_id for m in members(conn, roles.eve)} == {"U0A", "U0E", "U0I", "U0J"}
    assert member_history(conn, roles.admin, "U0A").total == 9


def test_one_questions_answers_are_a_members_own_unless_they_lead_it(conn, roles) -> None:  # noqa: ANN001
    team_text = roles.questions["team:text"]
    ops_text = roles.questions["ops:text"]
    for_ada = question_history(conn, ADA, team_text)
    assert {e.member_id for e in for_ada.items} == {"U0A"} and for_ada.total == 2
    for_eve = question_history(conn, roles.eve, team_text)
    assert {e.member_id for e in for_eve.items} == {"U0E"}
    assert {e.member_id for e in question_history(conn, roles.eve, ops_text).items} == {
        "U0A",
        "U0I",
        "U0J",
    }
    assert question_history(conn, roles.admin, team_text).total == 10
    assert question_history(conn, ADA, ops_text).total == 1
    assert question_history(conn, BO, ops_text).total == 0
    assert question_wordings(conn, BO, ops_text) == []  # Bo is not asked in ops


def test_search_finds_only_the_words_a_viewer_may_read(conn, roles) -> None:  # noqa: ANN001
    assert [h.member_id for h in search.search_answers(conn, ADA, "apricot").items] == ["U0A"] * 3
    for word in ("bramble", "indigo", "elderflower"):
        assert search.search_answers(conn, ADA, word).total == 0, word
    # a query that tries to OR its way past the viewer's rule finds nothing more
    assert words_in(
        " ".join(h.text for h in search.search_answers(conn, ADA, "week OR ops").items)
    ) == {"U0A"}
    assert search.search_answers(conn, ADA, "shipped", member_id="U0B").total == 0
    eve_found = search.search_answers(conn, roles.eve, "outage")
    assert {h.member_id for h in eve_found.items} == {"U0A", "U0I", "U0J"}
    assert search.search_answers(conn, roles.eve, "bramble").total == 0
    assert search.search_answers(conn, roles.admin, "bramble").total == 2


# --- team aggregates ------------------------------------------------------------------------------


def test_an_option_two_people_picked_is_hidden_with_the_next_smallest(conn, roles) -> None:  # noqa: ANN001
    def options(viewer: Viewer) -> dict[str, int]:
        return {c.option: c.count for c in figures.choice_by_week(conn, viewer, scope(roles.team))}

    assert options(roles.admin) == {"office": 4, "home": 3, "travelling": 1}
    # travelling (1) alone would be 8 - 4 - 3: home (3) goes with it
    assert options(ADA) == {"office": 4}
    assert options(roles.eve) == {"office": 4}, (
        "Eve does not lead team: she sees what a member sees"
    )


def test_a_scale_value_few_gave_is_hidden_with_the_next_smallest(conn, roles) -> None:  # noqa: ANN001
    (full,) = figures.scale_by_week(conn, roles.admin, scope(roles.team))
    assert full.counts == (1, 0, 0, 3, 4)
    (seen,) = figures.scale_by_week(conn, ADA, scope(roles.team))
    # a 0 beside a held-back count says it is at least 1: the 0s are held back too (issue 16)
    assert seen.counts == (None, None, None, None, 4)
    # the mean, spread, total and answer count would give the held-back counts away: held
    # back too
    assert (seen.mean, seen.spread, seen.total, seen.answers) == (None, None, None, None)


def test_a_week_with_two_answerers_shows_no_figure_to_a_member(conn, roles) -> None:  # noqa: ANN001
    both = scope(roles.team, W47, W48)
    by_week = {p.week: p for p in figures.participation_by_week(conn, ADA, both)}
    assert (by_week[W47].asked, by_week[W47].answered) == (0, 0)
    assert (by_week[W48].asked, by_week[W48].answered) == (8, 8)
    admin_weeks = {p.week: p for p in figures.participation_by_week(conn, roles.admin, both)}
    assert (admin_weeks[W47].asked, admin_weeks[W47].answered) == (8, 2)
    w47 = scope(roles.team, W47)
    for read in (figures.scale_by_week, figures.choice_by_week, figures.number_by_week):
        assert read(conn, ADA, w47) == [], read.__name__
        assert read(conn, roles.admin, w47) != [], read.__name__
    assert figures.median_minutes(conn, ADA, w47) is None
    assert figures.median_minutes(conn, roles.admin, w47) == 5.0
    h = figures.headline(conn, ADA, w47)
    assert h.participation is None and all(s.mean is None for s in h.scales)


def test_the_heatmap_hides_a_lone_hour_and_the_next_smallest(conn, roles) -> None:  # noqa: ANN001
    def cells(viewer: Viewer) -> dict[tuple[int, int], int]:
        return {
            (c.weekday, c.hour): c.count
            for c in figures.answer_heatmap(conn, viewer, scope(roles.team))
        }

    assert cells(roles.admin) == {(0, 9): 4, (0, 10): 3, (0, 15): 1}
    assert cells(ADA) == {(0, 9): 4}


def test_a_member_may_not_narrow_team_figures_to_people_or_a_channel(conn, roles) -> None:  # noqa: ANN001
    assert overview_scope.members(conn, ADA, roles.team) == []
    assert overview_scope.channels(conn, ADA, roles.team) == []
    for narrowed in (
        scope(roles.team, members=("U0A", "U0B", "U0C")),
        scope(roles.team, channel="#team"),
        scope(roles.team, members=("U0A", "U0B", "U0C"), channel="#team"),
    ):
        with pytest.raises(NotAllowed, match="whole check-in"):
            figures.overview(conn, ADA, narrowed)
        with pytest.raises(NotAllowed):
            figures.overview(conn, roles.eve, narrowed)  # Eve does not lead team
    led = figures.overview(conn, roles.eve, scope(roles.ops, members=("U0I",)))
    assert led.headline.runs_asked == 1
    admin = figures.overview(conn, roles.admin, scope(roles.team, members=("U0H",)))
    assert [c.option for c in admin.choice] == ["travelling"]


def test_a_lead_sees_every_figure_of_their_checkin(conn, roles) -> None:  # noqa: ANN001
    assert {c.name for c in overview_scope.checkins(conn, roles.eve)} == {"team", "ops"}
    assert {c.name for c in overview_scope.checkins(conn, BO)} == {"team"}
    assert [m for m, _ in overview_scope.members(conn, roles.eve, roles.ops)] == [
        "U0A",
        "U0I",
        "U0J",
    ]
    with pytest.raises(NotAllowed):
        figures.overview(conn, BO, scope(roles.ops))


# --- the weekly summary and its downloads -----------------------------------------------------


def test_a_members_weekly_summary_holds_their_words_and_suppressed_figures(conn, roles) -> None:  # noqa: ANN001
    full = for_viewer.weekly_report(conn, roles.admin, roles.team, W48, NOW)
    assert {a.member_id for a in full.text_answers} == set(TEAM)
    mine = for_viewer.weekly_report(conn, ADA, roles.team, W48, NOW)
    assert [a.member_id for a in mine.text_answers] == ["U0A"]
    assert mine.missing_members is None
    by_kind = {q.kind: q for q in mine.questions}
    assert by_kind["choice"].counts == {"office": 4}
    assert by_kind["scale"].distribution == [None, None, None, None, 4]
    assert (by_kind["scale"].answers, by_kind["scale"].mean) == (None, None)
    assert (by_kind["choice"].answers, by_kind["choice"].skipped) == (None, None)
    assert by_kind["scale"].previous_mean is None, "W47 had two answerers"
    trend = {p.week: p for p in mine.trend}
    assert trend[W47].answered == 0 and trend[W48].answered == 8
    assert all(s.week != W47 for s in mine.scale_trend)
    assert mine.headline.previous_participation is None


def test_what_would_give_a_held_back_count_back_is_held_back_in_every_rendering(
    conn, roles
) -> None:  # noqa: ANN001
    from bot.reports import summary_message
    from checkin.reports import formats

    def lines(viewer: Viewer) -> dict[str, str]:
        report = for_viewer.weekly_report(conn, viewer, roles.team, W48, NOW)
        return {q.kind: formats.question_line(q) for q in report.questions}

    mine = lines(ADA)
    # feeling: 5 from four people shows; 1 (one person) and 4 (three) are held back, and
    # with them the 0s, the average and the 8 answers, which would pin them
    assert mine["scale"] == (
        "awful –, bad –, okay –, good –, great 4. The counts shown as –, the average and how "
        "many answered are held back: some answers were given by too few people."
    )
    assert mine["choice"] == (
        "office 4. The other answers and how many answered are held back: some answers were "
        "given by too few people."
    )
    report = for_viewer.weekly_report(conn, ADA, roles.team, W48, NOW)
    everything = "\n".join(
        [
            formats.to_markdown(report),
            formats.to_json(report),
            json.dumps(summary_message(report)[1], ensure_ascii=False),
            json.dumps(
                summary_message(for_viewer.channel_report(conn, roles.team, W48, NOW))[1],
                ensure_ascii=False,
            ),
        ]
    )
    for line in (mine["scale"], mine["choice"]):
        assert everything.count(line) == 3, line  # the Markdown, Slack's reply, the channel
    assert "Average 4.1" not in everything and "awful 1" not in everything
    assert "Median time to answer: –." in everything
    assert '"median_minutes_to_answer": null' in formats.to_json(report)
    # leads and admins see every figure, as before
    lead = Viewer(role="lead", slack_id="U0E", name="Eve", lead_of=frozenset({roles.team}))
    for viewer in (lead, roles.admin):
        full = lines(viewer)
        assert full["scale"].startswith("Average 4.1") and "awful 1, bad 0, okay 0" in full["scale"]
        assert full["scale"].endswith("8 answers.")
        assert full["choice"] == "office 4, home 3, travelling 1. 8 answers."
        seen = for_viewer.weekly_report(conn, viewer, roles.team, W48, NOW)
        assert seen.headline.median_minutes_to_answer == 35.0


def test_a_week_with_two_answerers_has_no_summary_for_a_member(conn, roles) -> None:  # noqa: ANN001
    with pytest.raises(NotAllowed, match="Fewer than 3 people answered"):
        for_viewer.weekly_report(conn, ADA, roles.team, W47, NOW)
    with pytest.raises(NotAllowed):
        for_viewer.report_file(conn, ADA, roles.team, W47, "md", NOW)
    full = for_viewer.weekly_report(conn, roles.admin, roles.team, W47, NOW)
    assert {a.member_id for a in full.text_answers} == {"U0A", "U0B"}


@pytest.mark.parametrize("fmt", ["md", "csv", "json"])
def test_a_members_download_holds_no_other_members_words(conn, roles, fmt) -> None:  # noqa: ANN001
    mine = for_viewer.report_file(conn, ADA, roles.team, W48, fmt, NOW).decode()
    assert words_in(mine) == {"U0A"}
    assert "Bo" not in mine and "Hal" not in mine, "no names of who answered or did not"
    led = for_viewer.report_file(conn, roles.eve, roles.ops, W48, fmt, NOW).decode()
    assert words_in(led) == {"U0A", "U0I", "U0J"}
    eve_team = for_viewer.report_file(conn, roles.eve, roles.team, W48, fmt, NOW).decode()
    assert words_in(eve_team) == {"U0E"}
    everything = for_viewer.report_file(conn, roles.admin, roles.team, W48, fmt, NOW).decode()
    assert words_in(everything) == set(TEAM)


def test_a_members_chart_download_is_drawn_from_their_summary(conn, roles) -> None:  # noqa: ANN001
    png = for_viewer.report_file(conn, ADA, roles.team, W48, "png", NOW)
    assert png.startswith(b"\x89PNG")


def test_someone_not_asked_gets_no_summary(conn, roles) -> None:  # noqa: ANN001
    with pytest.raises(NotAllowed):
        for_viewer.weekly_report(conn, BO, roles.ops, W48, NOW)
    with pytest.raises(NotAllowed):
        for_viewer.report_csv(conn, BO, roles.ops, W48)


# --- management, operations, backups, deploys, member data: admins only -----------------------


def test_management_is_for_admins_only(conn, roles) -> None:  # noqa: ANN001
    clock = FakeClock(NOW)
    for viewer in (ADA, roles.eve):
        assert editing.checkins(conn, viewer) == []
        for call in (
            lambda v: editing.checkin_form(conn, v, roles.ops),
            lambda v: editing.checkin_members(conn, v, roles.ops),
            lambda v: actions.send_now(conn, v, roles.ops, clock=clock),
            lambda v: actions.post_summary(conn, v, roles.team, clock=clock),
            lambda v: actions.recent_requests(conn, v, roles.ops),
            lambda v: editing.import_toml(conn, v, CHECKINS, clock=clock),
        ):
            with pytest.raises(errors.NotAllowed):
                call(viewer)
        assert "[[checkin]]" not in editing.export_toml(conn, viewer)
    assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
    assert {c.name for c in editing.checkins(conn, roles.admin)} == {"team", "ops"}
    outbox_id = actions.send_now(conn, roles.admin, roles.ops, clock=clock)
    assert actions.outbox_status(conn, ADA, [outbox_id]) == []
    assert actions.outbox_status(conn, roles.eve, [outbox_id]) == []
    assert [s.id for s in actions.outbox_status(conn, roles.admin, [outbox_id])] == [outbox_id]


def test_operations_and_the_operations_pages_reads_give_a_member_nothing(conn, roles) -> None:  # noqa: ANN001
    clock = FakeClock(NOW)
    for viewer in (ADA, roles.eve):
        assert status.heartbeat(conn, viewer, clock=clock) is None
        for read in (
            status.daily_events,
            status.slack_errors,
            status.rate_limit_waits,
            status.run_send_durations,
            status.answers_per_day,
        ):
            assert read(conn, viewer, clock=clock) == [], read.__name__
        assert status.outbox_queue(conn, viewer).rows == []
        assert status.failed_report_posts(conn, viewer) == []
        assert backup.last_backup(viewer, conn, NOW) is None
        assert backup.recent_backups(viewer, conn) == []
        assert deploys.trail(viewer, conn) == []
        assert privacy.members_for(viewer, conn) == []
        assert privacy.export_member(viewer, conn, "U0B") is None
        with pytest.raises(privacy.NotAllowed):
            privacy.forget_member(viewer, conn, "U0B")
    assert status.answers_per_day(conn, roles.admin, clock=clock) != []
    assert {m["slack_id"] for m in privacy.members_for(roles.admin, conn)} >= set(TEAM)
    assert privacy.export_member(ADA, conn, "U0A") is not None, "a member exports their own data"


def test_a_member_never_sees_the_lowest_or_highest_answer(conn, roles) -> None:  # noqa: ANN001
    (full,) = figures.number_by_week(conn, roles.admin, scope(roles.team))
    assert (full.low, full.high, full.median) == (1, 8, 4.5)
    (seen,) = figures.number_by_week(conn, ADA, scope(roles.team))
    assert (seen.low, seen.high, seen.median) == (None, None, 4.5)
    mine = for_viewer.weekly_report(conn, ADA, roles.team, W48, NOW)
    number = next(q for q in mine.questions if q.kind == "number")
    assert (number.min, number.max, number.median) == (None, None, 4.5)


def test_a_range_with_a_held_back_week_tells_a_member_nothing_of_that_week(conn, roles) -> None:  # noqa: ANN001
    both, w48 = scope(roles.team, W47, W48), scope(roles.team)
    # W48: 5, 5, 5, 5, 65, 65, 65, 365 minutes; W47 adds Ada's and Bo's 5 and 5
    assert figures.median_minutes(conn, roles.admin, both) == 5.0
    # a median is one or two answers' times: not shown to a member at all
    assert figures.median_minutes(conn, ADA, both) is None
    assert figures.median_minutes(conn, ADA, w48) is None
    for read in (
        figures.headline,
        figures.scale_by_week,
        figures.choice_by_week,
        figures.answer_heatmap,
    ):
        mine = read(conn, ADA, both)
        if read is figures.headline:
            assert (mine.runs_asked, mine.runs_answered) == (8, 8)
            assert mine.median_minutes is None
            assert read(conn, roles.admin, both).median_minutes == 5.0
            assert [s.mean for s in mine.scales] == [s.mean for s in read(conn, ADA, w48).scales]
        else:
            assert mine == read(conn, ADA, w48), read.__name__


def test_a_members_chart_is_given_only_what_they_may_see(conn, roles) -> None:  # noqa: ANN001
    from checkin.reports.charts import report_chart

    def rows(spec: object) -> list[dict]:
        """Every inline data row of a Vega-Lite spec."""
        found = []
        if isinstance(spec, dict):
            values = (
                (spec.get("data") or {}).get("values")
                if isinstance(spec.get("data"), dict)
                else None
            )
            found += values or []
            for value in spec.values():
                found += rows(value)
        elif isinstance(spec, list):
            for value in spec:
                found += rows(value)
        return found

    def feeling(viewer: Viewer) -> dict[str, int | None]:
        report = for_viewer.weekly_report(conn, viewer, roles.team, W48, NOW)
        spec = report_chart(report).to_dict()
        return {r["answer"]: r["people"] for r in rows(spec) if "answer" in r and "people" in r}

    assert feeling(roles.admin) == {
        "1 awful": 1,
        "2 bad": 0,
        "3 okay": 0,
        "4 good": 3,
        "5 great": 4,
    }
    assert feeling(ADA) == {
        "1 awful": None,
        "2 bad": None,
        "3 okay": None,
        "4 good": None,
        "5 great": 4,
    }
