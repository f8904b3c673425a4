"""Results: only for the subject, the requester and admins, only from min_responses on."""

from __future__ import annotations

import pytest

from checkin import errors
from checkin.feedback import form, listing, requests, results
from checkin.people.viewer import OPERATOR, Viewer
from tests.feedback.conftest import SECRET, answers, links, request


@pytest.fixture
def rid(conn, clock, people):  # noqa: ANN001, ANN201
    return request(conn, clock, subject="U001", requested_by="U007", admins=("U007",))


def test_results_appear_at_the_third_response_not_before(conn, clock, rid):
    tokens = links(conn, rid, clock)
    for n, member in enumerate(["U002", "U003"], start=1):
        form.submit_response(conn, tokens[member], answers(), clock)
        shown = results.results(conn, OPERATOR, rid)
        assert not shown.ready and shown.ratings == [] and shown.texts == {}
        assert shown.progress == f"{n} answered so far; results show at 3."
    assert [r["id"] for r in results.results_to_announce(conn)] == []
    form.submit_response(conn, tokens["U004"], answers(), clock)
    assert results.results(conn, OPERATOR, rid).ready
    assert [r["id"] for r in results.results_to_announce(conn)] == [rid]
    assert results.mark_results_told(conn, rid, clock)
    assert results.results_to_announce(conn) == []


def test_mean_ratings_with_their_spread(conn, clock, rid):
    tokens = links(conn, rid, clock)
    for member, clear in (("U002", 2), ("U003", 4), ("U004", 5), ("U005", 5)):
        form.submit_response(conn, tokens[member], answers(clear=clear), clock)
    shown = results.results(conn, OPERATOR, rid)
    clear = shown.ratings[0]
    assert (clear.question, clear.mean, clear.spread, clear.low, clear.high, clear.count) == (
        "Communicates clearly", 4.0, 1.22, 2, 5, 4,
    )  # fmt: skip
    assert clear.labels == requests.RATING_LABELS


def test_only_the_subject_the_requester_and_admins_see_results(conn, clock, rid):
    for viewer in (OPERATOR, Viewer(role="member", slack_id="U001"),
                   Viewer(role="member", slack_id="U007")):  # fmt: skip
        assert results.results(conn, viewer, rid).answered == 0
    for outsider in (Viewer(role="member", slack_id="U002"), Viewer(role="lead", slack_id="U009")):
        with pytest.raises(errors.NotAllowed):
            results.results(conn, outsider, rid)
        assert listing.requests_for(conn, outsider) == []
    listed = listing.requests_for(conn, Viewer(role="member", slack_id="U001"))
    assert [(r["subject"], r["requested_by"], r["invited"], r["answered"]) for r in listed] == [
        ("Alice Moreau", "Gus Hale", 4, 0)
    ]
