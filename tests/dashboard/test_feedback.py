"""The Feedback page's request form through AppTest: it queues the invites for the bot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from checkin.db import connection
from checkin.people import members
from tests.dashboard.conftest import literal

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
PEOPLE = {
    "U001": "Alice Moreau",
    "U002": "Bob Okafor",
    "U003": "Chitra Iyer",
    "U004": "Dmitri Volkov",
    "U005": "Emma Larsen",
}


@pytest.fixture
def path(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    path = tmp_path / "checkin.db"
    monkeypatch.setenv("CHECKIN_DB", str(path))
    st.cache_data.clear()
    conn = connection.connect(path)
    for slack_id, name in PEOPLE.items():
        members.upsert_member(conn, slack_id, real_name=name)
    conn.close()
    return path


def ask(subject: str, reviewers: list[str], at: AppTest | None = None) -> AppTest:
    if at is None:
        st.cache_data.clear()
        at = AppTest.from_file(APP, default_timeout=30)
        at.switch_page("dashboard/pages/feedback.py")
        at.run()
    at.selectbox(key="fb_subject").set_value(subject)
    at.multiselect(key="fb_reviewers").set_value(reviewers)
    at.selectbox(key="fb_requester").set_value(subject)
    [b for b in at.button if b.label == "Send the invites"][0].click()
    return at.run()


def test_a_request_from_the_page_queues_the_invites_and_shows_progress(path):
    at = ask("U001", ["U002", "U003", "U004"])
    assert not at.exception
    assert at.success[0].value.startswith("Request #1 sent")
    conn = connection.connect(path)
    assert [(k, json.loads(p)) for k, p in conn.execute("SELECT kind, payload FROM outbox")] == [
        ("feedback_invites", {"request_id": 1})
    ]
    assert literal(at.expander[0].label).startswith("About Alice Moreau, asked by Alice Moreau")
    assert at.expander[0].info[0].value.startswith("0 answered so far. Results show once,")


def test_fewer_than_3_reviewers_is_refused_with_its_reason(path):
    at = ask("U001", ["U002", "U003"])
    assert literal(at.error[0].value).startswith("Name at least 3 reviewers (you named 2)")


def test_a_reviewer_asked_within_30_days_needs_send_anyway(path):
    at = ask("U001", ["U002", "U003", "U004"])
    at = ask("U001", ["U002", "U005", "U003"], at)
    assert literal(at.warning[-1].value) == (
        "Bob Okafor, Chitra Iyer were asked about Alice Moreau in the last 30 days. "
        "Send the request anyway?"
    )
    at.button(key="fb_send_anyway").click()
    at.run()
    assert at.success[0].value.startswith("Request #2 sent")
