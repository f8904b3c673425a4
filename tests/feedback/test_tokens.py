"""Feedback links: a genuine one opens the form once; altered, unknown, expired, used ones do not."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from checkin import errors
from checkin.feedback import invites, results, tokens
from checkin.feedback.form import open_form, submit_response
from tests.feedback.conftest import answers, links, request


@pytest.fixture
def rid(conn, clock, people):  # noqa: ANN001, ANN201
    return request(conn, clock)


def test_a_genuine_link_opens_the_form_about_the_subject(conn, clock, rid):
    token = links(conn, rid, clock)["U002"]
    form = open_form(conn, token, clock)
    assert form.subject_name == "Alice Moreau"
    assert [q["kind"] for q in form.questions] == ["scale", "scale", "scale", "text", "text"]


def test_each_link_is_random_and_the_database_keeps_only_its_hash(conn, clock, rid):
    issued = links(conn, rid, clock)
    assert len(set(issued.values())) == 4
    hashes = [r[0] for r in conn.execute("SELECT token_hash FROM feedback_invites ORDER BY id")]
    assert hashes == [tokens.invite_hash(issued[m]) for m in ("U002", "U003", "U004", "U005")]
    dump = "\n".join(conn.iterdump())
    assert not any(t in dump for t in issued.values())
    assert all(len(t) >= 43 and "." not in t for t in issued.values())  # no id, no signature


def test_an_altered_link_is_refused(conn, clock, rid):
    token = links(conn, rid, clock)["U002"]
    flip = "B" if token[-1] == "A" else "A"
    for bad in (token[:-1] + flip, token + "x"):
        with pytest.raises(tokens.BadToken) as refused:
            open_form(conn, bad, clock)
        assert str(refused.value) == tokens.UNKNOWN
    for bad in ("garbage", "a b c " * 10):
        with pytest.raises(tokens.BadToken) as refused:
            open_form(conn, bad, clock)
        assert str(refused.value) == tokens.ALTERED


def test_an_unknown_link_is_refused(conn, clock, rid):
    with pytest.raises(tokens.BadToken) as refused:
        open_form(conn, tokens.new_token(), clock)
    assert str(refused.value) == tokens.UNKNOWN


def test_a_replaced_link_stops_working(conn, clock, rid):
    first = links(conn, rid, clock)["U002"]
    links(conn, rid, clock)  # issued again (a send retried)
    with pytest.raises(tokens.BadToken, match="not known"):
        open_form(conn, first, clock)


def test_an_expired_link_is_refused_once_the_due_date_has_ended_everywhere(conn, clock, rid):
    token = links(conn, rid, clock)["U002"]
    clock.set(datetime(2026, 12, 12, 11, 59, tzinfo=UTC))  # still 11 Dec in UTC-12
    assert open_form(conn, token, clock)
    clock.set(datetime(2026, 12, 12, 12, 0, tzinfo=UTC))
    with pytest.raises(tokens.BadToken) as refused:
        open_form(conn, token, clock)
    assert str(refused.value) == tokens.EXPIRED
    with pytest.raises(tokens.BadToken, match="expired"):
        submit_response(conn, token, answers(), clock)
    assert results.response_count(conn, rid) == 0


def test_a_used_link_is_refused_and_stores_nothing_more(conn, clock, rid):
    token = links(conn, rid, clock)["U002"]
    submit_response(conn, token, answers(), clock)
    with pytest.raises(tokens.BadToken) as refused:
        open_form(conn, token, clock)
    assert str(refused.value) == tokens.USED
    with pytest.raises(tokens.BadToken, match="used already"):
        submit_response(conn, token, answers("again"), clock)
    assert results.response_count(conn, rid) == 1


def test_a_declined_invite_link_opens_no_form(conn, clock, rid):
    token = links(conn, rid, clock)["U002"]
    invite_id = conn.execute("SELECT id FROM feedback_invites WHERE member_id = 'U002'").fetchone()[
        0
    ]
    invites.decline(conn, invite_id, "U002", clock)
    with pytest.raises(tokens.BadToken) as refused:
        open_form(conn, token, clock)
    assert str(refused.value) == tokens.DECLINED


def test_no_link_at_all_says_where_links_come_from(conn, clock):
    with pytest.raises(tokens.BadToken) as refused:
        open_form(conn, None, clock)
    assert str(refused.value) == tokens.MISSING


def test_a_form_submitted_twice_at_once_stores_one_response(db_path, conn, clock, rid):
    import threading

    from checkin.db import connection

    token = links(conn, rid, clock)["U002"]
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def submit_once() -> None:
        own = connection.connect(db_path)
        start.wait()
        try:
            submit_response(own, token, answers(), clock)
            outcomes.append("stored")
        except tokens.BadToken as exc:
            outcomes.append(str(exc))
        finally:
            own.close()

    threads = [threading.Thread(target=submit_once) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(outcomes) == sorted(["stored"] + [tokens.USED] * 3)
    assert results.response_count(conn, rid) == 1


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"clear": None}, "Give a rating for “Communicates clearly”."),
        ({"clear": 6}, "A rating is 1 to 5 (“Communicates clearly”)."),
        ({"strengths": "x" * 2001}, "Keep “What are their strengths?” to 2000 characters."),
    ],
)
def test_bad_answers_are_refused_and_the_link_still_works(conn, clock, rid, given, message):
    token = links(conn, rid, clock)["U002"]
    with pytest.raises(errors.Refused) as refused:
        submit_response(conn, token, {**answers(), **given}, clock)
    assert str(refused.value) == message
    assert open_form(conn, token, clock)
    assert date.fromisoformat("2026-12-11") == open_form(conn, token, clock).due_on
