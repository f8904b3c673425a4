"""Counted Slack calls: messages, errors by method, rate-limit waits, unreachable members."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.slack import SlackUnavailable, call, is_transient
from checkin.people import members

pytestmark = pytest.mark.timeout(30)


def kinds(ctx) -> list[tuple]:  # noqa: ANN001
    return [tuple(r) for r in ctx.conn.execute("SELECT kind, method, error FROM events")]


def test_a_message_is_counted(ctx):  # noqa: ANN001
    call(ctx, "chat.postMessage", channel="U001", text="hi")
    assert kinds(ctx) == [("message_sent", "chat.postMessage", None)]


def test_user_disabled_marks_the_member_inactive(ctx, slack):  # noqa: ANN001
    members.ensure_member(ctx.conn, "U006")
    with pytest.raises(SlackApiError):
        call(ctx, "conversations.open", member="U006", users="U006")
    member = members.get_member(ctx.conn, "U006")
    assert (member["active"], member["inactive_reason"]) == (0, "user_disabled")
    assert kinds(ctx) == [("api_error", "conversations.open", "user_disabled")]


def test_a_429_waits_and_is_counted(ctx, slack):  # noqa: ANN001
    slack.fail("chat.postMessage", "ratelimited", times=1, retry_after=0)
    call(ctx, "chat.postMessage", channel="U001", text="hi")
    assert ("rate_limited", "chat.postMessage", None) in kinds(ctx)
    assert ("message_sent", "chat.postMessage", None) in kinds(ctx)


def test_no_answer_at_all_is_slack_unavailable(ctx):  # noqa: ANN001
    ctx.client.base_url = "http://127.0.0.1:9/api/"
    ctx.client.retry_handlers = []
    with pytest.raises(SlackUnavailable) as caught:
        call(ctx, "auth.test")
    assert is_transient(caught.value)
    assert kinds(ctx) == [("api_error", "auth.test", "connection_error")]
