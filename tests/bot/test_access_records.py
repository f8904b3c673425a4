"""What the bot records for sign-in: its workspace, members' emails, report channel members."""

from __future__ import annotations

import json

import pytest

from bot import members
from checkin.db import connection
from checkin.people import access, channels
from checkin.people import members as people_members

pytestmark = pytest.mark.timeout(30)


def test_the_bot_records_its_workspace_at_start(bot, story_db):  # noqa: ANN001
    conn = connection.connect(story_db)
    assert access.workspace_team(conn) == "T0001"
    conn.close()


def test_a_profile_read_records_the_members_email(ctx):  # noqa: ANN001
    ctx.bot_user_id = "U0BOT"
    members.refresh_member(ctx, "U002")
    row = people_members.get_member(ctx.conn, "U002")
    assert row["email"] == "bob@checkin-test.example"


def add_retro(ctx, slack=None, channel: str = "#leads") -> None:  # noqa: ANN001
    """A check-in whose leads are the members of its report channel; #leads is private."""
    if slack is not None:
        slack.workspace.add_channel(
            "C0LEADS", "leads", ["U001", "U002", "U003", "U004", "U0BOT"], is_private=True
        )
    ctx.conn.execute(
        "INSERT INTO checkins (id, name, days, time, participants, report_channel, "
        "leads_from_report_channel, created_at, updated_at) "
        "VALUES (1, 'retro', '[]', '09:00', ?, ?, 1, 'x', 'x')",
        (json.dumps(["U001"]), channel),
    )


def test_the_report_channel_is_read_for_a_checkin_whose_leads_come_from_it(ctx, slack):  # noqa: ANN001
    ctx.bot_user_id = "U0BOT"
    add_retro(ctx, slack)
    checkin = ctx.conn.execute("SELECT * FROM checkins WHERE id = 1").fetchone()
    members.roster(ctx, checkin)
    readers = {r[0] for r in ctx.conn.execute("SELECT member_id FROM report_channel_members")}
    assert readers == {"U001", "U002", "U003", "U004"}  # #leads without the bot
    assert all(access.lead_checkins(ctx.conn, m) == {1} for m in readers)


def test_a_public_report_channel_makes_nobody_a_lead_and_the_bot_says_why(ctx, caplog):  # noqa: ANN001
    ctx.bot_user_id = "U0BOT"
    add_retro(ctx, channel="#team")  # public in the workspace
    checkin = ctx.conn.execute("SELECT * FROM checkins WHERE id = 1").fetchone()
    with caplog.at_level("WARNING"):
        members.roster(ctx, checkin)
    assert channels.is_private(ctx.conn, "#team") is False
    assert all(access.lead_checkins(ctx.conn, m) == frozenset() for m in ("U001", "U004"))
    assert "#team is a public channel: anyone could join it and become a lead" in caplog.text
    assert channels.public_lead_channels(ctx.conn) == [("retro", "#team")]


def test_a_report_channel_turned_public_stops_granting_the_role(ctx, slack, clock):  # noqa: ANN001
    ctx.bot_user_id = "U0BOT"
    add_retro(ctx, slack)
    checkin = ctx.conn.execute("SELECT * FROM checkins WHERE id = 1").fetchone()
    members.roster(ctx, checkin)
    assert access.lead_checkins(ctx.conn, "U004") == {1}
    with slack.workspace.lock:
        slack.workspace.channels["C0LEADS"]["is_private"] = False
    clock.advance(days=1, minutes=1)  # the roster and the channel are read again daily
    members.roster(ctx, checkin)
    assert access.lead_checkins(ctx.conn, "U004") == frozenset()


def test_a_slack_error_reading_the_channel_keeps_the_last_reading(ctx, slack, clock):  # noqa: ANN001
    ctx.bot_user_id = "U0BOT"
    add_retro(ctx, slack)
    checkin = ctx.conn.execute("SELECT * FROM checkins WHERE id = 1").fetchone()
    members.roster(ctx, checkin)
    clock.advance(days=1, minutes=1)
    slack.fail("conversations.members", "channel_not_found", times=5)
    members.roster(ctx, checkin)
    assert access.lead_checkins(ctx.conn, "U004") == {1}
