"""The database holder tries to tell who wrote which feedback response, and fails.

They hold everything: the database file, its WAL and -shm after every submit, a
backup before and after, and the signing secret. Five reviewers answer on the
same day in an order only the test knows; each writes words only they wrote.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import shutil
import sqlite3
import struct
from pathlib import Path

from checkin.clock import FakeClock
from checkin.db.connection import connect
from checkin.feedback import form, invites, results
from checkin.people import members
from checkin.people.viewer import OPERATOR
from tests.feedback.conftest import PEOPLE, SECRET, answers, links, request

REVIEWERS = ["U002", "U003", "U004", "U005", "U007"]
DATE_OR_TIME = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}|T\d{2}")


def _invite_rows(conn: sqlite3.Connection) -> list[tuple]:
    return [tuple(r) for r in conn.execute("SELECT * FROM feedback_invites ORDER BY id")]


def _backup(conn: sqlite3.Connection, path: Path) -> sqlite3.Connection:
    copy = sqlite3.connect(path)
    conn.backup(copy)
    return copy


def _marker(member: str) -> str:
    """Words only this reviewer wrote (naming them by a letter only the test knows)."""
    return f"words-only-reviewer-{'abcde'[REVIEWERS.index(member)]}-wrote"


def _play(tmp_path: Path, people_fixture, clock: FakeClock, order: list[str]) -> dict:  # noqa: ANN001
    """One request; the reviewers answer in `order` within the same minute; every file kept."""
    db = tmp_path / "checkin.db"
    conn = connect(db)
    people_fixture(conn, clock)
    rid = request(conn, clock, REVIEWERS)
    tokens = links(conn, rid, clock)
    for invite in invites.invites_to_send(conn, rid):
        invites.mark_invite_sent(conn, invite["id"], f"D{invite['member_id']}", "1.0", clock)
    before = _backup(conn, tmp_path / "backup-before.db")
    snapshots = [_files(db)]
    invite_rows = [_invite_rows(conn)]
    for member in order:
        clock.advance(seconds=1)
        form.submit_response(conn, tokens[member], answers(_marker(member), "-"), clock)
        invite_rows.append(_invite_rows(conn))
        snapshots.append(_files(db))
    after = _backup(conn, tmp_path / "backup-after.db")
    return {
        "conn": conn,
        "rid": rid,
        "before": before,
        "after": after,
        "snapshots": snapshots,
        "invite_rows": invite_rows,
        "db": db,
    }


def _files(db: Path) -> dict[str, bytes]:
    """The database, its WAL and its -shm as they are on disk now."""
    return {
        s: Path(f"{db}{s}").read_bytes() if Path(f"{db}{s}").exists() else b""
        for s in ("", "-wal", "-shm")
    }


def _order_in_file(data: bytes, conn: sqlite3.Connection) -> list[str]:
    """The reviewers' words in the order their rows lie in the responses table's page."""
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    (root,) = conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'feedback_responses'"
    ).fetchone()
    page = data[(root - 1) * page_size : root * page_size]
    assert page[0] == 0x0A  # a leaf page of an index b-tree (WITHOUT ROWID): all rows in it
    assert struct.unpack(">H", page[3:5])[0] == len(REVIEWERS)
    found = {m: page.find(_marker(m).encode()) for m in REVIEWERS}
    assert all(at > 0 for at in found.values())
    return sorted(REVIEWERS, key=found.get)


def test_invite_rows_are_byte_identical_before_and_after_each_submit(tmp_path, people, clock):
    played = _play(tmp_path, _add_people, clock, REVIEWERS)
    first = played["invite_rows"][0]
    assert all(rows == first for rows in played["invite_rows"])
    assert _invite_rows(played["before"]) == _invite_rows(played["after"]) == first


def test_no_submit_writes_a_page_that_holds_an_invite(tmp_path, people, clock):
    """Replaying the WAL commit by commit: what each submit appended names no reviewer and
    carries no invite's hash."""
    played = _play(tmp_path, _add_people, clock, REVIEWERS)
    hashes = [
        r[0].encode() for r in played["conn"].execute("SELECT token_hash FROM feedback_invites")
    ]
    wal_before = played["snapshots"][0]["-wal"]
    for snap in played["snapshots"][1:-1]:  # the last submit closes the request (WAL emptied)
        assert snap["-wal"][:32] == wal_before[:32]  # the same WAL, grown by this commit
        appended = snap["-wal"][len(wal_before) :]
        assert appended
        for member in REVIEWERS:
            assert member.encode() not in appended
        assert not any(h in appended for h in hashes)
        wal_before = snap["-wal"]


def test_responses_hold_no_date_or_time_and_no_reviewer(tmp_path, people, clock):
    played = _play(tmp_path, _add_people, clock, REVIEWERS)
    for copy in (played["conn"], played["after"]):
        cols = [r[1] for r in copy.execute("PRAGMA table_info(feedback_responses)")]
        assert cols == ["id", "request_id", "answers"]
        for row in copy.execute("SELECT * FROM feedback_responses"):
            assert not DATE_OR_TIME.search(json.dumps(tuple(row)))
            assert not any(m in str(row[2]).replace(_marker(m), "") for m in REVIEWERS)


def test_spent_links_cannot_be_joined_to_invites_even_with_the_secret(tmp_path, people, clock):
    played = _play(tmp_path, _add_people, clock, REVIEWERS)
    conn = played["conn"]
    assert [r[1] for r in conn.execute("PRAGMA table_info(feedback_spent_tokens)")] == [
        "spent_hash",
        "request_id",
    ]
    spent = {r[0] for r in conn.execute("SELECT spent_hash FROM feedback_spent_tokens")}
    assert len(spent) == len(REVIEWERS)
    for (h1,) in conn.execute("SELECT token_hash FROM feedback_invites"):
        tries = {
            h1,
            hashlib.sha256(h1.encode()).hexdigest(),
            hashlib.sha256(f"spent:{h1}".encode()).hexdigest(),
            hmac.new(SECRET, h1.encode(), hashlib.sha256).hexdigest(),
            hmac.new(SECRET, f"spent:{h1}".encode(), hashlib.sha256).hexdigest(),
        }
        assert not tries & spent
        assert not any(h1[:8] in s for s in spent)


def test_after_close_only_one_copy_of_each_response_remains_in_the_files(tmp_path, people, clock):
    played = _play(tmp_path, _add_people, clock, REVIEWERS)
    conn = played["conn"]
    assert results.results(conn, OPERATOR, played["rid"]).ready  # everyone answered: closed
    data = played["db"].read_bytes()
    wal = Path(f"{played['db']}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    for member in REVIEWERS:  # its response row and the results laid down at close
        assert data.count(_marker(member).encode()) == 2


def test_order_of_responses_in_the_file_after_close_is_not_the_submit_order(
    tmp_path, people, clock
):
    """Over many runs, the rows' order in the file's page matches the submit order (or its
    reverse, as cells fill a page from its end) about as often as chance: 2 in 120."""
    runs, same = 40, 0
    for n in range(runs):
        order = REVIEWERS[n % 5 :] + REVIEWERS[: n % 5]
        played = _play(tmp_path / f"run{n}", _add_people, FakeClock(clock()), order)
        in_file = _order_in_file(played["db"].read_bytes(), played["conn"])
        assert sorted(in_file) == sorted(order)
        same += in_file in (order, order[::-1])
        for c in (played["conn"], played["before"], played["after"]):
            c.close()
    assert same <= 5, f"{same} of {runs} runs kept the submit order"


def test_the_backup_taken_after_close_holds_the_shuffled_order_too(tmp_path, people, clock):
    played = _play(tmp_path, _add_people, clock, REVIEWERS)
    played["after"].close()
    shutil.copy(tmp_path / "backup-after.db", tmp_path / "look.db")
    look = sqlite3.connect(tmp_path / "look.db")
    assert sorted(_order_in_file((tmp_path / "look.db").read_bytes(), look)) == sorted(REVIEWERS)
    assert look.execute("SELECT COUNT(*) FROM feedback_responses").fetchone()[0] == 5


def _add_people(conn: sqlite3.Connection, clock: FakeClock) -> None:
    for slack_id, name in PEOPLE.items():
        members.upsert_member(conn, slack_id, real_name=name, clock=clock)
