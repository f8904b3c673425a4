"""Results: only for the subject, the requester and admins, only from min_responses on."""

from __future__ import annotations

import pytest

from checkin import errors
from checkin.feedback import form, invites, listing, requests, results
from checkin.feedback.tokens import BadToken
from checkin.people.viewer import OPERATOR, Viewer
from tests.feedback.conftest import answers, links, request


@pytest.fixture
def rid(conn, clock, people):  # noqa: ANN001, ANN201
    return request(conn, clock, subject="U001", requested_by="U007", admins=("U007",))


def test_results_appear_only_at_close_not_as_responses_arrive(conn, clock, rid):
    tokens = links(conn, rid, clock)
    for n, member in enumerate(["U002", "U003", "U004"], start=1):
        form.submit_response(conn, tokens[member], answers(), clock)
        shown = results.results(conn, OPERATOR, rid)
        assert not shown.ready and shown.ratings == [] and shown.texts == {}
        assert shown.answered == n and shown.progress.startswith(f"{n} answered so far.")
    assert results.results_to_announce(conn) == []  # three answered, one still may: open
    form.submit_response(conn, tokens["U005"], answers(), clock)  # the last one: closes
    shown = results.results(conn, OPERATOR, rid)
    assert shown.ready and shown.closed and shown.answered == 4
    assert [r["id"] for r in results.results_to_announce(conn)] == [rid]
    assert results.mark_results_told(conn, rid, clock)
    assert results.results_to_announce(conn) == []


def test_results_are_computed_once_and_never_updated(conn, clock, rid):
    tokens = links(conn, rid, clock)
    for member in ("U002", "U003", "U004"):
        form.submit_response(conn, tokens[member], answers(strengths=f"s-{member}"), clock)
    clock.set(clock().replace(year=2026, month=12, day=13))  # the due date has ended everywhere
    assert results.close_due(conn, clock) == [rid]
    first = results.results(conn, OPERATOR, rid)
    assert first.ready and first.answered == 3
    assert [results.results(conn, OPERATOR, rid).texts for _ in range(5)] == [first.texts] * 5
    assert results.close_due(conn, clock) == [] and not results.close(conn, rid, clock)
    with pytest.raises(BadToken):  # the fourth link: expired and closed, changes nothing
        form.submit_response(conn, tokens["U005"], answers(), clock)
    assert results.results(conn, OPERATOR, rid) == first


def test_below_three_at_close_nothing_is_shown_and_the_responses_are_gone(conn, clock, rid):
    tokens = links(conn, rid, clock)
    for member in ("U002", "U003"):
        form.submit_response(conn, tokens[member], answers(), clock)
    clock.set(clock().replace(year=2026, month=12, day=13))
    assert results.close_due(conn, clock) == [rid]
    shown = results.results(conn, OPERATOR, rid)
    assert not shown.ready and shown.closed and shown.answered == 2
    assert "fewer than 3" in shown.progress
    assert results.response_count(conn, rid) == 0
    assert [r["id"] for r in results.results_to_announce(conn)] == [rid]


def test_a_request_whose_other_reviewers_declined_closes_at_the_last_answer(conn, clock, rid):
    tokens = links(conn, rid, clock)
    u005 = conn.execute("SELECT id FROM feedback_invites WHERE member_id = 'U005'").fetchone()[0]
    invites.decline(conn, u005, "U005", clock)
    for member in ("U002", "U003", "U004"):
        form.submit_response(conn, tokens[member], answers(), clock)
    assert results.results(conn, OPERATOR, rid).ready


def test_mean_ratings_with_their_spread(conn, clock, rid):
    tokens = links(conn, rid, clock)
    for member, clear in (("U002", 2), ("U003", 4), ("U004", 5), ("U005", 5)):
        form.submit_response(conn, tokens[member], answers(clear=clear), clock)
    shown = results.results(conn, OPERATOR, rid)
    clear = shown.ratings[0]
    assert (clear.question, clear.mean, clear.spread, clear.low, clear.high, clear.count) == (
        "Communicates clearly",
        4.0,
        1.22,
        2,
        5,
        4,
    )
    assert clear.labels == requests.RATING_LABELS


def test_only_the_subject_the_requester_and_admins_see_results(conn, clock, rid):
    for viewer in (
        OPERATOR,
        Viewer(role="member", slack_id="U001"),
        Viewer(role="member", slack_id="U007"),
    ):
        assert results.results(conn, viewer, rid).answered == 0
    for outsider in (Viewer(role="member", slack_id="U002"), Viewer(role="lead", slack_id="U009")):
        with pytest.raises(errors.NotAllowed):
            results.results(conn, outsider, rid)
        assert listing.requests_for(conn, outsider) == []
    listed = listing.requests_for(conn, Viewer(role="member", slack_id="U001"))
    assert [(r["subject"], r["requested_by"], r["invited"], r["answered"]) for r in listed] == [
        ("Alice Moreau", "Gus Hale", 4, 0)
    ]
