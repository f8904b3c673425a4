"""The feedback form and the Feedback page through AppTest, on a real SQLite file:
3 reviewers answer by their links, one declines; results show at the 3rd answer, not before;
tampered, expired and reused links are refused."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from checkin.clock import FakeClock, system_clock
from checkin.config import Config, signing_secret
from checkin.db import connection
from checkin.feedback import invites, requests, results, tokens
from checkin.ops import heartbeat
from checkin.people import members
from tests.dashboard.conftest import literal

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
FORM = "dashboard/pages/feedback_form.py"
PAGE = "dashboard/pages/feedback.py"
PEOPLE = {
    "U001": "Alice Moreau",
    "U002": "Bob Okafor",
    "U003": "Chitra Iyer",
    "U004": "Dmitri Volkov",
    "U005": "Emma Larsen",
}


@pytest.fixture
def workspace(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    path = tmp_path / "checkin.db"
    monkeypatch.setenv("CHECKIN_DB", str(path))
    monkeypatch.delenv("CHECKIN_SECRET", raising=False)
    st.cache_data.clear()
    conn = connection.connect(path)
    for slack_id, name in PEOPLE.items():
        members.upsert_member(conn, slack_id, real_name=name)
    today = system_clock().date()
    request_id = requests.create_request(
        conn,
        subject="U001",
        requested_by="U001",
        reviewers=["U002", "U003", "U004", "U005"],
        due=today + timedelta(days=10),
        today=today,
    )
    secret = signing_secret(Config(db_path=path))
    links = {}
    for invite in invites.invites_to_send(conn, request_id):
        links[invite["member_id"]] = invites.issue_link_token(conn, invite["id"])
    yield {"conn": conn, "path": path, "request_id": request_id, "links": links, "secret": secret}
    conn.close()


def open_link(token: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if token is not None:
        at.query_params["token"] = token
    at.switch_page(FORM)
    return at.run()


def fill_and_send(at: AppTest, strengths: str, improve: str, ratings=(4, 5, 3)) -> AppTest:  # noqa: ANN001
    for key, value in zip(("clear", "delivers", "helps"), ratings, strict=True):
        at.radio(key=f"fb_{key}").set_value(value)
    at.text_area(key="fb_strengths").input(strengths)
    at.text_area(key="fb_improve").input(improve)
    [b for b in at.button if b.label == "Send my feedback"][0].click()
    return at.run()


def results_page() -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page(PAGE)
    return at.run()


def test_the_form_shows_who_it_is_about_the_ratings_and_the_anonymity_note(workspace):
    at = open_link(workspace["links"]["U002"])
    assert not at.exception and not at.error
    assert at.title[0].value == "Feedback about Alice Moreau"
    assert "anonymous" in at.info[0].value and "at least 3 people" in at.info[0].value
    radio = at.radio(key="fb_clear")
    assert literal(radio.label) == "Communicates clearly"
    assert [literal(o) for o in radio.options] == [
        "1 · rarely",
        "2 · sometimes",
        "3 · often",
        "4 · usually",
        "5 · always",
    ]
    assert [literal(t.label) for t in at.text_area] == [
        "What are their strengths?",
        "One thing they could do better",
    ]
    assert "token" not in at.query_params  # cleared from the address bar


def test_three_answer_one_declines_and_results_show_at_the_third_not_before(workspace):
    links = workspace["links"]
    conn = workspace["conn"]
    invite_u005 = conn.execute(
        "SELECT id FROM feedback_invites WHERE member_id = 'U005'"
    ).fetchone()[0]
    assert invites.decline(conn, invite_u005, "U005") == "declined"
    for n, member in enumerate(("U002", "U003", "U004"), start=1):
        at = fill_and_send(
            open_link(links[member]), f"strength {n}", f"improve {n}", ratings=(n, 5, 3)
        )
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert at.success[0].value.startswith("Thank you: your answers were stored anonymously,")
        page = results_page()
        if n < 3:
            assert page.info[0].value.startswith(f"{n} answered so far. Results show once,")
            assert not page.dataframe
        else:
            table = page.dataframe[0].value
            assert list(table["question"]) == [
                "Communicates clearly",
                "Delivers what they commit to",
                "Helps others get their work done",
            ]
            assert list(table["mean (1–5)"]) == [2.0, 5.0, 3.0]
            shown = {t.value for t in page.text}
            assert {"strength 1", "strength 2", "strength 3", "improve 3"} <= shown
            assert any("1 declined" in c.value for c in page.caption)
    assert results.response_count(conn, workspace["request_id"]) == 3
    declined = open_link(links["U005"])
    assert declined.error[0].value == tokens.DECLINED and not declined.radio


def test_a_tampered_link_is_refused_and_shows_no_form(workspace):
    token = workspace["links"]["U002"]
    at = open_link(token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))
    assert at.error[0].value == tokens.UNKNOWN  # random: a changed one is simply not known
    assert not at.radio and not at.text_area


def test_a_reused_link_is_refused(workspace):
    token = workspace["links"]["U002"]
    fill_and_send(open_link(token), "Calm", "Faster")
    again = open_link(token)
    assert again.error[0].value == tokens.USED
    assert not again.radio
    assert results.response_count(workspace["conn"], workspace["request_id"]) == 1


def test_an_expired_link_is_refused(workspace):
    conn = workspace["conn"]
    past = FakeClock(datetime(2026, 1, 5, 9, tzinfo=UTC))
    old = requests.create_request(
        conn,
        subject="U002",
        requested_by="U002",
        reviewers=["U003", "U004", "U005"],
        due=date(2026, 1, 9),
        today=past().date(),
        clock=past,
    )
    invite = invites.invites_to_send(conn, old)[0]
    token = invites.issue_link_token(conn, invite["id"])
    at = open_link(token)
    assert at.error[0].value == tokens.EXPIRED
    assert not at.radio


def test_no_token_at_all_says_where_links_come_from(workspace):
    assert open_link(None).error[0].value == tokens.MISSING


def test_a_rating_left_out_is_refused_and_the_form_stays(workspace):
    at = open_link(workspace["links"]["U002"])
    at.radio(key="fb_clear").set_value(4)
    [b for b in at.button if b.label == "Send my feedback"][0].click()
    at.run()
    assert at.error[0].value == "Give a rating for “Delivers what they commit to”."
    assert at.radio and results.response_count(workspace["conn"], workspace["request_id"]) == 0


def test_a_locked_database_says_try_again_keeps_what_was_typed_and_sends_once_free(
    workspace, monkeypatch
):  # noqa: ANN001
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 200)  # give up on the lock quickly
    at = open_link(workspace["links"]["U002"])
    holder = sqlite3.connect(workspace["path"], isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        at = fill_and_send(at, "Clear *writing*", "More tests")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not at.exception
    assert [e.value for e in at.error] == ["could not save, please try again in a minute"]
    assert at.text_area(key="fb_strengths").value == "Clear *writing*"
    assert at.text_area(key="fb_improve").value == "More tests"
    assert at.radio(key="fb_clear").value == 4
    assert results.response_count(workspace["conn"], workspace["request_id"]) == 0

    [b for b in at.button if b.label == "Send my feedback"][0].click()
    at = at.run()
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Thank you")
    assert results.response_count(workspace["conn"], workspace["request_id"]) == 1


def test_a_page_whose_read_meets_a_database_fault_shows_one_line(workspace, monkeypatch):  # noqa: ANN001
    def failing(conn):  # noqa: ANN001, ANN202
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(heartbeat, "read_heartbeat", failing)
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "could not read the database just now (disk I/O error); please try again in a minute"
    ]
