"""Who may ask for feedback about someone: the subject, a lead of a check-in the subject
takes part in, or an admin; anyone else gets one clear line and nothing is kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from checkin import errors
from checkin.answers import runs
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.checkins.timing import DueRun
from checkin.feedback import requests
from checkin.people import members
from tests.feedback.conftest import request

CHECKINS = """
[[checkin]]
name = "design"
participants = ["U001", "U002", "U003"]
leads = ["U007"]

[[checkin.question]]
text = "How are you?"
kind = "text"

[[checkin]]
name = "support"
participants = ["#support"]
leads = ["U008"]

[[checkin.question]]
text = "How was the queue?"
kind = "text"
"""
NOT_ALLOWED = (
    "You may ask for feedback about yourself, about someone in a check-in you lead, or as an "
    "admin; Alice Moreau is not in a check-in you lead."
)


@pytest.fixture
def team(conn, clock, people):  # noqa: ANN001, ANN201
    import_definitions(conn, parse_toml(CHECKINS), clock=clock)
    return conn


def kept(conn) -> int:  # noqa: ANN001
    return conn.execute("SELECT COUNT(*) FROM feedback_requests").fetchone()[0]


def test_the_subject_may_ask_about_themselves(team, clock):
    assert request(team, clock, subject="U001", requested_by="U001") == 1


def test_a_lead_may_ask_about_a_participant_of_their_checkin(team, clock):
    assert request(team, clock, subject="U001", requested_by="U007") == 1


def test_a_lead_of_another_checkin_may_not(team, clock):
    with pytest.raises(errors.Refused) as refused:
        request(team, clock, subject="U001", requested_by="U008")
    assert str(refused.value) == NOT_ALLOWED
    assert kept(team) == 0


def test_a_member_may_not_ask_about_a_colleague(team, clock):
    with pytest.raises(errors.Refused) as refused:
        request(
            team, clock, subject="U001", requested_by="U002", reviewers=("U003", "U004", "U005")
        )
    assert str(refused.value) == NOT_ALLOWED
    assert kept(team) == 0
    assert team.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0


def test_an_admin_from_the_settings_may_ask_about_anyone(team, clock):
    assert request(team, clock, subject="U001", requested_by="U009", admins=("U009",)) == 1


def test_a_slack_workspace_admin_may_ask_about_anyone(team, clock):
    members.upsert_member(team, "U009", real_name="Ivo Petrov", is_admin=True, clock=clock)
    assert request(team, clock, subject="U001", requested_by="U009") == 1


def test_the_web_apps_admin_viewer_may_ask_about_anyone(team, clock):
    assert request(team, clock, subject="U001", requested_by="U009", requester_is_admin=True) == 1


def test_a_channel_participant_counts_once_they_were_asked_in_the_checkin(team, clock):
    support = team.execute("SELECT id FROM checkins WHERE name = 'support'").fetchone()[0]
    with pytest.raises(errors.Refused):
        request(team, clock, subject="U001", requested_by="U008")
    day = clock().date()
    runs.create_run(
        team,
        support,
        DueRun(
            member_id="U001",
            local_date=day,
            due_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
            closes_at=datetime(day.year, day.month, day.day, 23, tzinfo=UTC),
        ),
        [],
        clock=clock,
    )
    assert requests.leads_checkin_of(team, "U008", "U001")
    assert request(team, clock, subject="U001", requested_by="U008") == 1


def test_the_requester_rule_comes_before_the_reviewers_are_checked(team, clock):
    with pytest.raises(errors.Refused) as refused:
        request(team, clock, subject="U001", requested_by="U002", reviewers=("U003",))
    assert str(refused.value) == NOT_ALLOWED
