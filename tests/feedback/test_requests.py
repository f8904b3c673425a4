"""Feedback requests: each bad input with its message, the 30-day rule, invites, declines."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest

from checkin import errors
from checkin.feedback import form, invites, requests
from tests.feedback.conftest import request


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"subject": ""}, "Say whom the feedback is about (the subject) first."),
        (
            {"reviewers": ("U002", "U003")},
            "Name at least 3 reviewers (you named 2): answers stay anonymous only among 3 or more.",
        ),
        ({"reviewers": ("U002", "U002", "U003")}, "Name at least 3 reviewers (you named 2)"),
        (
            {"reviewers": ("U002", "U003", "U0BOT")},
            "checkin is a bot: feedback is about and from people.",
        ),
        (
            {"reviewers": ("U002", "U003", "U006")},
            "Frank Weber's account is deactivated, so they cannot take part.",
        ),
        (
            {"reviewers": ("U001", "U002", "U003", "U004")},
            "Alice Moreau is the subject and cannot be one of their own reviewers.",
        ),
        (
            {"due": date(2026, 11, 24)},
            "The due date 2026-11-24 has passed; pick today or a later day.",
        ),
        (
            {"due": "11/12/2026"},
            "“11/12/2026” is not a date I can read: write it as YYYY-MM-DD, like 2026-12-11.",
        ),
        (
            {"reviewers": ("U002", "U003", "U099")},
            "I do not know U099: they are not a member of this workspace.",
        ),
    ],
)
def test_bad_request_is_refused_with_its_message(conn, clock, people, changes, message):
    reviewers = changes.pop("reviewers", ("U002", "U003", "U004"))
    with pytest.raises(errors.Refused) as refused:
        request(conn, clock, reviewers, **changes)
    assert str(refused.value).startswith(message)
    assert conn.execute("SELECT COUNT(*) FROM feedback_requests").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0


def test_due_today_is_accepted(conn, clock, people):
    assert request(conn, clock, due=clock().date())


def test_request_invites_each_reviewer_once_and_queues_the_dms(conn, clock, people):
    rid = request(conn, clock)
    invited = [r[0] for r in conn.execute("SELECT member_id FROM feedback_invites ORDER BY id")]
    assert invited == ["U002", "U003", "U004", "U005"]
    outbox = conn.execute("SELECT kind, payload FROM outbox").fetchall()
    assert [(k, json.loads(p)) for k, p in outbox] == [("feedback_invites", {"request_id": rid})]


def test_min_responses_is_never_below_3(conn, clock, people):
    rid = request(conn, clock, min_responses=1)
    assert requests.get_request(conn, rid)["min_responses"] == 3


def test_reviewer_asked_about_the_same_subject_within_30_days_needs_confirmation(
    conn, clock, people
):
    request(conn, clock, ("U002", "U003", "U004"))
    clock.advance(days=29)
    with pytest.raises(requests.NeedsConfirmation) as asked:
        request(conn, clock, ("U003", "U005", "U007"), due=date(2027, 1, 15))
    assert asked.value.member_ids == ["U003"]
    assert str(asked.value) == (
        "Chitra Iyer was asked about Alice Moreau in the last 30 days. Send the request anyway?"
    )
    assert request(conn, clock, ("U003", "U005", "U007"), due=date(2027, 1, 15), confirmed=True)


def test_after_30_days_no_confirmation_is_needed(conn, clock, people):
    request(conn, clock, ("U002", "U003", "U004"))
    clock.advance(days=31)
    assert request(conn, clock, ("U002", "U003", "U004"), due=date(2027, 1, 15))


def test_a_reviewer_declines_once_and_only_their_own_invite(conn, clock, people):
    rid = request(conn, clock)
    invite = invites.invites_to_send(conn, rid)[0]
    assert invites.decline(conn, invite["id"], "U003", clock) == "not_yours"
    assert invites.decline(conn, invite["id"], invite["member_id"], clock) == "declined"
    assert invites.decline(conn, invite["id"], invite["member_id"], clock) == "already"


def test_one_reminder_two_days_before_the_due_date_to_everyone_who_has_not_declined(
    conn, clock, people
):
    from tests.feedback.conftest import answers, links

    rid = request(conn, clock, due=date(2026, 12, 11))
    tokens = links(conn, rid, clock)
    for invite in invites.invites_to_send(conn, rid):
        invites.mark_invite_sent(conn, invite["id"], "D", "1.0", clock)
    form.submit_response(conn, tokens["U002"], answers(), clock)
    declined = [i for i in invites.invites_to_send(conn, rid)]  # none left to send
    assert declined == []
    u003 = conn.execute("SELECT id FROM feedback_invites WHERE member_id = 'U003'").fetchone()[0]
    invites.decline(conn, u003, "U003", clock)
    clock.set(clock().replace(year=2026, month=12, day=8))
    assert invites.invites_to_remind(conn, clock()) == []
    clock.advance(days=1)  # 2026-12-09: two days before
    due = [r["member_id"] for r in invites.invites_to_remind(conn, clock())]
    assert due == ["U002", "U004", "U005"]  # U002 answered, but nothing records that
    for row in invites.invites_to_remind(conn, clock()):
        assert invites.claim_reminder(conn, row["id"], clock)
    assert invites.invites_to_remind(conn, clock() + timedelta(days=1)) == []


def test_without_a_due_date_the_request_is_due_in_seven_days(conn, clock, people):
    rid = request(conn, clock, due=None)
    assert requests.get_request(conn, rid)["closes_on"] == "2026-12-02"  # today 2026-11-25


def test_the_requester_cannot_be_a_reviewer(conn, clock, people):
    with pytest.raises(errors.Refused, match="asked for this feedback and cannot also be"):
        request(conn, clock, requested_by="U002", subject="U001", admins=("U002",))


def test_the_schema_refuses_a_subject_or_requester_as_reviewer_and_a_minimum_below_3(
    conn, clock, people
):
    rid = request(conn, clock, subject="U001", requested_by="U007", admins=("U007",))
    for member in ("U001", "U007"):
        with pytest.raises(sqlite3.IntegrityError, match="never its reviewers"):
            conn.execute(
                "INSERT INTO feedback_invites (request_id, member_id) VALUES (?, ?)", (rid, member)
            )
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute("UPDATE feedback_requests SET min_responses = 2 WHERE id = ?", (rid,))
