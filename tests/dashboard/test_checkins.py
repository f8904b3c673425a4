"""The Check-ins page on a demo database: edit through the validator, send now, post, TOML."""

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from checkin.checkins import model
from checkin.db import connection
from checkin.demo import build_demo
from checkin.ops import outbox

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
PAGE = "dashboard/pages/checkins.py"


@pytest.fixture
def demo(tmp_path, monkeypatch, prepared):  # noqa: ANN001, ANN201
    path = tmp_path / "demo.db"
    prepared(build_demo, path, members=6, weeks=2, seed=3, until=date(2026, 11, 27))
    monkeypatch.setenv("CHECKIN_DB", str(path))
    conn = connection.connect(path)
    yield conn
    conn.close()


def _open() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _shown(element) -> str:  # noqa: ANN001
    """A markdown element's text as the reader sees it (backslash escapes removed)."""
    return element.value.replace("\\", "")


def _question(conn, position: int):  # noqa: ANN001, ANN202
    return conn.execute(
        "SELECT * FROM questions WHERE active = 1 AND pool_question_id IS NULL AND position = ?",
        (position,),
    ).fetchone()


def test_the_form_shows_the_checkin_as_stored(demo):
    at = _open()
    assert at.text_input(key="ci_name").value == "wellbeing"
    assert at.multiselect(key="ci_days").value == ["mon", "wed", "fri"]
    q = _question(demo, 2)
    assert at.text_input(key=f"ci_q{q['id']}_text").value == q["text"]


def test_a_bad_time_shows_the_import_message_under_the_field_and_saves_nothing(demo):
    before = demo.execute("SELECT time, updated_at FROM checkins").fetchone()
    at = _open()
    at.text_input(key="ci_time").set_value("9am")
    at.button(key="ci_save").click().run()
    assert not at.exception
    messages = [_shown(e) for e in at.error]
    assert "'9am' is not a time; use HH:MM, 24-hour, like \"09:00\"" in messages
    assert tuple(demo.execute("SELECT time, updated_at FROM checkins").fetchone()) == tuple(before)


def test_a_choice_with_one_option_is_refused_next_to_its_question(demo):
    q = _question(demo, 4)
    assert q["kind"] == "choice"
    at = _open()
    at.text_area(key=f"ci_q{q['id']}_options").set_value("only office")
    at.button(key="ci_save").click().run()
    assert "a choice needs 2 to 10 text options" in [_shown(e) for e in at.error]
    assert (
        demo.execute("SELECT options FROM questions WHERE id = ?", (q["id"],)).fetchone()[0]
        == (q["options"])
    )


def test_rewording_a_question_keeps_the_old_answers_with_their_wording(demo):
    q = _question(demo, 2)
    answered = demo.execute(
        "SELECT COUNT(*) FROM answers WHERE question_id = ?", (q["id"],)
    ).fetchone()[0]
    assert answered > 0
    at = _open()
    at.text_input(key=f"ci_q{q['id']}_text").set_value("What did you ship?")
    at.button(key="ci_save").click().run()
    assert not at.exception
    assert "Saved: updated." in [_shown(s) for s in at.success]
    row = demo.execute("SELECT text, version FROM questions WHERE id = ?", (q["id"],)).fetchone()
    assert tuple(row) == ("What did you ship?", 2)
    assert (
        demo.execute(
            "SELECT text FROM question_versions WHERE question_id = ?", (q["id"],)
        ).fetchone()[0]
        == q["text"]
    )
    wordings = demo.execute(
        "SELECT DISTINCT question_text FROM answers WHERE question_id = ?", (q["id"],)
    ).fetchall()
    assert [w[0] for w in wordings] == [q["text"]]
    assert (
        demo.execute("SELECT COUNT(*) FROM answers WHERE question_id = ?", (q["id"],)).fetchone()[0]
        == answered
    )
    assert at.text_input(key=f"ci_q{q['id']}_text").value == "What did you ship?"


def test_moving_a_question_up_saves_the_new_order_with_the_same_ids(demo):
    first, second = _question(demo, 1), _question(demo, 2)
    at = _open()
    at.button(key=f"ci_q{second['id']}_up").click().run()
    at.button(key="ci_save").click().run()
    assert not at.exception
    assert _question(demo, 1)["id"] == second["id"]
    assert _question(demo, 2)["id"] == first["id"]


def test_a_new_checkin_is_created_from_the_form(demo):
    at = _open()
    at.selectbox(key="ci_choice").set_value(0).run()
    at.text_input(key="ci_name").set_value("retro")
    at.multiselect(key="ci_days").set_value(["fri"])
    at.multiselect(key="ci_participants").set_value(["U0001001", "#team"])
    [text_key] = [t.key for t in at.text_input if t.key.endswith("_text")]
    at.text_input(key=text_key).set_value("What went well?")
    at.button(key="ci_save").click().run()
    assert not at.exception
    row = model.get_checkin(demo, "retro")
    assert (row["days"], row["participants"]) == ('["fri"]', '["U0001001", "#team"]')
    assert [q["text"] for q in model.active_questions(demo, row["id"])] == ["What went well?"]
    assert at.selectbox(key="ci_choice").value == row["id"]


def test_send_now_writes_one_outbox_row_and_shows_how_it_ended(demo):
    at = _open()
    at.button(key="ci_send").click().run()
    assert not at.exception
    rows = demo.execute("SELECT id, kind, payload, status FROM outbox").fetchall()
    assert [(r["kind"], r["payload"], r["status"]) for r in rows] == [
        ("send_checkin", '{"checkin": "wellbeing", "members": []}', "pending")
    ]
    table = at.dataframe[0].value
    assert list(table["status"]) == ["pending"]
    assert list(table["what"]) == ["send wellbeing now to everyone"]

    outbox.claim_outbox(demo)  # the bot takes it ...
    at.run()
    assert list(at.dataframe[0].value["status"]) == ["running"]
    outbox.finish_outbox(demo, rows[0]["id"], "nothing could be sent: {'failed': 6}")
    at.run()
    table = at.dataframe[0].value
    assert list(table["status"]) == ["failed"]
    assert list(table["reason"]) == ["nothing could be sent: {'failed': 6}"]
    assert demo.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 1


def test_send_now_to_one_member(demo):
    member = demo.execute("SELECT slack_id FROM members ORDER BY slack_id LIMIT 1").fetchone()[0]
    at = _open()
    at.selectbox(key="ci_send_to").set_value(member)
    at.button(key="ci_send").click().run()
    payloads = [r[0] for r in demo.execute("SELECT payload FROM outbox")]
    assert payloads == [f'{{"checkin": "wellbeing", "members": ["{member}"]}}']


def test_post_this_weeks_summary_writes_one_row_and_shows_done(demo):
    at = _open()
    at.button(key="ci_post").click().run()
    [row] = demo.execute("SELECT id, kind, payload FROM outbox").fetchall()
    assert row["kind"] == "post_report"
    assert '"channel": "#team"' in row["payload"]
    outbox.claim_outbox(demo)
    outbox.finish_outbox(demo, row["id"], None)
    at.run()
    assert list(at.dataframe[0].value["status"]) == ["done"]


def test_a_stopped_bot_is_named_when_sending(demo):
    at = _open()
    assert any("bot is not running" in w.value for w in at.warning)


GOOD_TOML = b"""
[[checkin]]
name = "retro"
days = ["fri"]
time = "15:00"
participants = ["#team"]

[[checkin.question]]
text = "What went well?"
kind = "text"
"""


def test_importing_a_toml_file_from_the_page_creates_its_checkins(demo):
    at = _open()
    at.get("file_uploader")[0].upload("retro.toml", GOOD_TOML, "application/toml").run()
    at.button(key="ci_import").click().run()
    assert not at.exception
    assert "retro.toml: created 1 (retro)" in [_shown(s) for s in at.success]
    assert [
        q["text"] for q in model.active_questions(demo, model.get_checkin(demo, "retro")["id"])
    ] == ["What went well?"]


def test_a_bad_toml_file_imports_nothing_and_lists_the_import_messages(demo):
    at = _open()
    bad = GOOD_TOML.replace(b'"15:00"', b'"3pm"').replace(b'["fri"]', b'["someday"]')
    at.get("file_uploader")[0].upload("bad.toml", bad, "application/toml").run()
    at.button(key="ci_import").click().run()
    assert not at.exception
    assert at.code[0].value.splitlines() == [
        "check-in 'retro': days: 'someday' is not a day; use mon, tue, wed, thu, fri, sat, sun",
        "check-in 'retro': time: '3pm' is not a time; use HH:MM, 24-hour, like \"09:00\"",
    ]
    assert demo.execute("SELECT COUNT(*) FROM checkins WHERE name = 'retro'").fetchone()[0] == 0


def test_the_export_is_the_cli_export(demo):
    from checkin.checkins import editing
    from checkin.checkins.definitions import load_definitions, to_toml
    from checkin.people.viewer import OPERATOR

    assert editing.export_toml(demo, OPERATOR) == to_toml(load_definitions(demo))
    at = _open()
    assert at.get("download_button")[0].proto.label == "Export check-ins (TOML)"


def test_requests_queued_elsewhere_are_listed_too(demo):
    outbox_id = outbox.enqueue(
        demo, "send_checkin", {"checkin": "wellbeing", "members": []}, requested_by="cli"
    )
    at = _open()
    [table] = [d.value for d in at.dataframe]
    assert list(table["request"]) == [f"#{outbox_id}"]
    assert list(table["status"]) == ["pending"]
