"""The Question pool and Feedback pages for each role, through the whole frame
(streamlit_app.py) with sign-in configured and `at.user` seeded, and the core reads
they rest on tested with viewers directly, so the rules hold without Streamlit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from checkin import errors
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.clock import FakeClock, system_clock
from checkin.db import connection
from checkin.errors import Refused
from checkin.feedback import form, requests, results
from checkin.feedback import listing as feedback_listing
from checkin.feedback.invites import (
    invites_to_send,
    issue_link_token,
    mark_invite_failed,
    mark_invite_refused,
)
from checkin.people import access, members
from checkin.people.access import SLACK_TEAM_ID, SLACK_USER_ID
from checkin.people.viewer import Viewer
from checkin.pool import moderation, submit
from checkin.pool.listing import listing
from tests.dashboard.conftest import literal

ROOT = Path(__file__).resolve().parents[2]
FRAME = str(ROOT / "streamlit_app.py")
TEAM = "T0001"
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-cookie-secret-for-tests-only-0123456789",
    "client_id": "1234.5678",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "https://slack.com/.well-known/openid-configuration",
}
CHECKINS = """
[[checkin]]
name = "daily"
participants = ["U001", "U002", "U003"]
leads = ["U004"]

[[checkin.question]]
text = "How are you?"
kind = "text"
"""
PEOPLE = {
    "U001": "Ana Ash",
    "U002": "Bo Birch",
    "U003": "Cy Cedar",
    "U004": "Dee Dale",
    "U005": "Eve Elm",
    "U007": "Gil Gray",
}
ADMIN = "U005"
APPROVED, ANONYMOUS = "What made you smile this week?", "What would you stop doing?"
ANA_PENDING, BO_PENDING = "Which tool saves you most time?", "Where do you go for lunch?"

MEMBER = Viewer(role="member", slack_id="U001")
OTHER_MEMBER = Viewer(role="member", slack_id="U002")
LEAD = Viewer(role="lead", slack_id="U004", lead_of=frozenset({1}))
ADMIN_VIEW = Viewer(role="admin", slack_id=ADMIN)


@pytest.fixture
def workspace(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    """Ana and Bo (members of "daily"), Dee its lead, Eve an admin; a pool with an approved
    question, an anonymous one and two pending; three feedback requests."""
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0) - timedelta(days=1))
    path = tmp_path / "checkin.db"
    monkeypatch.setenv("CHECKIN_DB", str(path))
    monkeypatch.setenv("CHECKIN_ADMINS", ADMIN)
    monkeypatch.delenv("CHECKIN_SECRET", raising=False)
    conn = connection.connect(path)
    import_definitions(conn, parse_toml(CHECKINS), clock=clock)
    access.record_workspace(conn, TEAM)
    for slack_id, name in PEOPLE.items():
        members.upsert_member(
            conn, slack_id, name=name.split()[0].lower(), real_name=name, clock=clock
        )
    approved = submit.submit(conn, APPROVED, submitted_by="U001", source="web", clock=clock)
    anonymous = submit.submit(
        conn, ANONYMOUS, submitted_by="U002", source="slack_command", anonymous=True, clock=clock
    )
    for kept in (approved, anonymous):
        moderation.moderate(conn, kept.id, "approve", ADMIN, clock=clock)
    submit.submit(conn, ANA_PENDING, submitted_by="U001", source="web", clock=clock)
    submit.submit(conn, BO_PENDING, submitted_by="U002", source="web", clock=clock)
    due, today = clock().date() + timedelta(days=10), clock().date()
    ids = {}
    for name, subject, by, reviewers in (
        ("ana", "U001", "U001", ["U002", "U003", "U004", "U007"]),
        ("bo", "U002", "U004", ["U001", "U003", "U007"]),
        ("eve", "U005", "U005", ["U001", "U002", "U003"]),
    ):
        ids[name] = requests.create_request(
            conn,
            subject=subject,
            requested_by=by,
            reviewers=reviewers,
            due=due,
            today=today,
            admins=(ADMIN,),
            clock=clock,
        )
    conn.close()
    return {"path": path, "ids": ids, "clock": clock}


def signed_in(user: str) -> dict:
    return {"is_logged_in": True, "name": PEOPLE[user], SLACK_USER_ID: user, SLACK_TEAM_ID: TEAM}


def page(name: str, user: dict | None) -> AppTest:
    at = AppTest.from_file(FRAME, default_timeout=30)
    at.secrets["auth"] = AUTH
    if user is not None:
        at.user = user
    at.run()
    at.switch_page(f"dashboard/pages/{name}.py")
    at.run()
    assert not at.exception
    return at


def table(at: AppTest, n: int = 0) -> list[dict]:
    return at.dataframe[n].value.to_dict("records")


def labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def expanders(at: AppTest) -> list[str]:
    return [literal(e.label) for e in at.expander]


def texts(at: AppTest) -> str:
    return "\n".join(t.value for t in at.text)


# --- Question pool ---------------------------------------------------------------


def test_a_member_sees_the_approved_pool_and_their_own_submissions_without_moderation(
    workspace,
):
    at = page("pool", signed_in("U001"))
    rows = {r["question"]: r for r in table(at)}
    assert set(rows) == {APPROVED, ANONYMOUS, ANA_PENDING}  # not Bo's pending question
    assert rows[ANONYMOUS]["submitted by"] == "anonymous"
    assert rows[APPROVED]["submitted by"] == "Ana Ash"
    assert not {"Approve", "Reject", "Save wording"} & set(labels(at))
    assert not [t for t in at.text_input if t.label == "Wording"]


def test_a_member_may_submit_a_question_from_the_page(workspace):
    at = page("pool", signed_in("U002"))
    at.text_area(key="pool_text").set_value("What did you learn this week?")
    [b for b in at.button if b.label == "Submit"][0].click()
    at.run()
    assert literal(at.success[0].value).startswith("Submitted: “What did you learn this week?”")
    conn = connection.connect(workspace["path"])
    row = conn.execute(
        "SELECT submitted_by, source, status FROM pool_questions WHERE text LIKE 'What did%'"
    ).fetchone()
    assert tuple(row) == ("U002", "web", "pending")


def test_no_read_names_the_submitter_of_an_anonymous_question_because_none_is_stored(workspace):
    conn = connection.connect(workspace["path"])
    row = conn.execute("SELECT * FROM pool_questions WHERE text = ?", (ANONYMOUS,)).fetchone()
    assert row["submitted_by"] is None
    for viewer in (MEMBER, LEAD, ADMIN_VIEW):
        listed = {q["question"]: q for q in listing(conn, viewer)}
        assert listed[ANONYMOUS]["submitter"] is None


def test_the_pool_listing_for_each_role(workspace):
    conn = connection.connect(workspace["path"])
    seen = {
        v.slack_id: {q["question"] for q in listing(conn, v)}
        for v in (MEMBER, OTHER_MEMBER, LEAD, ADMIN_VIEW)
    }
    assert seen == {
        "U001": {APPROVED, ANONYMOUS, ANA_PENDING},
        "U002": {APPROVED, ANONYMOUS, BO_PENDING},
        "U004": {APPROVED, ANONYMOUS},
        "U005": {APPROVED, ANONYMOUS, ANA_PENDING, BO_PENDING},
    }


def test_a_member_or_a_lead_cannot_moderate_even_by_calling_the_core(workspace):
    conn = connection.connect(workspace["path"])
    pending = conn.execute("SELECT id FROM pool_questions WHERE text = ?", (BO_PENDING,))
    question_id = pending.fetchone()[0]
    for viewer in (MEMBER, LEAD):
        for action in ("approve", "reject", "edit"):
            with pytest.raises(Refused, match="Only admins moderate the question pool."):
                moderation.moderate_as(
                    conn, viewer, question_id, action, text="Lunch spot?", configured=(ADMIN,)
                )
    row = submit.get(conn, question_id)
    assert (row["status"], row["text"]) == ("pending", BO_PENDING)


def test_an_admin_sees_every_question_and_moderates_from_the_page(workspace):
    at = page("pool", signed_in(ADMIN))
    assert {r["question"] for r in table(at)} == {APPROVED, ANONYMOUS, ANA_PENDING, BO_PENDING}
    conn = connection.connect(workspace["path"])
    question_id = conn.execute(
        "SELECT id FROM pool_questions WHERE text = ?", (BO_PENDING,)
    ).fetchone()[0]
    at.button(key=f"approve_{question_id}").click()
    at.run()
    assert not at.exception
    row = submit.get(conn, question_id)
    assert (row["status"], row["reviewed_by"]) == ("approved", ADMIN)


def test_a_lead_sees_the_pool_like_a_member(workspace):
    at = page("pool", signed_in("U004"))
    assert {r["question"] for r in table(at)} == {APPROVED, ANONYMOUS}
    assert "Approve" not in labels(at)


# --- Feedback ---------------------------------------------------------------------


def test_a_member_sees_the_feedback_about_them_and_no_one_elses(workspace):
    at = page("feedback", signed_in("U001"))
    assert [label.split(",")[0] for label in expanders(at)] == ["About Ana Ash"]
    assert at.selectbox(key="fb_subject").options == ["Ana Ash"]  # only about themselves
    at = page("feedback", signed_in("U002"))
    assert [label.split(",")[0] for label in expanders(at)] == ["About Bo Birch"]


def test_a_members_reads_refuse_another_persons_results(workspace):
    conn = connection.connect(workspace["path"])
    ids = workspace["ids"]
    for viewer, request_id in (
        (MEMBER, ids["bo"]),
        (OTHER_MEMBER, ids["ana"]),
        (LEAD, ids["ana"]),
        (MEMBER, ids["eve"]),
    ):
        with pytest.raises(errors.NotAllowed):
            results.results(conn, viewer, request_id)
        assert feedback_listing.undelivered(conn, viewer, request_id) == []
    assert [r["id"] for r in feedback_listing.requests_for(conn, MEMBER)] == [ids["ana"]]
    assert [r["id"] for r in feedback_listing.requests_for(conn, OTHER_MEMBER)] == [ids["bo"]]


def test_a_lead_sees_what_they_asked_for_and_may_ask_about_their_checkins_people(workspace):
    at = page("feedback", signed_in("U004"))
    assert [label.split(",")[0] for label in expanders(at)] == ["About Bo Birch"]
    assert sorted(at.selectbox(key="fb_subject").options) == [
        "Ana Ash",
        "Bo Birch",
        "Cy Cedar",
        "Dee Dale",
    ]
    at.selectbox(key="fb_subject").set_value("U003")
    at.multiselect(key="fb_reviewers").set_value(["U001", "U002", "U007"])
    [b for b in at.button if b.label == "Send the invites"][0].click()
    at.run()
    assert at.success[0].value.startswith("Request #4 sent")
    conn = connection.connect(workspace["path"])
    assert tuple(requests.get_request(conn, 4)[k] for k in ("subject_id", "requested_by")) == (
        "U003",
        "U004",
    )


def test_a_member_cannot_ask_about_a_colleague_even_past_the_page(workspace):
    conn = connection.connect(workspace["path"])
    with pytest.raises(errors.Refused, match="You may ask for feedback about yourself"):
        requests.create_request(
            conn,
            subject="U002",
            requested_by="U001",
            reviewers=["U003", "U004", "U007"],
            due=date.today() + timedelta(days=5),
            today=date.today(),
            admins=(ADMIN,),
            requester_is_admin=MEMBER.is_admin,
        )
    assert feedback_listing.subject_choices(conn, MEMBER, (ADMIN,)) == [("U001", "Ana Ash")]


def test_an_admin_sees_every_request_and_may_ask_about_anyone(workspace):
    at = page("feedback", signed_in(ADMIN))
    assert sorted(label.split(",")[0] for label in expanders(at)) == [
        "About Ana Ash",
        "About Bo Birch",
        "About Eve Elm",
    ]
    assert len(at.selectbox(key="fb_subject").options) == len(PEOPLE)
    assert [e.info[0].value.split(".")[0] for e in at.expander] == [
        "0 answered so far"
    ] * 3  # each request's progress, where a member gets nothing of others'
    conn = connection.connect(workspace["path"])
    for request_id in workspace["ids"].values():
        assert results.results(conn, ADMIN_VIEW, request_id).answered == 0


def test_the_requester_sees_an_invite_slack_refused_with_its_reason(workspace):
    conn = connection.connect(workspace["path"])
    invites = {i["member_id"]: i["id"] for i in invites_to_send(conn, workspace["ids"]["ana"])}
    mark_invite_refused(conn, invites["U007"], feedback_listing.refusal_reason("dm_skipped"))
    mark_invite_failed(conn, invites["U003"], "internal_error", system_clock)
    conn.close()
    at = page("feedback", signed_in("U001"))
    shown = texts(at)
    assert (
        "Not invited: Gil Gray: development mode: the bot DMs only the people in CHECKIN_DEV_USERS."
    ) in shown
    assert "Not invited yet: Cy Cedar: Slack did not take the DM (internal_error)" in shown
    at = page("feedback", signed_in("U002"))  # not their request: nothing of it
    assert "Gil Gray" not in texts(at)


def test_the_subject_of_a_request_someone_else_made_is_not_told_whom_it_asked(workspace):
    conn = connection.connect(workspace["path"])
    bo = workspace["ids"]["bo"]  # about Bo, asked by Dee; no invite sent yet
    assert [m["reviewer"] for m in feedback_listing.undelivered(conn, LEAD, bo)] == [
        "Ana Ash",
        "Cy Cedar",
        "Gil Gray",
    ]
    assert feedback_listing.undelivered(conn, OTHER_MEMBER, bo) == []
    at = page("feedback", signed_in("U002"))
    assert "About Bo Birch" in expanders(at)[0]
    assert "Not invited" not in texts(at)


# --- signed out -------------------------------------------------------------------


def test_a_signed_out_visitor_reaches_the_feedback_form_by_its_link_and_nothing_else(workspace):
    path = workspace["path"]
    conn = connection.connect(path)
    invite = invites_to_send(conn, workspace["ids"]["ana"])[0]
    token = issue_link_token(conn, invite["id"])
    conn.close()
    out = {"is_logged_in": False}
    at = AppTest.from_file(FRAME, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user = out
    at.run()
    assert labels(at) == ["Sign in with Slack"]
    assert not at.dataframe and not at.expander and not at.selectbox
    for name in ("pool", "feedback"):  # not in a signed-out visitor's navigation at all
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"dashboard/pages/{name}.py")
    at = AppTest.from_file(FRAME, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user = out
    at.query_params["token"] = token
    at.switch_page("dashboard/pages/feedback_form.py")
    at.run()
    assert not at.exception
    assert at.title[0].value == "Feedback about Ana Ash"
    assert "Send my feedback" in labels(at)


def test_a_page_run_without_a_signed_in_viewer_shows_nothing_once_sign_in_is_configured(
    workspace,
):
    for name in ("pool", "feedback"):
        at = AppTest.from_file(str(ROOT / "dashboard" / "pages" / f"{name}.py"), default_timeout=30)
        at.secrets["auth"] = AUTH
        at.run()
        assert not at.exception
        assert [e.value for e in at.error] == ["Sign in to see this page."]
        assert not at.dataframe and not at.expander


def test_without_sign_in_configured_the_local_operator_sees_everything(workspace):
    at = AppTest.from_file(str(ROOT / "dashboard" / "pages" / "pool.py"), default_timeout=30)
    at.run()
    assert not at.exception
    assert {r["question"] for r in table(at)} == {APPROVED, ANONYMOUS, ANA_PENDING, BO_PENDING}
    assert "Approve" in labels(at)


def test_results_once_ready_show_to_the_subject_and_not_to_a_colleague(workspace):
    path = workspace["path"]
    conn = connection.connect(path)
    ana = workspace["ids"]["ana"]
    for n, invite in enumerate(invites_to_send(conn, ana)):  # everyone asked: it closes
        token = issue_link_token(conn, invite["id"])
        form.submit_response(
            conn,
            token,
            {
                "clear": 4,
                "delivers": 3 + n % 2,
                "helps": 5,
                "strengths": f"Kind {n}",
                "improve": "Speak up",
            },
        )
    conn.close()
    at = page("feedback", signed_in("U001"))
    ratings = table(at)
    assert [r["question"] for r in ratings] == [
        "Communicates clearly",
        "Delivers what they commit to",
        "Helps others get their work done",
    ]
    assert ratings[0]["mean (1–5)"] == 4.0
    assert {"Kind 0", "Kind 1", "Kind 2"} <= set(texts(at).splitlines())
    at = page("feedback", signed_in("U002"))
    assert not at.dataframe and "Kind 0" not in texts(at)
