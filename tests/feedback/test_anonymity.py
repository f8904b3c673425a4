"""Anonymity by construction, tested on the schema: no table, column or order of rows
links a feedback response to its reviewer."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from checkin.feedback import form, invites, results
from checkin.people.viewer import OPERATOR
from tests.feedback.conftest import SECRET, answers, links, request

REVIEWERS = ["U002", "U003", "U004", "U005", "U007", "U008", "U009", "U010", "U011", "U012",
             "U013", "U014"]  # fmt: skip
TIME = re.compile(r"\d{2}:\d{2}")


def tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]  # fmt: skip


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


@pytest.fixture
def answered(conn, clock, people):  # noqa: ANN001, ANN201
    """12 reviewers answer one after another, each with words only they wrote."""
    rid = request(conn, clock, REVIEWERS)
    tokens = links(conn, rid, clock)
    for invite in invites.invites_to_send(conn, rid):
        invites.mark_invite_sent(conn, invite["id"], f"D{invite['member_id']}", "1.0", clock)
    before = {r["member_id"]: dict(r) for r in conn.execute("SELECT * FROM feedback_invites")}
    written = {}
    for n, member in enumerate(REVIEWERS):
        clock.advance(minutes=3)
        written[member] = f"strength-no-{n:02d}"  # the test alone knows whose it is
        form.submit_response(
            conn, SECRET, tokens[member], answers(written[member], f"improve-no-{n:02d}",
                                                   clear=1 + n % 5), clock,
        )  # fmt: skip
    return {"request_id": rid, "tokens": tokens, "written": written, "before": before}


def test_a_response_row_has_no_reviewer_invite_token_or_time(conn, answered):
    assert set(columns(conn, "feedback_responses")) == {
        "id", "request_id", "answers", "submitted_on"}  # fmt: skip
    rows = conn.execute("SELECT * FROM feedback_responses").fetchall()
    assert len(rows) == len(REVIEWERS)
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{32}", row["id"])
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["submitted_on"])
        values = json.dumps(dict(row))
        assert not TIME.search(values.replace(row["answers"], ""))
        assert not any(m in values for m in REVIEWERS)
        assert not any(t in values for t in answered["tokens"].values())


def test_responses_have_no_rowid_so_storage_order_is_the_random_ids(conn, answered):
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("SELECT rowid FROM feedback_responses")
    assert "sqlite_sequence" not in tables(conn)


def test_no_order_of_the_rows_follows_the_order_of_answering(conn, answered):
    order = [answered["written"][m] for m in REVIEWERS]
    queries = ["SELECT answers FROM feedback_responses"] + [
        f"SELECT answers FROM feedback_responses ORDER BY {c}"  # noqa: S608
        for c in columns(conn, "feedback_responses")
    ]
    for sql in queries:
        seen = [json.loads(r[0])["strengths"] for r in conn.execute(sql)]
        assert seen != order and seen != order[::-1], sql


def test_no_row_of_any_table_holds_both_a_reviewer_and_what_they_wrote(conn, answered):
    identities = set(REVIEWERS) | {f"D{m}" for m in REVIEWERS}
    identities |= {r[0] for r in conn.execute("SELECT token_hash FROM feedback_invites")}
    identities |= {str(t) for t in answered["tokens"].values()}
    response_ids = {r[0] for r in conn.execute("SELECT id FROM feedback_responses")}
    writings = set(answered["written"].values()) | {f"improve-no-{n:02d}" for n in range(12)}
    checked = 0
    for table in tables(conn):
        for row in conn.execute(f"SELECT * FROM {table}"):  # noqa: S608 - names from sqlite_master
            text = " ".join(str(v) for v in tuple(row))
            has_identity = any(i in text for i in identities)
            has_content = any(w in text for w in writings) or any(r in text for r in response_ids)
            assert not (has_identity and has_content), (table, tuple(row))
            checked += 1
    assert checked > len(REVIEWERS) * 2


def test_answering_changes_only_the_invites_flag_and_date(conn, answered):
    for row in conn.execute("SELECT * FROM feedback_invites"):
        before = answered["before"][row["member_id"]]
        changed = {c for c in columns(conn, "feedback_invites") if row[c] != before[c]}
        assert changed == {"responded", "answered_on"}
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["answered_on"])
    assert len({r[0] for r in conn.execute("SELECT answered_on FROM feedback_invites")}) == 1


def test_nothing_else_was_written_while_answering(conn, answered):
    for table in ("events", "outbox", "inbox", "answers"):
        rows = [tuple(r) for r in conn.execute(f"SELECT * FROM {table}")]  # noqa: S608
        assert not any("strength-" in " ".join(map(str, r)) for r in rows), table


def test_results_show_the_free_text_in_a_shuffled_order(conn, answered):
    order = [answered["written"][m] for m in REVIEWERS]
    seen = [
        tuple(results.results(conn, OPERATOR, answered["request_id"]).texts[
            "What are their strengths?"])
        for _ in range(5)
    ]  # fmt: skip
    assert all(sorted(s) == sorted(order) for s in seen)
    assert len(set(seen)) > 1 and tuple(order) not in seen
