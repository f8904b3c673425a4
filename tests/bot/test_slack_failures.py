"""Rate limits, server errors, unreachable members, dropped websockets, development mode."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from bot import scheduler
from checkin.answers.runs import get_run
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.db import connection
from checkin.ops import events, heartbeat
from checkin.people import members
from tests.bot.conftest import settle, tick
from tests.fakeslack.workspace import make_user

pytestmark = pytest.mark.timeout(60)

PARIS_NINE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
MANY = 200


def crowd(slack, db_path, clock) -> list[str]:  # noqa: ANN001
    """200 more people in UTC+1, all in one check-in due at 08:00 UTC."""
    ids = [f"U9{n:04d}" for n in range(MANY)]
    for uid in ids:
        slack.workspace.add_user(make_user(uid, f"p{uid}", f"Person {uid}", "Europe/Paris", 3600))
    toml = f"""
[[checkin]]
name = "crowd"
days = ["mon"]
time = "09:00"
participants = {ids!r}
[[checkin.question]]
text = "How are you feeling?"
kind = "scale"
""".replace("'", '"')
    conn = connection.connect(db_path)
    import_definitions(conn, parse_toml(toml), clock=clock)
    conn.execute("UPDATE checkins SET active = 0 WHERE name = 'daily'")
    conn.close()
    return ids


def test_a_429_storm_loses_no_one(slack, make_bot, story_db, clock):  # noqa: ANN001
    ids = crowd(slack, story_db, clock)
    slack.rate_limit("chat.postMessage", per_second=80, retry_after=1)
    slack.fail("chat.postMessage", "ratelimited", times=3, retry_after=1)
    bot = make_bot()
    clock.set(PARIS_NINE)
    started = time.monotonic()
    tick(bot)
    took = time.monotonic() - started
    assert all(len(slack.dm(uid)) == 1 for uid in ids), "everyone got their first question once"
    posts = [c for c in slack.api_log if c.method == "chat.postMessage"]
    assert sum(c.status == 429 for c in posts) >= 4
    assert sum(c.ok for c in posts) == MANY
    ok_times = sorted(c.admitted_at for c in posts if c.ok)  # the limiter's own times
    for i in range(len(ok_times) - 80):
        assert ok_times[i + 80] - ok_times[i] >= 1.0, "never more than the fake's budget"
    conn = bot.ctx.conn
    statuses = conn.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall()
    assert [tuple(r) for r in statuses] == [("open", MANY)]
    waits = events.count_events(conn, "rate_limited", datetime(2000, 1, 1, tzinfo=UTC))
    assert waits >= 4
    assert took < 30


def test_server_errors_are_retried_with_backoff_but_not_on_a_post(slack, bot, clock):  # noqa: ANN001
    slack.fail("conversations.open", 503, times=1)
    slack.fail("chat.postMessage", 500, times=1)
    clock.set(PARIS_NINE)
    tick(bot)
    conn = bot.ctx.conn
    assert len(slack.calls("chat.postMessage", ok=False)) == 1, "a post's 500 is not retried"
    (left,) = conn.execute("SELECT id, member_id FROM runs WHERE status = 'sending'").fetchall()
    assert slack.dm(left["member_id"]) == []
    others = conn.execute("SELECT member_id FROM runs WHERE status = 'open'").fetchall()
    assert len(others) == 2, "the 503 on conversations.open was retried"
    for (member,) in others:
        assert len(slack.dm(member)) == 1
    clock.advance(minutes=5)  # the history check: not in the DM, so it is sent now
    tick(bot)
    tick(bot)
    assert get_run(conn, left["id"])["status"] == "open"
    assert len(slack.dm(left["member_id"])) == 1


def test_a_post_is_not_tried_again_after_a_timeout_or_a_reset(bot):  # noqa: ANN001
    from urllib.error import URLError

    from slack_sdk.http_retry.request import HttpRequest
    from slack_sdk.http_retry.response import HttpResponse
    from slack_sdk.http_retry.state import RetryState

    from bot.slack import ConnectionHandler, ServerErrorHandler

    def request(method: str) -> HttpRequest:
        return HttpRequest(method="POST", url=f"{bot.config.api_url}{method}", headers={})

    handler = ConnectionHandler(max_retry_count=3, error_types=[URLError, OSError])

    def retried(method: str, error: Exception) -> bool:
        return handler.can_retry(state=RetryState(), request=request(method), error=error)

    for error in (TimeoutError("timed out"), URLError(ConnectionResetError())):
        assert not retried("chat.postMessage", error)
        assert retried("users.info", error)
    assert retried("chat.postMessage", URLError(ConnectionRefusedError())), "never reached Slack"
    five_hundred = HttpResponse(status_code=500, headers={}, body={"ok": False})
    for method, expected in (("files.completeUploadExternal", False), ("chat.update", True)):
        assert (
            ServerErrorHandler().can_retry(
                state=RetryState(), request=request(method), response=five_hundred
            )
            is expected
        )


def test_a_deactivated_member_is_marked_inactive_and_not_retried(slack, bot, clock):  # noqa: ANN001
    slack.fail("conversations.open", "user_disabled", times=1)
    clock.set(PARIS_NINE.replace(hour=3, minute=30))
    tick(bot)  # Kolkata's 09:00: only U003 is due
    conn = bot.ctx.conn
    member = members.get_member(conn, "U003")
    assert (member["active"], member["inactive_reason"]) == (0, "user_disabled")
    run = conn.execute("SELECT status, error FROM runs WHERE member_id = 'U003'").fetchone()
    assert tuple(run) == ("failed", "user_disabled")
    before = len(slack.calls("conversations.open"))
    clock.advance(minutes=30)
    tick(bot)
    assert len(slack.calls("conversations.open")) == before
    errors = conn.execute("SELECT method, error FROM events WHERE kind = 'api_error'").fetchall()
    assert [tuple(e) for e in errors] == [("conversations.open", "user_disabled")]


def test_a_member_deactivated_in_slack_is_never_asked(slack, bot, clock):  # noqa: ANN001
    slack.workspace.deactivate("U001")
    clock.set(PARIS_NINE)
    tick(bot)
    assert slack.dm("U001") == []
    assert members.get_member(bot.ctx.conn, "U001")["active"] == 0
    assert len(slack.dm("U004")) == 1


def test_refresh_requested_reconnects_and_answers_the_next_click(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    opened = slack.socket.opened
    slack.disconnect("refresh_requested")
    slack.wait_until(lambda: slack.socket.opened > opened and slack.connections >= 1, 10)
    ack = slack.user("U001").clicks("good", timeout=10)
    settle(slack, bot)
    assert ack.envelope_id
    assert bot.ctx.conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 1


def test_an_abrupt_drop_reconnects_and_answers_the_next_click(slack, make_bot, clock):  # noqa: ANN001
    bot = make_bot(ping_interval=0.3)
    clock.set(PARIS_NINE)
    tick(bot)
    opened = slack.socket.opened
    slack.drop_connections()
    ack = slack.user("U001").clicks("good", timeout=15)  # waits for the next hello
    settle(slack, bot)
    assert slack.socket.opened > opened
    assert ack.envelope_id
    assert bot.ctx.conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 1


def test_development_mode_sends_only_to_the_allowed_users(slack, make_bot, clock):  # noqa: ANN001
    bot = make_bot(env="development", dev_users=("U004",))
    assert "environment=development" in bot.start_line()
    assert "dms_to=U004" in bot.start_line()
    clock.set(PARIS_NINE)
    tick(bot)
    assert len(slack.dm("U004")) == 1
    assert slack.dm("U001") == [] and slack.dm("U003") == []
    opened_for = {c["users"] for c in slack.calls("conversations.open")}
    assert opened_for == {"U004"}
    conn = bot.ctx.conn
    runs = dict(conn.execute("SELECT member_id, status FROM runs").fetchall())
    assert runs == {"U001": "dev_skipped", "U003": "dev_skipped", "U004": "open"}
    skipped = conn.execute("SELECT member_id FROM events WHERE kind = 'dm_skipped'").fetchall()
    assert sorted(r[0] for r in skipped) == ["U001", "U003"]
    assert scheduler.heartbeat(bot.ctx)
    beat = heartbeat.read_heartbeat(conn)
    assert beat.env == "development" and beat.dev_users == ["U004"]
    assert beat.detail["dm_skipped_24h"] == 2
    clock.advance(minutes=30)
    tick(bot)
    assert (
        len(skipped)
        == conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'dm_skipped'").fetchone()[0]
    ), "counted once per run"


def test_development_mode_without_users_warns_at_start(make_bot):  # noqa: ANN001
    bot = make_bot(env="development", connect=False)
    assert "WARNING" in bot.start_line() and "nobody gets a DM" in bot.start_line()


def test_development_mode_never_dms_others_whatever_they_do(slack, make_bot, clock):  # noqa: ANN001
    """Typing to the bot, /checkin pause: nothing in U001's DM; the command's own
    ephemeral answer (its response_url, not a DM) is still given."""
    bot = make_bot(env="development", dev_users=("U004",))
    clock.set(PARIS_NINE)
    settle(slack, bot, slack.user("U001").types("hello?"))
    slack.user("U001").runs("/checkin pause until 2026-12-24")
    settle(slack, bot)
    slack.user("U001").runs("/checkin resume")
    settle(slack, bot)
    assert slack.dm("U001") == []
    assert all(c["users"] != "U001" for c in slack.calls("conversations.open"))
    assert all(c["channel"] not in ("U001", "D001") for c in slack.calls("chat.postMessage"))
    assert any("paused until" in str(r.body.get("text")) for r in slack.responses)
    skipped = bot.ctx.conn.execute(
        "SELECT method FROM events WHERE kind = 'dm_skipped' AND member_id = 'U001'"
    ).fetchall()
    assert len(skipped) >= 2
