"""Check-in management: the form through the import validator, saves by question id, outbox rows."""

from datetime import date

import pytest

from checkin import errors
from checkin.checkins import actions, editing, model
from checkin.checkins.definitions import (
    DefinitionError,
    import_definitions,
    load_definitions,
    parse_toml,
)
from checkin.checkins.editing import CheckinForm, FormErrors, QuestionForm
from checkin.errors import NotAllowed
from checkin.ops import outbox
from checkin.people.viewer import OPERATOR, Viewer
from tests.answers.test_history import _answer_day


def _form(**changes) -> CheckinForm:  # noqa: ANN003
    form = CheckinForm(
        name="standup",
        days=["mon", "tue"],
        time="09:30",
        timezone="Europe/Berlin",
        participants=["U001", "#team"],
        report_channel="#team",
        report_day="fri",
        report_time="16:00",
        reminder_minutes=60,
        random_question=True,
        questions=[
            QuestionForm(kind="scale", text="How are you?", labels=["a", "b", "c", "d", "e"]),
            QuestionForm(kind="text", text="What will you do today?"),
            QuestionForm(kind="choice", text="Where?", options=["office", "home"]),
        ],
    )
    for key, value in changes.items():
        setattr(form, key, value)
    return form


def test_a_new_checkin_from_the_form_is_what_the_toml_import_would_make(conn, clock):
    saved = editing.save_checkin_form(conn, OPERATOR, _form(), clock=clock)
    assert saved.outcome == "created"
    [definition] = load_definitions(conn)
    assert (definition.name, definition.days, definition.time, definition.timezone) == (
        "standup",
        ["mon", "tue"],
        "09:30",
        "Europe/Berlin",
    )
    assert definition.participants == ["U001", "#team"]
    assert (definition.report_day, definition.report_time) == ("fri", "16:00")
    assert definition.reminder_minutes == 60 and definition.random_question
    assert [(q.kind, q.text) for q in definition.questions] == [
        ("scale", "How are you?"),
        ("text", "What will you do today?"),
        ("choice", "Where?"),
    ]
    assert definition.questions[2].options == ["office", "home"]


def test_form_errors_are_the_import_messages_by_field(conn, clock):
    form = _form(time="9h", days=[], report_day="someday")
    form.questions[2].options = ["only one"]
    form.questions[0].labels = ["a", "b"]
    with pytest.raises(FormErrors) as caught:
        editing.save_checkin_form(conn, OPERATOR, form, clock=clock)
    fields = caught.value.fields
    assert fields["time"] == ["'9h' is not a time; use HH:MM, 24-hour, like \"09:00\""]
    assert fields["days"] == ['give a list such as ["mon", "wed", "fri"]']
    assert fields["report_day"] == ["'someday' is not a day; use mon, tue, wed, thu, fri, sat, sun"]
    assert fields["question 3.options"] == ["a choice needs 2 to 10 text options"]
    assert fields["question 1.labels"] == ["a scale needs exactly 5 text labels, for 1 to 5"]
    assert conn.execute("SELECT COUNT(*) FROM checkins").fetchone()[0] == 0


def test_the_form_and_the_toml_import_say_the_same_thing(conn, clock):
    from checkin.checkins.definitions import parse_toml

    toml = '[[checkin]]\nname = "x"\ntime = "25:00"\n[[checkin.question]]\ntext = "q"\n'
    with pytest.raises(DefinitionError) as imported:
        parse_toml(toml)
    with pytest.raises(FormErrors) as formed:
        editing.save_checkin_form(
            conn,
            OPERATOR,
            _form(
                name="x",
                time="25:00",
                report_channel="",
                report_day="",
                report_time="",
                questions=[QuestionForm(text="q")],
            ),
            clock=clock,
        )
    assert imported.value.problems == [f"check-in 'x': time: {formed.value.fields['time'][0]}"]


def test_a_name_used_by_another_checkin_is_refused(conn, wellbeing, clock):
    with pytest.raises(FormErrors) as caught:
        editing.save_checkin_form(conn, OPERATOR, _form(name="Wellbeing"), clock=clock)
    assert caught.value.fields["name"] == ["another check-in has this name; choose another"]


def test_rewording_a_question_keeps_its_answers_and_their_wording(conn, wellbeing, clock):
    _answer_day(conn, wellbeing["id"], "U001", date(2026, 11, 23), clock, text="old answer")
    form = editing.checkin_form(conn, OPERATOR, wellbeing["id"])
    question = form.questions[1]
    question.text = "What did you ship?"
    saved = editing.save_checkin_form(conn, OPERATOR, form, clock=clock)
    assert saved.outcome == "updated"
    row = conn.execute("SELECT * FROM questions WHERE id = ?", (question.id,)).fetchone()
    assert (row["text"], row["version"], row["active"]) == ("What did you ship?", 2, 1)
    kept = conn.execute(
        "SELECT version, text FROM question_versions WHERE question_id = ?", (question.id,)
    ).fetchall()
    assert [tuple(k) for k in kept] == [(1, "What did you work on?")]
    answer = conn.execute(
        "SELECT question_id, question_text, text FROM answers WHERE text = 'old answer'"
    ).fetchone()
    assert tuple(answer) == (question.id, "What did you work on?", "old answer")


def test_reordering_questions_keeps_each_question_its_own_answers(conn, wellbeing, clock):
    form = editing.checkin_form(conn, OPERATOR, wellbeing["id"])
    ids = [q.id for q in form.questions]
    form.questions.reverse()
    editing.save_checkin_form(conn, OPERATOR, form, clock=clock)
    rows = conn.execute(
        "SELECT id, position, version FROM questions WHERE active = 1 ORDER BY position"
    ).fetchall()
    assert [r["id"] for r in rows] == list(reversed(ids))
    assert {r["version"] for r in rows} == {1}


def test_changing_a_kind_retires_the_question_and_adds_a_new_one(conn, wellbeing, clock):
    form = editing.checkin_form(conn, OPERATOR, wellbeing["id"])
    old_id = form.questions[1].id
    form.questions[1].kind = "choice"
    form.questions[1].options = ["yes", "no"]
    editing.save_checkin_form(conn, OPERATOR, form, clock=clock)
    assert conn.execute("SELECT active FROM questions WHERE id = ?", (old_id,)).fetchone()[0] == 0
    new = model.active_questions(conn, wellbeing["id"])[1]
    assert new["kind"] == "choice" and new["id"] != old_id


def test_removing_a_question_retires_it(conn, wellbeing, clock):
    form = editing.checkin_form(conn, OPERATOR, wellbeing["id"])
    gone = form.questions.pop(0).id
    editing.save_checkin_form(conn, OPERATOR, form, clock=clock)
    assert [q["text"] for q in model.active_questions(conn, wellbeing["id"])] == [
        "What did you work on?"
    ]
    assert conn.execute("SELECT active FROM questions WHERE id = ?", (gone,)).fetchone()[0] == 0


def test_saving_an_unchanged_form_changes_nothing(conn, wellbeing, clock):
    before = conn.execute("SELECT updated_at FROM checkins").fetchone()[0]
    clock.advance(hours=1)
    form = editing.checkin_form(conn, OPERATOR, wellbeing["id"])
    assert editing.save_checkin_form(conn, OPERATOR, form, clock=clock).outcome == "unchanged"
    assert conn.execute("SELECT updated_at FROM checkins").fetchone()[0] == before


def test_only_admins_manage_not_even_a_lead_of_the_checkin(conn, wellbeing, clock):
    lead = Viewer(role="lead", slack_id="U009", lead_of=frozenset({wellbeing["id"]}))
    member = Viewer(role="member", slack_id="U001")
    form = editing.checkin_form(conn, OPERATOR, wellbeing["id"])
    form.time = "10:00"
    for viewer in (lead, member):
        with pytest.raises(NotAllowed):
            editing.save_checkin_form(conn, viewer, _form(), clock=clock)
        with pytest.raises(NotAllowed):
            editing.save_checkin_form(conn, viewer, form, clock=clock)
        with pytest.raises(NotAllowed):
            editing.checkin_form(conn, viewer, wellbeing["id"])
        with pytest.raises(NotAllowed):
            actions.send_now(conn, viewer, wellbeing["id"], clock=clock)
        with pytest.raises(NotAllowed):
            actions.post_summary(conn, viewer, wellbeing["id"], clock=clock)
        assert editing.checkins(conn, viewer) == []
        assert "[[checkin]]" not in editing.export_toml(conn, viewer)
    assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
    assert editing.save_checkin_form(conn, OPERATOR, form, clock=clock).outcome == "updated"


def test_send_now_writes_exactly_one_outbox_row_and_its_status_follows(conn, wellbeing, clock):
    outbox_id = actions.send_now(conn, OPERATOR, wellbeing["id"], "U002", clock=clock)
    rows = conn.execute("SELECT kind, payload, status FROM outbox").fetchall()
    assert [tuple(r) for r in rows] == [
        ("send_checkin", '{"checkin": "wellbeing", "members": ["U002"]}', "pending")
    ]
    [status] = actions.outbox_status(conn, OPERATOR, [outbox_id])
    assert status.status == "pending" and status.what == "send wellbeing now to U002"
    outbox.claim_outbox(conn, clock=clock)
    outbox.finish_outbox(conn, outbox_id, "member U002 is not askable", clock=clock)
    [status] = actions.outbox_status(conn, OPERATOR, [outbox_id])
    assert (status.status, status.error, status.finished) == (
        "failed",
        "member U002 is not askable",
        True,
    )
    everyone = actions.send_now(conn, OPERATOR, wellbeing["id"], clock=clock)
    assert actions.outbox_status(conn, OPERATOR, [everyone])[0].what == (
        "send wellbeing now to everyone"
    )
    assert [s.id for s in actions.recent_requests(conn, OPERATOR, wellbeing["id"])] == [
        everyone,
        outbox_id,
    ]


def test_post_summary_queues_this_week_in_the_checkins_zone(conn, wellbeing, clock):
    outbox_id = actions.post_summary(conn, OPERATOR, wellbeing["id"], clock=clock)
    [status] = actions.outbox_status(conn, OPERATOR, [outbox_id])
    assert status.kind == "post_report"
    assert status.payload == {"checkin": "wellbeing", "week": "2026-W48", "channel": "#team"}
    assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 1


def test_post_summary_without_a_report_channel_is_one_clear_line(conn, clock):
    editing.save_checkin_form(
        conn, OPERATOR, _form(report_channel="", report_day="", report_time=""), clock=clock
    )
    checkin_id = conn.execute("SELECT id FROM checkins").fetchone()[0]
    with pytest.raises(errors.NotFound, match="has no report channel"):
        actions.post_summary(conn, OPERATOR, checkin_id, clock=clock)
    assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0


def test_import_and_export_round_trip_through_the_page_functions(conn, wellbeing, clock):
    text = editing.export_toml(conn, OPERATOR)
    assert 'name = "wellbeing"' in text
    renamed = text.replace('name = "wellbeing"', 'name = "wellbeing2"')
    result = editing.import_toml(conn, OPERATOR, renamed, clock=clock)
    assert result.created == ["wellbeing2"]
    assert editing.import_toml(conn, OPERATOR, renamed, clock=clock).unchanged == ["wellbeing2"]
    with pytest.raises(DefinitionError) as bad:
        editing.import_toml(conn, OPERATOR, '[[checkin]]\nname = "x"\ndays = ["someday"]\n')
    assert "check-in 'x': days: 'someday' is not a day" in bad.value.problems[0]
    with pytest.raises(NotAllowed):
        editing.import_toml(conn, Viewer(role="member", slack_id="U1"), renamed)


def test_the_form_sets_and_keeps_the_visibility(conn, clock):
    saved = editing.save_checkin_form(conn, OPERATOR, _form(visibility="team"), clock=clock)
    form = editing.checkin_form(conn, OPERATOR, saved.checkin_id)
    assert form.visibility == "team"
    form.visibility = "private"
    assert editing.save_checkin_form(conn, OPERATOR, form, clock=clock).outcome == "updated"
    assert load_definitions(conn)[0].visibility == "private"
    with pytest.raises(FormErrors) as err:
        editing.save_checkin_form(conn, OPERATOR, _form(id=saved.checkin_id, visibility="all"))
    assert list(err.value.fields) == ["visibility"]


def test_a_save_from_the_page_keeps_the_leads_and_retention_the_toml_set(conn, clock):
    import_definitions(
        conn,
        parse_toml(
            """
[[checkin]]
name = "standup"
days = ["mon"]
time = "09:00"
participants = ["U001", "U002"]
report_channel = "#leads"
leads = ["U009"]
leads_from_report_channel = true
retention_weeks = 26

[[checkin.question]]
text = "What will you do today?"
kind = "text"
"""
        ),
        clock=clock,
    )
    checkin_id = model.get_checkin(conn, "standup")["id"]
    form = editing.checkin_form(conn, OPERATOR, checkin_id)
    form.time = "09:30"
    editing.save_checkin_form(conn, OPERATOR, form, clock=clock)
    [definition] = load_definitions(conn)
    assert definition.time == "09:30"
    assert definition.leads == ["U009"] and definition.leads_from_report_channel
    assert definition.retention_weeks == 26
