"""Participants resolved through every page of the channel lists; bots and the deactivated kept out."""

from __future__ import annotations

import json

import pytest

from bot import members
from checkin.people import members as people_members

pytestmark = pytest.mark.timeout(30)


def test_a_channel_is_expanded_through_every_page(ctx, slack, monkeypatch):  # noqa: ANN001
    monkeypatch.setattr(members, "PAGE", 2)
    ctx.bot_user_id = "U0BOT"
    ids = members.resolve(ctx, ["#team", "U005", "U001"])
    assert ids == ["U001", "U002", "U003", "U004", "U005"]
    pages = slack.calls("conversations.members")
    assert len(pages) == 3 and all(int(p["limit"]) == 2 for p in pages)


def test_the_roster_reads_profiles_once_a_day(ctx, slack, clock):  # noqa: ANN001
    ctx.bot_user_id = "U0BOT"
    checkin = {"id": 1, "participants": json.dumps(["#general", "U006"])}
    ids = members.roster(ctx, checkin)
    assert ids == ["U001", "U002", "U003", "U004", "U005", "U006"]
    frank = people_members.get_member(ctx.conn, "U006")
    assert frank["active"] == 0 and frank["inactive_reason"] == "deactivated"
    assert people_members.get_member(ctx.conn, "U003")["tz"] == "Asia/Kolkata"
    calls = len(slack.calls("users.info"))
    members.roster(ctx, checkin)
    assert len(slack.calls("users.info")) == calls
    clock.advance(days=1, minutes=1)
    members.roster(ctx, checkin)
    assert len(slack.calls("users.info")) == 2 * calls


def test_a_failed_channel_read_keeps_the_last_good_roster_and_is_read_again_soon(ctx, slack, clock):  # noqa: ANN001
    ctx.bot_user_id = "U0BOT"
    checkin = {"id": 1, "participants": json.dumps(["#team"])}
    good = members.roster(ctx, checkin)
    assert good == ["U001", "U002", "U003", "U004"]
    clock.advance(days=1, minutes=1)  # the day's re-read fails
    ctx.client.retry_handlers[0].max_retry_count = 1
    slack.fail("conversations.members", "ratelimited", times=2, retry_after=0)
    assert members.roster(ctx, checkin) == good, "not a partial roster cached for a day"
    clock.advance(minutes=members.ROSTER_RETRY.total_seconds() / 60 + 1)
    slack.workspace.members["C0002"].append("U005")
    assert members.roster(ctx, checkin) == good + ["U005"], "read again within minutes"


def test_a_failed_first_read_is_tried_again_within_minutes(ctx, slack, clock):  # noqa: ANN001
    ctx.bot_user_id = "U0BOT"
    checkin = {"id": 1, "participants": json.dumps(["#team", "U005"])}
    slack.fail("conversations.members", "ratelimited", times=100, retry_after=0)
    ctx.client.retry_handlers[0].max_retry_count = 1
    assert members.roster(ctx, checkin) == ["U005"]
    slack.api.faults.clear()
    clock.advance(minutes=6)
    assert members.roster(ctx, checkin) == ["U001", "U002", "U003", "U004", "U005"]


def test_an_old_message_gone_from_chat_update_does_not_deactivate_the_member(ctx, slack):  # noqa: ANN001
    from bot.slack import call

    people_members.ensure_member(ctx.conn, "U001")
    slack.fail("chat.update", "channel_not_found")
    try:
        call(ctx, "chat.update", member="U001", channel="D001", ts="1.0", text="x")
    except Exception:  # noqa: BLE001, S110 - the error is what Slack said; the member is the point
        pass
    assert people_members.get_member(ctx.conn, "U001")["active"] == 1
    slack.fail("chat.postMessage", "channel_not_found")
    try:
        call(ctx, "chat.postMessage", member="U001", channel="D001", text="x")
    except Exception:  # noqa: BLE001, S110
        pass
    assert people_members.get_member(ctx.conn, "U001")["active"] == 0, "a post still does"
