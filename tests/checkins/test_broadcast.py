"""Standup mode in a check-in's definition: `broadcast`, `broadcast_thread`, team by nature,
the moment it starts, and what the bot found in the channel, for the TOML, the form, export."""

import sqlite3

import pytest

from checkin.checkins import broadcast, editing, model
from checkin.checkins.definitions import import_definitions, load_definitions, parse_toml, to_toml
from checkin.checkins.editing import CheckinForm, FormErrors, QuestionForm
from checkin.cli import main
from checkin.clock import iso
from checkin.people.viewer import OPERATOR
from tests.checkins.test_definitions import problems_of, toml


def test_a_broadcast_checkin_is_a_team_checkin_posting_in_a_thread_by_default():
    (standup,) = parse_toml(toml(extra='broadcast = "#standup"'))
    assert (standup.broadcast, standup.broadcast_thread, standup.visibility) == (
        "#standup",
        True,
        "team",
    )
    (plain,) = parse_toml(toml())
    assert (plain.broadcast, plain.visibility) == (None, "private")


def test_a_broadcast_checkin_set_private_is_refused_in_one_line():
    assert problems_of(toml(extra='broadcast = "#standup"\nvisibility = "private"')) == [
        "check-in 'standup': visibility: broadcast posts every answer to #standup for all "
        'there to read, so the check-in is "team": set visibility = "team", or remove broadcast'
    ]


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ('broadcast = "standup"', "broadcast: 'standup' is not a \"#channel\" or channel id"),
        ("broadcast = true", 'broadcast: True is not a "#channel" or channel id'),
        (
            'broadcast = "#standup"\nbroadcast_thread = "yes"',
            "broadcast_thread: use true (replies under one message a day) or false",
        ),
        (
            "broadcast_thread = false",
            'broadcast_thread: goes with broadcast = "#channel"; add the channel or remove it',
        ),
    ],
)
def test_a_bad_broadcast_setting_is_one_line(extra: str, problem: str):
    assert problems_of(toml(extra=extra)) == [f"check-in 'standup': {problem}"]


def test_export_and_import_round_trip_the_channel_and_the_thread_choice(conn, clock):
    import_definitions(
        conn,
        parse_toml(toml(extra='broadcast = "C0123ABCD"\nbroadcast_thread = false')),
        clock=clock,
    )
    text = to_toml(load_definitions(conn))
    assert 'broadcast = "C0123ABCD"' in text and "broadcast_thread = false" in text
    assert 'visibility = "team"' in text
    (again,) = parse_toml(text)
    assert (again.broadcast, again.broadcast_thread) == ("C0123ABCD", False)
    assert import_definitions(conn, [again], clock=clock).unchanged == ["standup"]


def test_the_channel_starts_when_it_is_set_so_earlier_answers_are_never_posted(conn, clock):
    import_definitions(conn, parse_toml(toml()), clock=clock)
    assert model.get_checkin(conn, "standup")["broadcast_since"] is None
    clock.advance(hours=1)
    set_at = iso(clock())
    import_definitions(conn, parse_toml(toml(extra='broadcast = "#standup"')), clock=clock)
    assert model.get_checkin(conn, "standup")["broadcast_since"] == set_at
    clock.advance(hours=1)
    import_definitions(conn, parse_toml(toml(extra='broadcast = "#standup"')), clock=clock)
    assert model.get_checkin(conn, "standup")["broadcast_since"] == set_at, "unchanged: kept"
    clock.advance(hours=1)
    moved_at = iso(clock())
    import_definitions(conn, parse_toml(toml(extra='broadcast = "#daily"')), clock=clock)
    assert model.get_checkin(conn, "standup")["broadcast_since"] == moved_at


def test_the_schema_refuses_a_private_checkin_with_a_channel(conn, clock):
    import_definitions(conn, parse_toml(toml()), clock=clock)
    with pytest.raises(sqlite3.IntegrityError, match="visibility team"):
        conn.execute("UPDATE checkins SET broadcast = '#standup'")


def test_the_import_says_the_bot_will_look_at_the_channel_then_what_it_found(conn, clock):
    result = import_definitions(conn, parse_toml(toml(extra='broadcast = "#standup"')), clock=clock)
    assert result.summary().splitlines() == [
        "created 1 (standup)",
        "standup posts each member's answers to #standup: the bot checks that it is in "
        "#standup at its next start (within seconds while it runs); if it is not, type "
        "`/invite @checkin` in #standup.",
    ]
    checkin = model.get_checkin(conn, "standup")
    line = broadcast.not_member_line("#standup", "standup")
    assert broadcast.record_check(conn, checkin["id"], "#standup", line, clock)
    assert not broadcast.record_check(conn, checkin["id"], "#standup", line, clock)
    again = import_definitions(conn, parse_toml(toml(extra='broadcast = "#standup"')), clock=clock)
    assert again.summary().splitlines()[1] == (
        "The bot is not in #standup, so standup's answers cannot be posted there: "
        "type `/invite @checkin` in #standup."
    )
    assert broadcast.problems(conn) == [line]
    broadcast.record_check(conn, checkin["id"], "#standup", None, clock)
    assert import_definitions(
        conn, parse_toml(toml(extra='broadcast = "#standup"')), clock=clock
    ).summary() == ("unchanged 1 (standup)")


def test_the_cli_import_prints_the_invite_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHECKIN_DB", str(tmp_path / "c.db"))
    path = tmp_path / "standup.toml"
    path.write_text(toml(extra='broadcast = "#standup"'), encoding="utf-8")
    assert main(["checkins", "import", str(path)]) == 0
    assert "`/invite @checkin` in #standup" in capsys.readouterr().out


def _form(**changes) -> CheckinForm:  # noqa: ANN003
    form = CheckinForm(
        name="standup",
        days=["mon", "tue"],
        participants=["U001"],
        questions=[QuestionForm(kind="text", text="What will you do today?")],
    )
    for key, value in changes.items():
        setattr(form, key, value)
    return form


def test_the_form_sets_the_channel_and_refuses_it_for_a_private_checkin(conn, clock):
    with pytest.raises(FormErrors) as refused:
        editing.save_checkin_form(conn, OPERATOR, _form(broadcast="#standup"), clock=clock)
    assert list(refused.value.fields) == ["visibility"]
    saved = editing.save_checkin_form(
        conn,
        OPERATOR,
        _form(broadcast="#standup", broadcast_thread=False, visibility="team"),
        clock=clock,
    )
    form = editing.checkin_form(conn, OPERATOR, saved.checkin_id)
    assert (form.broadcast, form.broadcast_thread, form.visibility) == ("#standup", False, "team")
    assert "`/invite @checkin` in #standup" in form.broadcast_note
    checkin = model.get_checkin_by_id(conn, saved.checkin_id)
    assert checkin["broadcast_since"] == iso(clock())

    clock.advance(minutes=5)
    form.broadcast = ""
    editing.save_checkin_form(conn, OPERATOR, form, clock=clock)
    cleared = editing.checkin_form(conn, OPERATOR, saved.checkin_id)
    assert (cleared.broadcast, cleared.broadcast_note) == ("", "")
