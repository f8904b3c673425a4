"""The fake Slack's threads and channel membership, as a bot token meets them in Slack."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from tests.fakeslack import FakeSlack
from tests.fakeslack.test_fakeslack import client, error_of
from tests.fakeslack.workspace import BOT_USER_ID

pytestmark = pytest.mark.timeout(20)

META = {"event_type": "note", "event_payload": {"n": 1}}


def thread_of(bot: WebClient, slack: FakeSlack) -> tuple[str, str, str]:
    parent = bot.chat_postMessage(channel="#team", text="Daily standup · Wed 2 Dec")
    reply = bot.chat_postMessage(
        channel="C0002", thread_ts=parent["ts"], text="Alice: shipped", metadata=META
    )
    return parent["channel"], parent["ts"], reply["ts"]


def test_a_reply_names_its_parent_and_the_parent_counts_who_replied(slack: FakeSlack) -> None:
    bot = client(slack)
    channel, parent_ts, reply_ts = thread_of(bot, slack)
    parent, reply = slack.thread("#team", parent_ts)
    assert reply["parent_user_id"] == BOT_USER_ID and reply["thread_ts"] == parent_ts
    assert parent["reply_count"] == 1 and parent["reply_users"] == [BOT_USER_ID]
    assert parent["reply_users_count"] == 1 and parent["latest_reply"] == reply_ts


def test_history_holds_parents_and_replies_hold_the_thread_with_metadata_on_request(
    slack: FakeSlack,
) -> None:
    bot = client(slack)
    channel, parent_ts, reply_ts = thread_of(bot, slack)
    assert [m["ts"] for m in bot.conversations_history(channel=channel)["messages"]] == [parent_ts]
    plain = bot.conversations_replies(channel=channel, ts=parent_ts)["messages"]
    assert [m["ts"] for m in plain] == [parent_ts, reply_ts]
    assert "metadata" not in plain[1], "metadata only with include_all_metadata, as in Slack"
    full = bot.conversations_replies(channel=channel, ts=parent_ts, include_all_metadata=True)
    assert full["messages"][1]["metadata"] == META


def test_a_broadcast_reply_shows_in_the_channel_too(slack: FakeSlack) -> None:
    bot = client(slack)
    channel, parent_ts, _ = thread_of(bot, slack)
    shared = bot.chat_postMessage(
        channel=channel, thread_ts=parent_ts, text="for everyone", reply_broadcast=True
    )
    history = bot.conversations_history(channel=channel)["messages"]
    assert [m["ts"] for m in history] == [shared["ts"], parent_ts]
    assert history[0]["subtype"] == "thread_broadcast"


def test_chat_update_changes_a_thread_reply_in_place(slack: FakeSlack) -> None:
    bot = client(slack)
    channel, parent_ts, reply_ts = thread_of(bot, slack)
    bot.chat_update(channel=channel, ts=reply_ts, text="Alice: shipped, and fixed the build")
    parent, reply = slack.thread("#team", parent_ts)
    assert reply["ts"] == reply_ts and reply["text"] == "Alice: shipped, and fixed the build"
    assert reply["edited"]["user"] == BOT_USER_ID and parent["reply_count"] == 1


def test_a_public_channel_without_the_bot_refuses_posts_and_reads_until_it_is_invited(
    slack: FakeSlack,
) -> None:
    slack.workspace.add_channel("C0003", "standup", ["U001", "U002"])
    bot = client(slack)
    assert (
        error_of(lambda: bot.chat_postMessage(channel="C0003", text="hi")).response["error"]
        == "not_in_channel"
    )
    assert (
        error_of(lambda: bot.conversations_history(channel="C0003")).response["error"]
        == "not_in_channel"
    )
    info = bot.conversations_info(channel="C0003")["channel"]
    assert info["name"] == "standup" and info["is_member"] is False
    listed = bot.conversations_list(types="public_channel")["channels"]
    assert "C0003" in [c["id"] for c in listed], "a public channel is listed to everyone"

    slack.workspace.invite("#standup", BOT_USER_ID)
    posted = bot.chat_postMessage(channel="C0003", text="hi")
    assert bot.conversations_info(channel="C0003")["channel"]["is_member"] is True
    assert bot.conversations_replies(channel="C0003", ts=posted["ts"])["messages"][0]["text"] == (
        "hi"
    )


def test_a_private_channel_without_the_bot_does_not_exist_for_it(slack: FakeSlack) -> None:
    slack.workspace.add_channel("G0004", "leads", ["U001"], is_private=True)
    bot = client(slack)
    for call in (
        lambda: bot.conversations_info(channel="G0004"),
        lambda: bot.conversations_history(channel="G0004"),
        lambda: bot.conversations_members(channel="G0004"),
    ):
        assert error_of(call).response["error"] == "channel_not_found"
    listed = bot.conversations_list(types="private_channel")["channels"]
    assert "G0004" not in [c["id"] for c in listed]
    slack.workspace.invite("G0004", BOT_USER_ID)
    listed = bot.conversations_list(types="private_channel")["channels"]
    assert [c["id"] for c in listed] == ["G0004"]
