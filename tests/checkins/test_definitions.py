import json

import pytest

from checkin.checkins import definitions
from checkin.cli import main
from tests.conftest import ROOT, WELLBEING


def problems_of(toml: str) -> list[str]:
    with pytest.raises(definitions.DefinitionError) as err:
        definitions.parse_toml(toml)
    return err.value.problems


BASE = """
[[checkin]]
name = "standup"
days = {days}
time = {time}
participants = ["U001"]
{extra}

[[checkin.question]]
text = {text}
kind = {kind}
{qextra}
"""


def toml(days='["mon"]', time='"09:00"', extra="", text='"How?"', kind='"text"', qextra=""):  # noqa: ANN201
    return BASE.format(days=days, time=time, extra=extra, text=text, kind=kind, qextra=qextra)


def test_example_file_is_valid_and_has_the_default_checkin():
    (checkin,) = definitions.load_file(ROOT / "data" / "checkins.example.toml")
    assert checkin.days == ["mon", "wed", "fri"] and checkin.time == "09:00"
    assert (checkin.report_day, checkin.report_time) == ("fri", "16:00")
    kinds = [q.kind for q in checkin.questions]
    assert kinds == ["scale", "text", "text"]
    assert all(label.isalpha() for label in checkin.questions[0].labels)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (toml(days='["mon", "funday"]'), "check-in 'standup': days: 'funday' is not a day"),
        (toml(time='"9am"'), "check-in 'standup': time: '9am' is not a time"),
        (toml(time='"24:00"'), "check-in 'standup': time: '24:00'"),
        (
            toml(kind='"scale"', qextra='labels = ["a", "b", "c"]'),
            "check-in 'standup': question 1.labels: a scale needs exactly 5",
        ),
        (toml(text='"   "'), "check-in 'standup': question 1.text: is empty"),
        (
            toml(kind='"choice"', qextra='options = ["only one"]'),
            "check-in 'standup': question 1.options: a choice needs 2 to",
        ),
        (toml(kind='"essay"'), "check-in 'standup': question 1.kind: 'essay' is not one of"),
        (toml(extra='colour = "blue"'), "check-in 'standup': colour: unknown setting"),
        (toml(extra='timezone = "Mars/Base"'), "check-in 'standup': timezone:"),
        (
            toml(extra='report = { day = "fri", time = "16:00" }'),
            "check-in 'standup': report_channel: a report time is set but no channel",
        ),
        (toml() + toml(), "check-in 'standup': name: used by two check-ins"),
        ("[[checkin]\nname=", "is not valid TOML"),
        ("title = 'no checkins'", "has no [[checkin]] tables"),
    ],
)
def test_invalid_definitions_name_checkin_and_field(source, expected):
    assert any(expected in p for p in problems_of(source)), problems_of(source)


def test_all_problems_are_reported_at_once():
    problems = problems_of(toml(days='["funday"]', time='"25:00"', text='""'))
    assert len(problems) == 3


def test_import_twice_changes_nothing(conn, clock):
    defs = definitions.parse_toml(WELLBEING)
    assert definitions.import_definitions(conn, defs, clock=clock).created == ["wellbeing"]
    before = [tuple(r) for r in conn.execute("SELECT * FROM checkins")]
    questions = [tuple(r) for r in conn.execute("SELECT * FROM questions")]
    clock.advance(days=1)
    again = definitions.import_definitions(conn, definitions.parse_toml(WELLBEING), clock=clock)
    assert again.unchanged == ["wellbeing"] and not again.updated
    assert [tuple(r) for r in conn.execute("SELECT * FROM checkins")] == before
    assert [tuple(r) for r in conn.execute("SELECT * FROM questions")] == questions


def test_edited_question_keeps_old_wording_as_a_version(conn, clock):
    definitions.import_definitions(conn, definitions.parse_toml(WELLBEING), clock=clock)
    edited = WELLBEING.replace("What did you work on?", "What did you work on today?")
    result = definitions.import_definitions(conn, definitions.parse_toml(edited), clock=clock)
    assert result.updated == ["wellbeing"]
    q = conn.execute("SELECT * FROM questions WHERE position = 2 AND active = 1").fetchone()
    assert (q["text"], q["version"]) == ("What did you work on today?", 2)
    old = conn.execute(
        "SELECT * FROM question_versions WHERE question_id = ?", (q["id"],)
    ).fetchone()
    assert (old["version"], old["text"]) == (1, "What did you work on?")


def test_question_of_another_kind_retires_the_old_one(conn, clock):
    definitions.import_definitions(conn, definitions.parse_toml(WELLBEING), clock=clock)
    changed = WELLBEING.replace(
        'text = "What did you work on?"\nkind = "text"', 'text = "Hours of focus?"\nkind = "number"'
    )
    definitions.import_definitions(conn, definitions.parse_toml(changed), clock=clock)
    rows = conn.execute("SELECT text, kind, active FROM questions WHERE position = 2").fetchall()
    assert sorted(tuple(r) for r in rows) == [
        ("Hours of focus?", "number", 1),
        ("What did you work on?", "text", 0),
    ]


def test_export_round_trips(conn, clock):
    tricky = WELLBEING.replace("What did you work on?", 'What did you \\"ship\\"? — naïve ✅')
    definitions.import_definitions(conn, definitions.parse_toml(tricky), clock=clock)
    exported = definitions.to_toml(definitions.load_definitions(conn))
    assert definitions.parse_toml(exported) == definitions.parse_toml(tricky)


def test_cli_import_invalid_file_exits_2_and_leaves_db_untouched(tmp_path, capsys):
    db_file = tmp_path / "c.db"
    good = tmp_path / "good.toml"
    good.write_text(WELLBEING)
    assert main(["--db", str(db_file), "checkins", "import", str(good)]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(WELLBEING.replace('"fri"]', '"fri", "someday"]').replace("U002", "U003"))
    capsys.readouterr()
    assert main(["--db", str(db_file), "checkins", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "check-in 'wellbeing': days: 'someday' is not a day" in err
    assert "Traceback" not in err
    import sqlite3

    conn = sqlite3.connect(db_file)
    assert json.loads(conn.execute("SELECT participants FROM checkins").fetchone()[0]) == [
        "U001",
        "U002",
    ]


def test_cli_export_and_list(tmp_path, capsys):
    db_file = tmp_path / "c.db"
    src = tmp_path / "w.toml"
    src.write_text(WELLBEING)
    main(["--db", str(db_file), "checkins", "import", str(src)])
    capsys.readouterr()
    assert main(["--db", str(db_file), "checkins", "list"]) == 0
    assert "wellbeing: mon, wed, fri at 09:00, 2 questions" in capsys.readouterr().out
    out = tmp_path / "out.toml"
    assert main(["--db", str(db_file), "checkins", "export", "--out", str(out)]) == 0
    assert definitions.parse_toml(out.read_text()) == definitions.parse_toml(WELLBEING)


def test_visibility_is_private_unless_the_checkin_says_team(conn, clock):
    (default,) = definitions.parse_toml(toml())
    (team,) = definitions.parse_toml(toml(extra='visibility = "team"'))
    assert (default.visibility, team.visibility) == ("private", "team")
    definitions.import_definitions(conn, [team], clock=clock)
    assert conn.execute("SELECT visibility FROM checkins").fetchone()[0] == "team"
    exported = definitions.to_toml(definitions.load_definitions(conn))
    assert 'visibility = "team"' in exported
    assert definitions.parse_toml(exported)[0].visibility == "team"


@pytest.mark.parametrize("value", ['"public"', '"Team"', "true", '""'])
def test_a_visibility_other_than_private_or_team_is_one_clear_problem(value):
    (problem,) = problems_of(toml(extra=f"visibility = {value}"))
    assert "visibility:" in problem and '"private" or "team"' in problem
