"""Participants resolved through every page of the channel lists; bots and the deactivated kept out."""

from __future__ import annotations

import json

import pytest

from bot import members

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
    frank = members.store.get_member(ctx.conn, "U006")
    assert frank["active"] == 0 and frank["inactive_reason"] == "deactivated"
    assert members.store.get_member(ctx.conn, "U003")["tz"] == "Asia/Kolkata"
    calls = len(slack.calls("users.info"))
    members.roster(ctx, checkin)
    assert len(slack.calls("users.info")) == calls
    clock.advance(days=1, minutes=1)
    members.roster(ctx, checkin)
    assert len(slack.calls("users.info")) == 2 * calls
