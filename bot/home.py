"""The App Home tab: next check-in in the member's own time, pause state, last answers, streak."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot import blocks, members
from bot import pool as pool_feature
from bot.context import BotContext
from bot.listen import acked
from bot.payload import user_of
from bot.slack import SlackUnavailable, call, error_code
from checkin.answers import record
from checkin.checkins.timing import MemberClock, Schedule, next_run
from checkin.clock import zone


def register(app: App, ctx: BotContext) -> None:
    app.event("app_home_opened")(acked(ctx, on_home_opened))


def on_home_opened(ctx: BotContext, body: dict) -> None:
    event = body.get("event") or {}
    if event.get("tab", "home") != "home":
        return
    publish(ctx, user_of(body))


def home_view(ctx: BotContext, member_id: str) -> dict[str, Any]:
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
    view = blocks.home_view(
        member=row,
        upcoming=upcoming,
        paused_until=paused_until,
        answers=record.recent_answers(ctx.conn, member_id, 5),
        streak=record.streak(ctx.conn, member_id),
    )
    view["blocks"] = (view["blocks"] + pool_feature.home_blocks())[: blocks.MODAL_BLOCKS_MAX]
    return view


def publish(ctx: BotContext, member_id: str) -> None:
    if not member_id or member_id == "-":
        return
    try:
        call(ctx, "views.publish", user_id=member_id, view=home_view(ctx, member_id))
    except (SlackApiError, SlackUnavailable) as exc:
        ctx.logger.warning("home tab for %s: %s", member_id, error_code(exc))
