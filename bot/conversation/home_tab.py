"""The conversation's part of the App Home tab: next check-ins, pause, streak, last answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot import members
from bot.context import BotContext
from bot.conversation import blocks
from checkin.answers import record
from checkin.checkins.timing import MemberClock, Schedule, next_run
from checkin.clock import zone


def home_blocks(ctx: BotContext, member_id: str) -> list[dict[str, Any]]:
    """Each check-in's next run in the member's own time, their pause, streak and last answers."""
    row = members.member(ctx, member_id)
    now = ctx.clock()
    upcoming: list[tuple[str, datetime | None]] = []
    paused_until = None
    if row is not None:
        clock = MemberClock.of(row)
        tz = zone(row["tz"])
        for checkin in members.checkins_of(ctx, member_id):
            run = next_run(Schedule.of(checkin), clock, now)
            upcoming.append((checkin["name"], run.due_at.astimezone(tz) if run else None))
        if row["paused_until"] and row["paused_until"] >= now.astimezone(tz).date().isoformat():
            paused_until = date.fromisoformat(row["paused_until"])
    return blocks.home_blocks(
        member=row,
        upcoming=upcoming,
        paused_until=paused_until,
        answers=record.recent_answers(ctx.conn, member_id, 5),
        streak=record.streak(ctx.conn, member_id),
    )
