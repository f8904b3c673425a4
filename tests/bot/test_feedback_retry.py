"""Invite DMs that fail are tried again with backoff, never sent twice; those Slack will
never take are kept with their reason for the requester. Faults come from the fake
Slack's fault injection, through the real slack_sdk client and its retry handlers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from checkin.feedback import listing
from checkin.people.viewer import Viewer
from tests.bot.conftest import tick
from tests.bot.test_feedback import ALICE, BOB, CHITRA, DMITRI, EMMA, invite_links, run

pytestmark = pytest.mark.timeout(60)

REQUEST = f"/checkin feedback {ALICE} from {BOB} {CHITRA} {DMITRI} {EMMA} by 2026-12-11"
REVIEWERS = ["U002", "U003", "U004", "U005"]
ALICE_VIEW = Viewer(role="member", slack_id="U001")


def invites_to(slack, user: str) -> list[dict]:  # noqa: ANN001
    """The invite messages in the reviewer's DM (each carries a `feedback:<invite>` block)."""
    return [
        m
        for m in slack.dm(user)
        if any(str(b.get("block_id", "")).startswith("feedback:") for b in m.get("blocks") or [])
    ]


def invite_of(bot, member: str):  # noqa: ANN001, ANN201
    return bot.ctx.conn.execute(
        "SELECT * FROM feedback_invites WHERE member_id = ?", (member,)
    ).fetchone()


def request_id(bot) -> int:  # noqa: ANN001
    return bot.ctx.conn.execute("SELECT id FROM feedback_requests").fetchone()[0]


def test_a_server_error_on_the_post_is_retried_later_and_sent_once(slack, bot, clock):  # noqa: ANN001
    run(slack, bot, "U001", REQUEST)
    slack.fail("chat.postMessage", 500, times=1)  # the first invite's post
    tick(bot)
    assert sorted(invite_links(slack)) == ["U003", "U004", "U005"]
    first = invite_of(bot, "U002")
    assert first["sent_at"] is None and first["attempts"] == 1
    assert first["last_error"] == "internal_error"
    assert listing.undelivered(bot.ctx.conn, ALICE_VIEW, request_id(bot), clock) == [
        {
            "reviewer": "Bob Okafor",
            "state": "retrying",
            "reason": f"Slack did not take the DM (internal_error); trying again at "
            f"{(clock() + timedelta(minutes=1)).strftime('%H:%M')} UTC (attempt 2)",
        }
    ]
    tick(bot)  # before the retry is due: nothing
    assert invites_to(slack, "U002") == []
    clock.advance(seconds=61)
    tick(bot)
    assert sorted(invite_links(slack)) == REVIEWERS
    clock.advance(hours=2)
    tick(bot)
    tick(bot)
    assert {u: len(invites_to(slack, u)) for u in REVIEWERS} == dict.fromkeys(REVIEWERS, 1)
    assert listing.undelivered(bot.ctx.conn, ALICE_VIEW, request_id(bot), clock) == []
    assert [r["payload"] for r in bot.ctx.conn.execute("SELECT payload FROM outbox")] == [
        '{"request_id": 1}',
        '{"request_id": 1, "retry": true}',
    ]


def test_the_wait_doubles_after_each_failure(slack, bot, clock):  # noqa: ANN001
    run(slack, bot, "U001", REQUEST)
    slack.fail("chat.postMessage", 503, times=3)
    tick(bot)  # U002, U003, U004 fail once each
    assert sorted(invite_links(slack)) == ["U005"]
    slack.fail("chat.postMessage", 503, times=3)
    clock.advance(seconds=61)
    tick(bot)  # the second failure of each
    retry_at = {u: invite_of(bot, u)["retry_at"] for u in ("U002", "U003", "U004")}
    assert {invite_of(bot, u)["attempts"] for u in retry_at} == {2}
    clock.advance(seconds=61)
    tick(bot)  # 2 minutes are not up yet
    assert sorted(invite_links(slack)) == ["U005"]
    clock.advance(seconds=60)
    tick(bot)
    assert sorted(invite_links(slack)) == REVIEWERS
    assert all(len(invites_to(slack, u)) == 1 for u in REVIEWERS)


def test_a_rate_limit_beyond_the_clients_budget_is_retried_later(slack, bot, clock):  # noqa: ANN001
    run(slack, bot, "U001", REQUEST)
    # 12 waits on Retry-After are the client's budget: the 13th 429 reaches the bot
    slack.fail("conversations.open", "ratelimited", times=13, retry_after=0)
    tick(bot)
    assert sorted(invite_links(slack)) == ["U003", "U004", "U005"]
    assert invite_of(bot, "U002")["last_error"] == "ratelimited"
    clock.advance(seconds=61)
    tick(bot)
    assert {u: len(invites_to(slack, u)) for u in REVIEWERS} == dict.fromkeys(REVIEWERS, 1)


def test_a_post_slack_made_before_failing_is_found_and_not_sent_again(slack, bot, clock):  # noqa: ANN001
    run(slack, bot, "U001", REQUEST)
    slack.fail("chat.postMessage", 500, times=1)
    tick(bot)
    first = invite_of(bot, "U002")
    assert first["posting_at"] is not None  # a 5xx on a post: it may have been made
    # Slack made the post and lost the answer: the message is in the DM all the same.
    landed = slack.workspace.post(
        first["channel_id"],
        {
            "user": "U0BOT",
            "bot_id": "B0001",
            "text": "asked for your feedback",
            "blocks": [{"type": "actions", "block_id": f"feedback:{first['id']}", "elements": []}],
        },
    )
    posts_before = len(slack.calls("chat.postMessage"))
    clock.advance(seconds=61)
    tick(bot)
    assert len(slack.calls("chat.postMessage")) == posts_before  # nothing posted again
    assert slack.calls("conversations.history")[-1]["channel"] == first["channel_id"]
    after = invite_of(bot, "U002")
    assert after["sent_at"] is not None and after["message_ts"] == landed["ts"]
    assert after["token_hash"] == first["token_hash"]  # the link in that message still works


def test_a_rate_limited_post_was_not_made_so_it_is_posted_again_without_looking(slack, bot, clock):  # noqa: ANN001
    run(slack, bot, "U001", REQUEST)
    slack.fail("chat.postMessage", "ratelimited", times=13, retry_after=0)
    tick(bot)
    assert invite_of(bot, "U002")["posting_at"] is None
    clock.advance(seconds=61)
    tick(bot)
    assert slack.calls("conversations.history") == []
    assert len(invites_to(slack, "U002")) == 1


def test_a_deactivated_reviewer_is_refused_with_its_reason_and_never_retried(slack, bot, clock):  # noqa: ANN001
    run(slack, bot, "U001", REQUEST)
    slack.fail("conversations.open", "user_disabled", times=1)
    tick(bot)
    assert invite_of(bot, "U002")["refused"] == "their Slack account is deactivated"
    opened = len(slack.calls("conversations.open"))
    clock.advance(hours=3)
    tick(bot)
    assert len(slack.calls("conversations.open")) == opened
    assert invites_to(slack, "U002") == []
    assert listing.undelivered(bot.ctx.conn, ALICE_VIEW, request_id(bot), clock) == [
        {
            "reviewer": "Bob Okafor",
            "state": "refused",
            "reason": "their Slack account is deactivated",
        }
    ]
    outsider = Viewer(role="member", slack_id="U003")
    assert listing.undelivered(bot.ctx.conn, outsider, request_id(bot), clock) == []


def test_in_development_mode_a_skipped_reviewer_is_shown_as_refused(slack, make_bot, clock):  # noqa: ANN001
    bot = make_bot(env="development", dev_users=("U001", "U002", "U003"))
    run(slack, bot, "U001", REQUEST)
    tick(bot)
    assert sorted(invite_links(slack)) == ["U002", "U003"]
    reason = "development mode: the bot DMs only the people in CHECKIN_DEV_USERS"
    assert listing.undelivered(bot.ctx.conn, ALICE_VIEW, request_id(bot), clock) == [
        {"reviewer": "Dmitri Volkov", "state": "refused", "reason": reason},
        {"reviewer": "Emma Larsen", "state": "refused", "reason": reason},
    ]
    clock.advance(hours=3)
    tick(bot)
    assert sorted(invite_links(slack)) == ["U002", "U003"]
