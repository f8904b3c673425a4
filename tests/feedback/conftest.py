"""A workspace of people for feedback requests, and a helper that opens links like the form."""

from __future__ import annotations

from datetime import date

import pytest

from checkin.feedback import invites, requests
from checkin.people import members

SECRET = b"a-test-signing-secret-of-32-bytes"
PEOPLE = {
    "U001": "Alice Moreau",
    "U002": "Bob Okafor",
    "U003": "Chitra Iyer",
    "U004": "Dmitri Volkov",
    "U005": "Emma Larsen",
    "U007": "Gus Hale",
    "U008": "Hana Ito",
    "U009": "Ivo Petrov",
    "U010": "Jun Park",
    "U011": "Kai Berg",
    "U012": "Lea Roux",
    "U013": "Max Diaz",
    "U014": "Noor Khan",
}


@pytest.fixture
def people(conn, clock):  # noqa: ANN001, ANN201
    for slack_id, name in PEOPLE.items():
        members.upsert_member(
            conn, slack_id, name=name.split()[0].lower(), real_name=name, clock=clock
        )
    members.upsert_member(
        conn,
        "U006",
        real_name="Frank Weber",
        active=False,
        inactive_reason="deactivated",
        clock=clock,
    )
    members.upsert_member(conn, "U0BOT", real_name="checkin", is_bot=True, clock=clock)
    return PEOPLE


def request(conn, clock, reviewers=("U002", "U003", "U004", "U005"), **kw):  # noqa: ANN001, ANN201
    kw.setdefault("subject", "U001")
    kw.setdefault("requested_by", "U001")
    kw.setdefault("due", date(2026, 12, 11))
    kw.setdefault("today", clock().date())
    return requests.create_request(conn, reviewers=list(reviewers), clock=clock, **kw)


def links(conn, request_id, clock) -> dict[str, str]:  # noqa: ANN001
    """Each reviewer's token, issued as the bot issues them when it sends the invites."""
    out = {}
    for invite in invites.invites_to_send(conn, request_id):
        out[invite["member_id"]] = invites.issue_link_token(conn, invite["id"])
    return out


RATINGS = {"clear": 4, "delivers": 5, "helps": 3}


def answers(strengths: str = "Clear updates", improve: str = "Share earlier", **ratings) -> dict:
    return {**RATINGS, **ratings, "strengths": strengths, "improve": improve}
