"""Answer history: one member's answers newest first with their edits; one question's answers."""

from datetime import UTC, date, datetime, timedelta

from checkin.answers import record, runs
from checkin.answers.history import (
    member_history,
    members,
    question_history,
    question_wordings,
    questions,
)
from checkin.checkins import model
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.checkins.timing import DueRun
from checkin.people.members import upsert_member
from checkin.people.viewer import OPERATOR, Viewer
from tests.conftest import WELLBEING


def _run(conn, checkin_id, member, day, clock):  # noqa: ANN001, ANN202
    upsert_member(conn, member, name=member.lower(), real_name=f"Real {member}", clock=clock)
    qids = [q["id"] for q in model.active_questions(conn, checkin_id)]
    due = DueRun(
        member_id=member,
        local_date=day,
        due_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
        closes_at=datetime(day.year, day.month, day.day, 23, 59, tzinfo=UTC),
    )
    return runs.create_run(conn, checkin_id, due, qids, clock=clock), qids


def _answer_day(conn, checkin_id, member, day, clock, mood=4, text="work"):  # noqa: ANN001, ANN202
    run_id, qids = _run(conn, checkin_id, member, day, clock)
    clock.set(datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC))
    a = record.record_answer(conn, run_id, qids[0], text=str(mood), number=mood, clock=clock)
    clock.advance(seconds=20)
    b = record.record_answer(conn, run_id, qids[1], text=text, clock=clock)
    return a.answer_id, b.answer_id


SECOND = WELLBEING.replace('"wellbeing"', '"retro"').replace(
    "What did you work on?", "What went well?"
)


def test_member_history_spans_checkins_and_dates_newest_first(conn, wellbeing, clock):
    import_definitions(conn, parse_toml(SECOND), clock=clock)
    retro = model.get_checkin(conn, "retro")
    _answer_day(conn, wellbeing["id"], "U001", date(2026, 11, 23), clock, text="monday")
    _answer_day(conn, retro["id"], "U001", date(2026, 11, 24), clock, text="retro tuesday")
    _answer_day(conn, wellbeing["id"], "U001", date(2026, 11, 25), clock, text="wednesday")
    _answer_day(conn, wellbeing["id"], "U002", date(2026, 11, 25), clock, text="not mine")
    page = member_history(conn, OPERATOR, "U001")
    assert page.total == 6
    texts = [e.shown for e in page.items if e.question_text.startswith("What")]
    assert texts == ["wednesday", "retro tuesday", "monday"]
    stamps = [e.answered_at for e in page.items]
    assert stamps == sorted(stamps, reverse=True)
    assert {e.checkin for e in page.items} == {"wellbeing", "retro"}
    assert {e.member for e in page.items} == {"Real U001"}
    only_retro = member_history(conn, OPERATOR, "U001", checkin_id=retro["id"])
    assert only_retro.total == 2


def test_two_answers_on_two_days_are_both_in_the_history(conn, wellbeing, clock):
    """The old storage keyed answers by date; here each day keeps its own answer."""
    _answer_day(conn, wellbeing["id"], "U001", date(2026, 11, 23), clock, text="first")
    _answer_day(conn, wellbeing["id"], "U001", date(2026, 11, 25), clock, text="second")
    page = member_history(conn, OPERATOR, "U001")
    assert [e.local_date for e in page.items if e.text in ("first", "second")] == [
        "2026-11-25",
        "2026-11-23",
    ]


def test_an_edited_answer_shows_its_earlier_values_newest_first(conn, wellbeing, clock):
    _, text_id = _answer_day(conn, wellbeing["id"], "U001", date(2026, 11, 25), clock, text="v1")
    clock.advance(minutes=5)
    record.edit_answer(conn, text_id, text="v2", clock=clock)
    clock.advance(minutes=5)
    record.edit_answer(conn, text_id, text="v3", clock=clock)
    entry = next(e for e in member_history(conn, OPERATOR, "U001").items if e.answer_id == text_id)
    assert entry.shown == "v3"
    assert [h.shown for h in entry.earlier] == ["v2", "v1"]
    assert entry.edited_at is not None
    assert entry.earlier[1].answered_at < entry.earlier[0].answered_at


def test_a_skipped_answer_is_shown_as_skipped(conn, wellbeing, clock):
    run_id, qids = _run(conn, wellbeing["id"], "U001", date(2026, 11, 25), clock)
    record.record_answer(conn, run_id, qids[1], skipped=True, clock=clock)
    assert member_history(conn, OPERATOR, "U001").items[0].shown == "(skipped)"


def test_member_history_comes_a_page_at_a_time(conn, wellbeing, clock):
    day = date(2026, 11, 2)
    for n in range(5):
        _answer_day(conn, wellbeing["id"], "U001", day + timedelta(days=n), clock, text=f"d{n}")
    first = member_history(conn, OPERATOR, "U001", page=1, page_size=4)
    last = member_history(conn, OPERATOR, "U001", page=3, page_size=4)
    assert (first.total, first.pages, len(first.items), len(last.items)) == (10, 3, 4, 2)
    assert first.first == 1 and last.first == 9
    everything = [
        e.answer_id
        for n in (1, 2, 3)
        for e in member_history(conn, OPERATOR, "U001", page=n, page_size=4).items
    ]
    assert len(set(everything)) == 10


def test_a_member_sees_only_their_own_history(conn, wellbeing, clock):
    _answer_day(conn, wellbeing["id"], "U001", date(2026, 11, 25), clock)
    _answer_day(conn, wellbeing["id"], "U002", date(2026, 11, 25), clock)
    u1 = Viewer(role="member", slack_id="U001")
    assert member_history(conn, u1, "U001").total == 2
    assert member_history(conn, u1, "U002").total == 0
    assert [m.slack_id for m in members(conn, u1)] == ["U001"]
    lead = Viewer(role="lead", slack_id="U009", lead_of=frozenset({wellbeing["id"]}))
    assert member_history(conn, lead, "U002").total == 2
    assert {m.slack_id for m in members(conn, lead)} == {"U001", "U002"}
    stranger = Viewer(role="lead", slack_id="U009", lead_of=frozenset({wellbeing["id"] + 5}))
    assert member_history(conn, stranger, "U002").total == 0


def test_question_history_keeps_the_wording_each_answer_was_given_to(conn, wellbeing, clock):
    _answer_day(conn, wellbeing["id"], "U001", date(2026, 11, 23), clock, text="old one")
    import_definitions(
        conn,
        parse_toml(WELLBEING.replace("What did you work on?", "What did you ship?")),
        clock=clock,
    )
    _answer_day(conn, wellbeing["id"], "U002", date(2026, 11, 25), clock, text="new one")
    qid = model.active_questions(conn, wellbeing["id"])[1]["id"]
    page = question_history(conn, OPERATOR, qid)
    assert [(e.shown, e.question_text) for e in page.items] == [
        ("new one", "What did you ship?"),
        ("old one", "What did you work on?"),
    ]
    wordings = question_wordings(conn, OPERATOR, qid)
    assert [(w.version, w.text) for w in wordings] == [
        (2, "What did you ship?"),
        (1, "What did you work on?"),
    ]
    assert wordings[0].replaced_at is None and wordings[1].replaced_at is not None
    assert question_history(conn, OPERATOR, qid, week="2026-W48").total == 2
    assert question_history(conn, OPERATOR, qid, week="2026-W40").total == 0


def test_question_history_for_a_member_holds_only_their_answers(conn, wellbeing, clock):
    _answer_day(conn, wellbeing["id"], "U001", date(2026, 11, 25), clock, text="mine")
    _answer_day(conn, wellbeing["id"], "U002", date(2026, 11, 25), clock, text="theirs")
    qid = model.active_questions(conn, wellbeing["id"])[1]["id"]
    page = question_history(conn, Viewer(role="member", slack_id="U001"), qid)
    assert [e.shown for e in page.items] == ["mine"]
    assert [q.text for q in questions(conn, Viewer(role="member", slack_id="U001"))] == [
        "How are you feeling?",
        "What did you work on?",
    ]
    assert questions(conn, Viewer(role="member", slack_id="U404")) == []


def test_question_wordings_only_for_a_checkin_the_viewer_was_asked_in_or_leads(
    conn, wellbeing, clock
):
    _answer_day(conn, wellbeing["id"], "U001", date(2026, 11, 25), clock)
    qid = model.active_questions(conn, wellbeing["id"])[1]["id"]
    asked = Viewer(role="member", slack_id="U001")
    stranger = Viewer(role="member", slack_id="U404")
    assert [w.text for w in question_wordings(conn, asked, qid)] == ["What did you work on?"]
    assert question_wordings(conn, stranger, qid) == []
