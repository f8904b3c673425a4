"""What the bot records for sign-in: its workspace, members' emails, report channel members."""

from __future__ import annotations

import json

import pytest

from bot import members
from checkin.db import connection
from checkin.people import access
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


def add_retro(ctx) -> None:  # noqa: ANN001
    ctx.conn.execute(
        "INSERT INTO checkins (id, name, days, time, participants, report_channel, "
        "leads_from_report_channel, created_at, updated_at) "
        "VALUES (1, 'retro', '[]', '09:00', ?, '#team', 1, 'x', 'x')",
        (json.dumps(["U001"]),),
    )


def test_the_report_channel_is_read_for_a_checkin_whose_leads_come_from_it(ctx):  # noqa: ANN001
    ctx.bot_user_id = "U0BOT"
    add_retro(ctx)
    checkin = ctx.conn.execute("SELECT * FROM checkins WHERE id = 1").fetchone()
    members.roster(ctx, checkin)
    readers = {r[0] for r in ctx.conn.execute("SELECT member_id FROM report_channel_members")}
    assert readers == {"U001", "U002", "U003", "U004"}  # #team without the bot
    assert all(access.lead_checkins(ctx.conn, m) == {1} for m in readers)


def test_a_slack_error_reading_the_channel_keeps_the_last_reading(ctx, slack, clock):  # noqa: ANN001
    ctx.bot_user_id = "U0BOT"
    add_retro(ctx)
    checkin = ctx.conn.execute("SELECT * FROM checkins WHERE id = 1").fetchone()
    members.roster(ctx, checkin)
    clock.advance(days=1, minutes=1)
    slack.fail("conversations.members", "channel_not_found", times=5)
    members.roster(ctx, checkin)
    assert access.lead_checkins(ctx.conn, "U004") == {1}
