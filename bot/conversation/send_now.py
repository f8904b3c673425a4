"""Sending a check-in now: `/checkin send NAME [@member …]` (admins), the web app, the CLI.

Each asks through the outbox (`send_checkin`); the bot makes and sends each
member's run for today in that member's own queue.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import App

from bot import commands, members
from bot.context import BotContext
from bot.conversation import sending
from checkin.checkins import model
from checkin.checkins.timing import MemberClock, Schedule, adhoc_run, is_askable
from checkin.ops import events, outbox


def register(app: App, ctx: BotContext) -> None:
    commands.add_subcommand(
        "send", send_command, "`send NAME`: start a check-in now", admin_only=True
    )


def send_command(ctx: BotContext, body: dict, args: str, respond: Callable[..., Any]) -> None:
    """`/checkin send NAME [@member …]`: queued in the outbox, as the web app and the CLI do."""
    name, _, who = args.partition(" ")
    if not name:
        respond(text=f"Which check-in? `{ctx.config.command} send NAME`")
        return
    checkin = model.get_checkin(ctx.conn, name)
    wanted = [w.strip("<@>").split("|")[0] for w in who.split()]
    outbox_id = outbox.enqueue(
        ctx.conn,
        "send_checkin",
        {"checkin": checkin["name"], "members": wanted},
        requested_by=str(body.get("user_id")),
        clock=ctx.clock,
    )
    respond(text=f"Sending *{checkin['name']}* now (request #{outbox_id}).")


def send_checkin_now(ctx: BotContext, payload: dict) -> None:
    """Outbox `send_checkin`: start today's run now for the listed members (default: everyone).

    Each member's run is made and sent in that member's own queue, in order
    with their clicks and messages; how it went is counted once all are done
    (`checkin_sent_now`, outcomes by kind).
    """
    checkin = model.get_checkin(ctx.conn, str(payload.get("checkin", "")))
    now = ctx.clock()
    wanted = [str(m) for m in payload.get("members") or []] or members.roster(ctx, checkin)
    tally = _Tally(ctx, checkin["id"], len(wanted))
    for user_id in wanted:
        ctx.defer(user_id, _send_now_to, ctx, checkin["id"], user_id, now, tally)


class _Tally:
    """Outcomes of a send-now across members' queues; recorded when the last one is in."""

    def __init__(self, ctx: BotContext, checkin_id: int, expected: int) -> None:
        self.ctx, self.checkin_id, self.left = ctx, checkin_id, expected
        self.outcomes: dict[str, int] = {}
        self.lock = threading.Lock()
        if expected == 0:
            self._record()

    def add(self, outcome: str) -> None:
        with self.lock:
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
            self.left -= 1
            last = self.left == 0
        if last:
            self._record()

    def _record(self) -> None:
        events.record_event(
            self.ctx.conn,
            "checkin_sent_now",
            checkin_id=self.checkin_id,
            detail=self.outcomes,
            clock=self.ctx.clock,
        )
        if self.outcomes.get("failed") and not self.outcomes.get("sent"):
            self.ctx.logger.warning("send now: nothing could be sent: %s", self.outcomes)


def _send_now_to(
    ctx: BotContext, checkin_id: int, user_id: str, now: datetime, tally: _Tally
) -> None:
    outcome = "failed"
    try:
        checkin = model.get_checkin_by_id(ctx.conn, checkin_id)
        row = members.refresh_member(ctx, user_id)
        if row is None or not is_askable(MemberClock.of(row)):
            outcome = "not_askable"
        else:
            run_id = sending.create_run(
                ctx, checkin, adhoc_run(Schedule.of(checkin), MemberClock.of(row), now)
            )
            outcome = "already_today" if run_id is None else sending.send_run(ctx, run_id)
    finally:
        tally.add(outcome)


OUTBOX = {"send_checkin": send_checkin_now}
