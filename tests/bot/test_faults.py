"""Fault injection: each Slack call of a check-in fails (HTTP 500, a timeout, a connection reset,
429 beyond the retry budget), before or after Slack did it; the member still finishes the
check-in, every answer stored once, nothing asked twice."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator

from bot.app import Bot
from bot.slack import (
    CONNECTION_RETRIES,
    SERVER_ERROR_RETRIES,
    CountingRateLimitHandler,
)
from checkin.answers import runs
from checkin.ops import events
from tests.bot.conftest import settle, tick

pytestmark = pytest.mark.timeout(120)

PARIS_NINE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
RATE_LIMIT_BUDGET = 2
CLIENT_TIMEOUT_S = 0.3  # where a test injects timeouts: each costs this long
CALM_TIMEOUT_S = 10.0  # elsewhere: a call the fake answers is never taken for lost
ACTS = [("click", "good"), ("click", "office"), ("type", "Planning the offsite"), ("type", "6")]
KINDS = [500, "timeout", "reset", "ratelimited"]
U001 = {  # the calls of U001's check-in, by their arguments
    "conversations.open": {"users": "U001"},
    "conversations.history": {"channel": "D001"},
    "chat.postMessage": {"channel": "D001"},
    "chat.update": {"channel": "D001"},
}


class ShortJitter:
    """Up to 10 ms added to a wait (slack_sdk's default jitter adds up to a whole second)."""

    def recalculate(self, duration: float) -> float:
        import random

        return duration + random.uniform(0.0, 0.01)


def quick(bot: Bot, timeouts: bool = False) -> None:
    """The same retry rules with short waits, so a test does not sit through backoffs.

    The client gives up on a call after CLIENT_TIMEOUT_S only in a test that injects
    timeouts (`timeouts`): on a machine starved of CPU an ordinary call may take that long,
    and a post the client gave up on while the fake was still making it is a fault the test
    did not ask for."""
    client = bot.ctx.client
    client.timeout = CLIENT_TIMEOUT_S if timeouts else CALM_TIMEOUT_S
    for handler in client.retry_handlers:
        handler.interval_calculator = BackoffRetryIntervalCalculator(
            backoff_factor=0.01, jitter=ShortJitter()
        )
        if isinstance(handler, CountingRateLimitHandler):
            handler.max_retry_count = RATE_LIMIT_BUDGET


def beyond_budget(kind: str | int) -> int:
    """How many failures in a row outlast the client's own retries of this kind."""
    if kind == "ratelimited":
        return RATE_LIMIT_BUDGET + 1
    if kind == 500:
        return SERVER_ERROR_RETRIES + 1
    return CONNECTION_RETRIES + 1


def inject(slack, method: str, kind: str | int, applied: bool) -> None:  # noqa: ANN001
    slack.fail(
        method,
        kind,
        times=beyond_budget(kind),
        retry_after=0,
        applied=applied,
        hang=CLIENT_TIMEOUT_S * 2,
        match=U001[method],
    )


def shown(slack, user: str = "U001") -> list[tuple[str, object]]:  # noqa: ANN001
    """(kind, question id or run id) of every check-in message the bot posted to `user`."""
    out = []
    for message in slack.dm(user):
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") == "checkin_question":
            out.append(("question", payload["question_id"]))
        elif metadata.get("event_type") == "checkin_recap":
            out.append(("recap", payload["run_id"]))
    return out


def wait_for(slack, bot, clock, wanted: tuple[str, object], limit: int = 15) -> None:  # noqa: ANN001
    """The member waits (20 s at a time, the bot ticking) until `wanted` is the newest message."""
    for _ in range(limit):
        if shown(slack) and shown(slack)[-1] == wanted:
            return
        clock.advance(seconds=20)
        tick(bot)
    raise AssertionError(f"never shown {wanted}; the DM has {shown(slack)}")


def act(slack, bot, how: str, what: str) -> None:  # noqa: ANN001
    if how == "click":
        slack.user("U001").clicks(what)
        settle(slack, bot)
    else:
        settle(slack, bot, slack.user("U001").types(what))


def check_in(slack, bot, clock, fault_at: tuple[str, int] | None, fault) -> None:  # noqa: ANN001
    """U001 answers the four questions; `fault()` is called before the step that makes the
    `fault_at` call (a method and which of its calls in the check-in: 0 is the first)."""
    clock.set(PARIS_NINE)
    step_of = {
        ("conversations.open", 0): 0,
        ("chat.postMessage", 0): 0,
        ("chat.postMessage", 1): 1,
        ("chat.postMessage", 2): 2,
        ("chat.postMessage", 3): 3,
        ("chat.postMessage", 4): 4,
        ("chat.update", 0): 1,
        ("conversations.history", 0): 0,
    }
    at = step_of[fault_at] if fault_at else -1
    if at == 0:
        fault()
    tick(bot)
    (run,) = bot.ctx.conn.execute("SELECT * FROM runs WHERE member_id = 'U001'").fetchall()
    qids = json.loads(run["question_ids"])
    for n, (how, what) in enumerate(ACTS):
        wait_for(slack, bot, clock, ("question", qids[n]))
        if at == n + 1:
            fault()
        act(slack, bot, how, what)
    wait_for(slack, bot, clock, ("recap", run["id"]))

    conn = bot.ctx.conn
    answers = conn.execute(
        "SELECT question_id, text, number FROM answers WHERE run_id = ? ORDER BY question_id",
        (run["id"],),
    ).fetchall()
    assert [a["question_id"] for a in answers] == sorted(qids), "every answer stored once"
    assert [a["text"] for a in answers][2] == "Planning the offsite"
    assert shown(slack) == [("question", q) for q in qids] + [("recap", run["id"])], (
        "each question asked once, one recap"
    )
    assert runs.get_run(conn, run["id"])["status"] == "answered"


CASES = (
    [("conversations.open", 0, kind, False) for kind in KINDS]
    + [
        ("chat.postMessage", n, kind, applied)
        for n in range(5)
        for kind in KINDS
        for applied in ((False, True) if kind != "ratelimited" else (False,))
    ]
    + [("chat.update", 0, kind, False) for kind in KINDS]
)


@pytest.mark.parametrize(("method", "nth", "kind", "applied"), CASES)
def test_the_member_finishes_whatever_one_call_does(slack, bot, clock, method, nth, kind, applied):  # noqa: ANN001
    quick(bot, timeouts=kind == "timeout")
    check_in(slack, bot, clock, (method, nth), lambda: inject(slack, method, kind, applied))
    errors = bot.ctx.conn.execute(
        "SELECT COUNT(*) FROM events WHERE kind = 'api_error' AND method = ?", (method,)
    ).fetchone()[0]
    assert errors >= 1, "the fault happened, and was counted"


@pytest.mark.parametrize("kind", KINDS)
def test_a_lost_first_question_is_found_in_the_dm_even_when_the_history_fails(
    slack, bot, clock, kind
):  # noqa: ANN001
    quick(bot, timeouts=kind == "timeout")
    clock.set(PARIS_NINE)
    slack.fail("chat.postMessage", 500, times=1, applied=True, match=U001["chat.postMessage"])
    inject(slack, "conversations.history", kind, False)
    tick(bot)
    conn = bot.ctx.conn
    run = conn.execute("SELECT * FROM runs WHERE member_id = 'U001'").fetchone()
    for _ in range(10):
        if runs.get_run(conn, run["id"])["status"] == "open":
            break
        clock.advance(seconds=5)
        tick(bot)
    run = runs.get_run(conn, run["id"])
    assert run["status"] == "open" and run["message_ts"] == slack.dm("U001")[0]["ts"]
    assert len(slack.dm("U001")) == 1, "found in the DM, not posted again"
    assert slack.calls("conversations.history", ok=True)


@pytest.mark.parametrize(
    ("error", "code"), [("missing_scope", "missing_scope"), (503, "internal_error")]
)
def test_a_run_whose_dm_cannot_be_checked_fails_when_its_window_closes(
    slack, bot, clock, error, code
):  # noqa: ANN001, E501
    quick(bot)
    clock.set(PARIS_NINE)
    slack.fail("chat.postMessage", 500, times=1, applied=True, match=U001["chat.postMessage"])
    slack.fail("conversations.history", error, times=10_000)
    conn = bot.ctx.conn
    for _ in range(60):  # five minutes of ticks
        tick(bot)
        clock.advance(seconds=5)
    run = conn.execute("SELECT * FROM runs WHERE member_id = 'U001'").fetchone()
    assert run["status"] == "sending", "checked again later (a click on it would open it)"
    checks = {c.at for c in slack.api_log if c.method == "conversations.history"}
    assert len(slack.calls("conversations.history")) <= 6 * (SERVER_ERROR_RETRIES + 1), (
        f"60 ticks, not 60 checks ({len(checks)} calls)"
    )
    clock.set(datetime.fromisoformat(run["closes_at"]) + timedelta(seconds=1))
    tick(bot)
    tick(bot)
    run = runs.get_run(conn, run["id"])
    assert run["status"] == "failed" and code in run["error"]
    assert events.count_events(conn, "run_unverified", PARIS_NINE) == 1
    checks = len(slack.calls("conversations.history"))
    clock.advance(minutes=10)
    tick(bot)
    assert len(slack.calls("conversations.history")) == checks, "given up"
    assert len(slack.dm("U001")) == 1, "never posted twice"


@pytest.mark.parametrize("kind", KINDS)
def test_a_modal_that_cannot_open_leaves_the_check_in_as_it_was(slack, bot, clock, kind):  # noqa: ANN001
    quick(bot, timeouts=kind == "timeout")
    clock.set(PARIS_NINE)
    tick(bot)
    slack.fail("views.open", kind, times=beyond_budget(kind), retry_after=0, hang=0.6)
    ack = slack.user("U001").clicks("Pause until…")
    assert ack.envelope_id, "acknowledged"
    settle(slack, bot)
    assert slack.open_view("U001") is None
    slack.user("U001").clicks("good")  # the question still works
    settle(slack, bot)
    assert bot.ctx.conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 1
    errors = bot.ctx.conn.execute(
        "SELECT COUNT(*) FROM events WHERE kind = 'api_error' AND method = 'views.open'"
    ).fetchone()[0]
    assert errors >= 1


def test_a_send_waiting_out_a_long_429_is_never_reset_and_sent_twice(slack, bot, clock):  # noqa: ANN001
    from bot import scheduler

    clock.set(PARIS_NINE)
    slack.fail("conversations.open", "ratelimited", times=1, retry_after=2, match={"users": "U001"})
    scheduler.tick(bot.ctx)  # U001's send now waits 2 s for Slack
    slack.wait_until(lambda: slack.calls("conversations.open", ok=False), 5, "the 429")
    for _ in range(3):  # minutes pass on the bot's clock while that send still waits
        clock.advance(minutes=3)
        scheduler.tick(bot.ctx)
    settle(slack, bot, timeout=15)
    clock.advance(seconds=5)
    tick(bot)
    greetings = [m for m in slack.dm("U001") if m["text"].startswith("Hi ")]
    assert len(greetings) == 1, "one send, never reset while in flight"
    run = bot.ctx.conn.execute("SELECT status FROM runs WHERE member_id = 'U001'").fetchone()
    assert run["status"] == "open"
