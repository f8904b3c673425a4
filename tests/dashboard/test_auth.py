"""Sign-in in the web app's frame, through AppTest with `at.user` and `[auth]` secrets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options

from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.clock import FakeClock
from checkin.db import connection
from checkin.people import access, members
from checkin.people.access import SLACK_TEAM_ID, SLACK_USER_ID
from checkin.people.viewer import Viewer
from dashboard.auth import ADMINS, EVERYONE, LEADS, pages_for

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
leads = ["U002"]

[[checkin.question]]
text = "How are you?"
kind = "text"
"""

PROBE = """
import streamlit as st
from dashboard import auth

viewer = auth.current_viewer()
st.markdown(f"viewer {viewer.role} {viewer.slack_id} {sorted(viewer.lead_of)}")
"""


@pytest.fixture
def workspace(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    clock = FakeClock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    path = tmp_path / "checkin.db"
    conn = connection.connect(path)
    import_definitions(conn, parse_toml(CHECKINS), clock=clock)
    access.record_workspace(conn, TEAM)
    members.upsert_member(conn, "U001", name="ana", real_name="Ana Ash", clock=clock)
    members.upsert_member(conn, "U002", name="bo", real_name="Bo Birch", clock=clock)
    members.upsert_member(conn, "U003", name="cy", real_name="Cy Cedar", clock=clock)
    members.upsert_member(
        conn, "U006", name="fay", active=False, inactive_reason="deactivated", clock=clock
    )
    conn.close()
    monkeypatch.setenv("CHECKIN_DB", str(path))
    monkeypatch.delenv("CHECKIN_ADMINS", raising=False)
    return path


def signed_in(user: str, team: str = TEAM, name: str = "Someone") -> dict:
    return {"is_logged_in": True, "name": name, SLACK_USER_ID: user, SLACK_TEAM_ID: team}


def probe(user: dict | None = None, secrets: dict | None = None) -> AppTest:
    at = AppTest.from_string(PROBE, default_timeout=30)
    if secrets is not None:
        at.secrets["auth"] = secrets
    if user is not None:
        at.user = user
    return at.run()


def shown(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def test_without_sign_in_configured_the_viewer_is_the_local_operator(workspace):
    at = probe()
    assert not at.exception
    assert "viewer admin None" in shown(at)
    assert "Sign out" not in buttons(at)


def test_signed_out_sees_only_the_sign_in_button(workspace):
    at = probe(user={"is_logged_in": False}, secrets=AUTH)
    assert not at.exception
    assert buttons(at) == ["Sign in with Slack"]
    assert "viewer" not in shown(at)


def test_appests_default_user_is_not_taken_for_signed_in(workspace):
    at = probe(secrets=AUTH)  # {"email": "test@example.com"}, no is_logged_in
    assert buttons(at) == ["Sign in with Slack"]


def test_named_providers_get_a_button_each(workspace):
    at = probe(user={"is_logged_in": False}, secrets={**AUTH, "google": {"client_id": "g"}})
    assert buttons(at) == ["Sign in with google"]


def test_a_member_signs_in_and_the_sidebar_says_who(workspace):
    at = probe(user=signed_in("U001", name="Ana Ash"), secrets=AUTH)
    assert not at.exception
    assert "viewer member U001 []" in shown(at)
    sidebar = " ".join(t.value for t in at.sidebar.text)
    assert "Signed in as Ana Ash (member)" in sidebar
    assert [b.label for b in at.sidebar.button] == ["Sign out"]
    assert at.session_state["viewer"] == Viewer(role="member", slack_id="U001", name="Ana Ash")


def test_a_lead_gets_their_checkins(workspace):
    at = probe(user=signed_in("U002"), secrets=AUTH)
    assert "viewer lead U002 [1]" in shown(at)


def test_an_admin_from_the_settings(workspace, monkeypatch):
    monkeypatch.setenv("CHECKIN_ADMINS", "U003")
    at = probe(user=signed_in("U003"), secrets=AUTH)
    assert "viewer admin U003" in shown(at)


@pytest.mark.parametrize(
    ("user", "words"),
    [
        (signed_in("U001", team="T0BAD"), "another Slack workspace"),
        (signed_in("U0NOBODY"), "not a member of any check-in"),
        (signed_in("U006"), "deactivated"),
        ({"is_logged_in": True, "email": "ana@example.com"}, "did not confirm"),
        (
            {"is_logged_in": True, "email": "ana@example.com", "email_verified": "false"},
            "did not confirm",
        ),
    ],
    ids=["other-team", "unknown", "deactivated", "unverified-email", "email-verified-false"],
)
def test_a_refused_person_sees_why_and_can_sign_out_only(workspace, user, words):
    at = probe(user=user, secrets=AUTH)
    assert not at.exception
    assert words in at.error[0].value
    assert "viewer" not in shown(at)
    assert buttons(at) == ["Sign out"]
    assert "viewer" not in at.session_state


def test_another_provider_with_a_verified_email_signs_in_as_that_member(workspace):
    conn = connection.connect(workspace)
    access.record_email(conn, "U001", "ana@example.com")
    conn.close()
    user = {"is_logged_in": True, "email": "Ana@Example.com", "email_verified": True}
    at = probe(user=user, secrets=AUTH)
    assert "viewer member U001 []" in shown(at)


def test_served_publicly_without_sign_in_the_app_refuses_to_show_anything(workspace):
    at = AppTest.from_string(PROBE, default_timeout=30)
    with patch_config_options({"server.address": "0.0.0.0"}):
        at.run()
    assert "reachable from other machines" in at.error[0].value
    assert "viewer" not in shown(at)


def test_served_publicly_with_sign_in_the_app_asks_for_it(workspace):
    at = AppTest.from_string(PROBE, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    with patch_config_options({"server.address": "0.0.0.0"}):
        at.run()
    assert not at.error and buttons(at) == ["Sign in with Slack"]


def test_served_on_localhost_without_sign_in_is_the_operator(workspace):
    at = AppTest.from_string(PROBE, default_timeout=30)
    with patch_config_options({"server.address": "127.0.0.1"}):
        at.run()
    assert "viewer admin None" in shown(at)


def test_navigation_offers_each_role_its_pages():
    pages = [("overview", EVERYONE), ("answers", LEADS), ("settings", ADMINS)]
    member = Viewer(role="member", slack_id="U1")
    lead = Viewer(role="lead", slack_id="U2", lead_of=frozenset({1}))
    admin = Viewer(role="admin", slack_id="U3")
    assert pages_for(member, pages) == ["overview"]
    assert pages_for(lead, pages) == ["overview", "answers"]
    assert pages_for(admin, pages) == ["overview", "answers", "settings"]


# The whole frame (streamlit_app.py) with sign-in configured.


@pytest.mark.parametrize(
    ("user", "role"), [("U001", "member"), ("U002", "lead"), ("U003", "admin")]
)
def test_the_frame_shows_the_overview_to_each_signed_in_role(workspace, monkeypatch, user, role):
    monkeypatch.setenv("CHECKIN_ADMINS", "U003")
    at = AppTest.from_file(FRAME, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user = signed_in(user, name="Ana Ash")
    at.run()
    assert not at.exception
    assert at.session_state["viewer"].slack_id == user
    assert at.session_state["viewer"].role == role
    assert [t.value for t in at.title] == ["Overview"]
    assert "Ana Ash" in " ".join(t.value for t in at.sidebar.text)


def test_the_frame_shows_nothing_of_the_workspace_to_another_team(workspace):
    at = AppTest.from_file(FRAME, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user = signed_in("U001", team="T0BAD")
    at.run()
    assert not at.exception
    assert not at.metric
    assert "another Slack workspace" in at.error[0].value


def test_the_frame_asks_a_signed_out_visitor_to_sign_in(workspace):
    at = AppTest.from_file(FRAME, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception and not at.metric
    assert buttons(at) == ["Sign in with Slack"]


# A page reached by its link alone (the feedback form), without signing in.

PUBLIC_FRAME = """
import streamlit as st
from dashboard import auth

form = st.Page({form!r}, title="Feedback", url_path="feedback")
viewer = auth.current_viewer(public_pages=[form])
st.navigation([st.Page({inside!r}, title="Inside", default=True), form]).run()
"""


@pytest.fixture
def public_frame(tmp_path):  # noqa: ANN001, ANN201
    form = tmp_path / "form.py"
    form.write_text('import streamlit as st\nst.markdown("the feedback form")\n')
    inside = tmp_path / "inside.py"
    inside.write_text('import streamlit as st\nst.markdown("inside the web app")\n')
    return PUBLIC_FRAME.format(form=str(form), inside=str(inside)), str(form)


def test_a_public_page_opens_without_signing_in_and_nothing_else_does(workspace, public_frame):
    script, form = public_frame
    at = AppTest.from_string(script, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    assert buttons(at) == ["Sign in with Slack"]
    assert "inside the web app" not in shown(at)
    at.switch_page(form).run()
    assert not at.exception
    assert "the feedback form" in shown(at) and "inside the web app" not in shown(at)


def test_a_refused_person_still_reaches_the_public_page(workspace, public_frame):
    script, form = public_frame
    at = AppTest.from_string(script, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user = signed_in("U001", team="T0BAD")
    at.run()
    assert "another Slack workspace" in at.error[0].value
    at.switch_page(form).run()
    assert "the feedback form" in shown(at)


def test_a_signed_in_member_gets_the_web_app_not_the_gate(workspace, public_frame):
    script, _form = public_frame
    at = AppTest.from_string(script, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user = signed_in("U001")
    at.run()
    assert "inside the web app" in shown(at) and "Sign in with Slack" not in buttons(at)


def test_a_name_with_markup_is_shown_as_written(workspace):
    at = probe(user=signed_in("U001", name="**Ana** :red[x] <b>"), secrets=AUTH)
    assert [t.value for t in at.sidebar.text] == ["Signed in as **Ana** :red[x] <b> (member)"]
    assert not any("Ana" in c.value for c in [*at.sidebar.caption, *at.sidebar.markdown])


def test_a_member_deactivated_while_signed_in_is_refused_on_the_next_run(workspace):
    at = probe(user=signed_in("U001"), secrets=AUTH)
    assert "viewer member U001" in shown(at)
    conn = connection.connect(workspace)
    members.deactivate_member(conn, "U001", "user_disabled")
    conn.close()
    at.run()
    assert "deactivated" in at.error[0].value and "viewer" not in shown(at)
    assert "viewer" not in at.session_state
