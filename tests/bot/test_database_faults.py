"""A database another process keeps locked: every kept request is done once it lets go.

The lock is held by a real second process (`BEGIN EXCLUSIVE`) and let go when
the test says so; busy timeouts and the waits between tries are made short
so nothing here waits long on the wall clock.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest

from bot import listen, scheduler
from checkin.ops import heartbeat, inbox
from tests.bot.conftest import settle, tick

pytestmark = pytest.mark.timeout(90)

PARIS_NINE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("held", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


class Lock:
    """Another process holding the database's write lock until `release()`."""

    def __init__(self, path) -> None:  # noqa: ANN001
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout.readline().strip() == "held"

    def release(self) -> None:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        assert self.proc.wait(10) == 0


def texts(slack, member: str) -> list[str]:  # noqa: ANN001
    return [m.get("text") or "" for m in slack.dm(member)]


def answer_while_nothing_can_be_written(slack, clock, members, wait: float) -> None:  # noqa: ANN001
    """Each member clicks their first answer; each is told it is being retried."""
    for member in members:
        slack.user(member).clicks("good")  # acknowledged although nothing can be written
    clock.advance(minutes=2)
    for member in members:
        slack.wait_until(
            lambda m=member: any("could not save it yet" in t for t in texts(slack, m)),
            wait,
            f"{member} told their answer is being retried",
        )


def assert_each_answer_stored_once(slack, bot, members) -> None:  # noqa: ANN001
    """Once the fault has passed: every answer stored once, nothing asked twice, the next
    question sent, each member told once that it was retried and once that it was saved."""
    conn = bot.ctx.conn
    for member in members:
        stored = conn.execute(
            "SELECT COUNT(*) FROM answers WHERE member_id = ? AND question_id = 1", (member,)
        ).fetchone()[0]
        assert stored == 1, f"{member}'s answer stored once"
        said = texts(slack, member)
        assert len([t for t in said if "1/4 " in t]) == 1, "nothing asked twice"
        assert len([t for t in said if t.startswith("2/4")]) == 1, "the next question arrives"
        assert len([t for t in said if "could not save it yet" in t]) == 1
        assert len([t for t in said if t.startswith("Saved now")]) == 1
    pending = conn.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()[0]
    assert pending == 0
    assert inbox.count_set_aside(conn) == 0


def test_answers_given_while_another_process_holds_the_lock_are_stored_once_it_lets_go(
    slack,
    make_bot,
    clock,
    short_waits,  # noqa: ANN001
):
    bot = make_bot()
    clock.set(PARIS_NINE)
    tick(bot)
    settle(slack, bot)
    members = ("U001", "U003", "U004")

    lock = Lock(bot.config.db_path)
    try:
        answer_while_nothing_can_be_written(slack, clock, members, wait=10)
    finally:
        lock.release()
    settle(slack, bot, timeout=10)
    assert_each_answer_stored_once(slack, bot, members)


def test_a_members_later_requests_wait_behind_one_being_retried(slack, make_bot, clock):  # noqa: ANN001
    bot = make_bot()
    done: list[str] = []
    failures = {"first": 2}
    gate = threading.Event()

    def flaky(ctx, body):  # noqa: ANN001, ANN202
        name = body["name"]
        if failures.get(name):
            failures[name] -= 1
            raise sqlite3.OperationalError("database is locked")
        done.append(name)
        gate.set()

    listen.RETRY_BACKOFF_S, saved = (0.05, 0.05, 0.05), listen.RETRY_BACKOFF_S
    try:
        for name in ("first", "second"):
            listen.take(
                bot.ctx, lambda: None, "flaky", flaky, {"user": {"id": "U001"}, "name": name}
            )
        assert bot.ctx.worker.wait_idle(5)
    finally:
        listen.RETRY_BACKOFF_S = saved
    assert done == ["first", "second"]
    rows = bot.ctx.conn.execute(
        "SELECT attempts, done_at FROM inbox WHERE kind = 'flaky'"
    ).fetchall()
    assert [r["attempts"] for r in rows] == [2, 0]
    assert all(r["done_at"] for r in rows)


def test_a_request_that_cannot_pass_is_set_aside_with_its_error_and_tried_again_when_asked(
    slack,
    make_bot,
    clock,  # noqa: ANN001
):
    bot = make_bot()
    broken = {"yes": True}
    done: list[int] = []

    def buggy(ctx, body):  # noqa: ANN001, ANN202
        if broken["yes"]:
            raise KeyError("question")
        done.append(1)

    listen.take(bot.ctx, lambda: None, "buggy", buggy, {"user": {"id": "U002"}})
    assert bot.ctx.worker.wait_idle(5)
    conn = bot.ctx.conn
    (row,) = inbox.set_aside_requests(conn)
    assert (row["kind"], row["member_id"]) == ("buggy", "U002")
    assert row["error"] == "KeyError: 'question'"
    assert inbox.inbox_pending(conn) == [], "a set-aside request is not replayed at every start"
    scheduler.heartbeat(bot.ctx)
    assert heartbeat.read_heartbeat(conn).detail["set_aside"] == 1, "the heartbeat counts it"

    broken["yes"] = False
    assert inbox.ask_try_again(conn, row["id"], "U0ADMIN", clock=clock)
    tick(bot)
    assert done == [1]
    assert inbox.count_set_aside(conn) == 0
    assert conn.execute("SELECT done_at FROM inbox WHERE id = ?", (row["id"],)).fetchone()[0]


def test_a_passing_fault_that_does_not_pass_sets_the_request_aside_after_its_tries(
    slack,
    make_bot,
    clock,
    monkeypatch,  # noqa: ANN001
):
    bot = make_bot()
    monkeypatch.setattr(listen, "RETRY_BACKOFF_S", (0.01, 0.01))

    def full(ctx, body):  # noqa: ANN001, ANN202
        raise sqlite3.OperationalError("database or disk is full")

    listen.take(bot.ctx, lambda: None, "full", full, {"user": {"id": "U003"}})
    assert bot.ctx.worker.wait_idle(5)
    (row,) = inbox.set_aside_requests(bot.ctx.conn)
    assert row["attempts"] == 2
    assert row["error"] == "OperationalError: database or disk is full"


def test_an_outbox_row_that_meets_a_locked_database_is_retried_then_done(ctx, clock):  # noqa: ANN001
    from bot import outbox as bot_outbox
    from checkin.ops import outbox

    conn = ctx.conn
    row_id = outbox.enqueue(conn, "post_report", {"checkin": "daily"}, clock=clock)
    fails = {"left": 1}

    def handler(ctx, payload):  # noqa: ANN001, ANN202
        if fails["left"]:
            fails["left"] -= 1
            raise sqlite3.OperationalError("database is locked")

    bot_outbox.do_row(ctx, outbox.claim_outbox(conn, clock=clock), handler)
    row = conn.execute("SELECT status, error FROM outbox WHERE id = ?", (row_id,)).fetchone()
    assert (row["status"], row["error"]) == ("pending", "database is locked")
    assert outbox.claim_outbox(conn, clock=clock) is None, "not taken before its wait is over"
    clock.advance(seconds=bot_outbox.RETRY_BACKOFF_S[0])
    taken = outbox.claim_outbox(conn, clock=clock)
    assert taken["attempts"] == 2
    bot_outbox.do_row(ctx, taken, handler)
    assert conn.execute("SELECT status FROM outbox WHERE id = ?", (row_id,)).fetchone()[0] == "done"


def test_an_outbox_row_that_keeps_failing_ends_failed_with_its_reason(ctx, clock):  # noqa: ANN001
    from bot import outbox as bot_outbox
    from checkin.ops import outbox

    conn = ctx.conn
    row_id = outbox.enqueue(conn, "post_report", {}, clock=clock)

    def handler(ctx, payload):  # noqa: ANN001, ANN202
        raise sqlite3.OperationalError("database or disk is full")

    for _ in range(len(bot_outbox.RETRY_BACKOFF_S) + 1):
        bot_outbox.do_row(ctx, outbox.claim_outbox(conn, clock=clock), handler)
        clock.advance(minutes=5)
    row = conn.execute(
        "SELECT status, error, attempts FROM outbox WHERE id = ?", (row_id,)
    ).fetchone()
    assert (row["status"], row["error"]) == ("failed", "database or disk is full")
    assert row["attempts"] == len(bot_outbox.RETRY_BACKOFF_S) + 1


def test_a_heartbeat_that_loses_its_claim_stops_the_bot_even_when_reading_the_holder_fails(
    ctx,
    monkeypatch,  # noqa: ANN001
):
    lost = threading.Event()

    def unreadable(conn):  # noqa: ANN001, ANN202
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(scheduler, "heartbeat", lambda ctx: False)
    monkeypatch.setattr(scheduler, "read_heartbeat", unreadable)
    beat = scheduler.Heartbeat(ctx, lost.set, interval=0.01).start()
    assert lost.wait(5), "the bot is told to stop"
    assert beat.stop(1)
