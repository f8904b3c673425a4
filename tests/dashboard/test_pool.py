"""The Question pool page through AppTest on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from checkin.answers import record, runs
from checkin.checkins import model
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.checkins.timing import DueRun
from checkin.db import connection
from checkin.people import members
from checkin.pool import moderation, rotation
from checkin.pool import submit as pool_submit
from tests.dashboard.conftest import literal

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
PAGE = "dashboard/pages/pool.py"
PULSE = """
[[checkin]]
name = "pulse"
days = ["mon"]
time = "09:00"
participants = ["U001"]
random_question = true

[[checkin.question]]
text = "What did you work on?"
kind = "text"
"""


@pytest.fixture
def path(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    path = tmp_path / "checkin.db"
    monkeypatch.setenv("CHECKIN_DB", str(path))
    st.cache_data.clear()
    conn = connection.connect(path)
    import_definitions(conn, parse_toml(PULSE))
    members.upsert_member(conn, "U001", real_name="Alice Moreau")
    members.upsert_member(conn, "U002", real_name="Bob Okafor")
    conn.close()
    return path


def page() -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page(PAGE)
    return at.run()


def submit(at: AppTest, text: str, anonymous: bool = False) -> AppTest:
    at.text_area(key="pool_text").input(text)
    if anonymous:
        at.checkbox(key="pool_anonymous").check()
    [b for b in at.button if b.label == "Submit"][0].click()
    return at.run()


def test_a_question_submitted_on_the_page_is_pending_and_listed(path):
    at = submit(page(), "What's the best book you read this year?")
    assert not at.exception
    assert literal(at.success[0].value).startswith(
        "Submitted: “What's the best book you read this year?”"
    )
    table = at.dataframe[0].value
    assert list(table["status"]) == ["pending"] and list(table["times asked"]) == [0]
    conn = connection.connect(path)
    row = conn.execute("SELECT status, source FROM pool_questions").fetchone()
    assert tuple(row) == ("pending", "web")


def test_a_paraphrase_and_an_empty_question_are_refused_with_their_reason(path):
    at = submit(page(), "What's the best book you read this year?")
    at = submit(at, "Which book was the best you read this year?")
    assert literal(at.error[0].value) == (
        "A question like this is waiting for review already: "
        "“What's the best book you read this year?”"
    )
    at = submit(page(), "   ")
    assert literal(at.error[0].value) == "The question is empty: write it out first."


def test_anonymous_submissions_show_no_submitter(path):
    conn = connection.connect(path)
    pool_submit.submit(conn, "Cats or dogs?", submitted_by="U002", source="slack_command")
    conn.close()
    at = submit(page(), "What should we stop doing?", anonymous=True)
    table = at.dataframe[0].value.set_index("question")
    assert table.loc["What should we stop doing?", "submitted by"] == "anonymous"
    assert table.loc["Cats or dogs?", "submitted by"] == "Bob Okafor"


def test_an_admin_approves_from_the_page(path):
    conn = connection.connect(path)
    kept = pool_submit.submit(conn, "Cats or dogs?", submitted_by="U002", source="web")
    conn.close()
    at = page()
    at.button(key=f"approve_{kept.id}").click()
    at.run()
    assert list(at.dataframe[0].value["status"]) == ["approved"]
    conn = connection.connect(path)
    assert pool_submit.get(conn, kept.id)["status"] == "approved"


def test_an_asked_and_answered_pool_question_shows_its_count_and_answers(path):
    conn = connection.connect(path)
    kept = pool_submit.submit(
        conn, "What's the best book you read this year?", submitted_by="U002", source="web"
    )
    moderation.moderate(conn, kept.id, "approve", "U001")
    checkin = model.get_checkin(conn, "pulse")
    day = date(2026, 11, 30)
    qid = rotation.question_for_run(conn, checkin["id"], "U001", day)
    fixed = [q["id"] for q in model.active_questions(conn, checkin["id"])]
    due = DueRun(
        member_id="U001",
        local_date=day,
        due_at=datetime(2026, 11, 30, 8, tzinfo=UTC),
        closes_at=datetime(2026, 11, 30, 23, tzinfo=UTC),
    )
    run_id = runs.create_run(conn, checkin["id"], due, [*fixed, qid])
    record.record_answer(conn, run_id, qid, text="Piranesi")
    conn.close()
    at = page()
    table = at.dataframe[0].value
    assert (list(table["times asked"]), list(table["answers"])) == ([1], [1])
    answers = at.expander[0].dataframe[0].value
    assert list(answers["answer"]) == ["Piranesi"] and list(answers["member"]) == ["Alice Moreau"]


def test_the_pool_and_its_answers_come_with_the_apps_own_safe_csv(path):
    conn = connection.connect(path)
    kept = pool_submit.submit(conn, "=HYPERLINK(1) or a book?", submitted_by="U002", source="web")
    moderation.moderate(conn, kept.id, "approve", "U001")
    conn.close()
    at = page()
    keys = [b.key for b in at.get("download_button")]
    assert "pool-csv" in keys and f"pool-{kept.id}-csv" not in keys  # no answers, no file
    assert at.dataframe[0].value["question"][0] == "=HYPERLINK(1) or a book?"  # shown as typed
