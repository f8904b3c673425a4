"""The conversation's part of every scheduler tick: what is due is queued per member.

Runs are created and sent, interrupted sends recovered, snoozes woken, owed
posts healed, reminders sent and runs past their window closed. The scheduler
thread never calls Slack: each of these is queued in the member's own queue.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.context import BotContext
from bot.conversation import broadcasting, continuing, sending
from checkin.answers import delivery, runs
from checkin.checkins import model
from checkin.checkins.timing import reminder_due
from checkin.clock import parse_iso
from checkin.ops import events, inbox


def tick(ctx: BotContext) -> None:
    """Create and send due runs, recover interrupted sends, wake snoozes, remind, close, and
    in standup mode look at channels and post what the channel still lacks."""
    now = ctx.clock()
    for checkin in model.active_checkins(ctx.conn):
        # Rosters and profiles come from Slack: read in the worker, never on this thread.
        ctx.defer_once(
            f"runs:{checkin['id']}",
            f"checkin:{checkin['id']}",
            create_and_queue,
            ctx,
            checkin["id"],
            again=True,  # it reads the clock: a tick during a pass gets a pass of its own
        )
    _guarded(ctx, recover_sending, now)
    _guarded(ctx, queue_sends, now)
    _guarded(ctx, wake_snoozed, now)
    _guarded(ctx, heal_owed_posts, now)
    _guarded(ctx, remind, now)
    _guarded(ctx, close_expired, now)
    _guarded(ctx, broadcasting.tick, now)
    _guarded(ctx, forget_old_events, now)


def create_and_queue(ctx: BotContext, checkin_id: int) -> None:
    """In the worker: the check-in's due runs made, and their sends queued per member."""
    checkin = model.get_checkin_by_id(ctx.conn, checkin_id)
    if checkin is None or not checkin["active"]:
        return
    now = ctx.clock()
    try:
        sending.create_runs(ctx, checkin, now)
    except Exception:
        ctx.logger.exception("check-in %s: could not create its runs", checkin["name"])
    queue_sends(ctx, now)


def queue_sends(ctx: BotContext, now: datetime) -> None:
    """Each due run's send in its member's queue (once), in order with their own work."""
    for run in delivery.runs_to_send(ctx.conn, now):
        if ctx.cache.get("stopping"):
            return
        ctx.defer_once(f"send:{run['id']}", run["member_id"], sending.send_run, ctx, run["id"])


def _guarded(ctx: BotContext, step: Any, now: datetime) -> None:
    try:
        step(ctx, now)
    except Exception:
        ctx.logger.exception("%s failed", step.__name__)


def recover_sending(ctx: BotContext, now: datetime) -> None:
    """Runs left 'sending' and not being sent by this bot: each checked in the member's queue."""
    in_flight = sending.sending_now(ctx)
    later: dict[int, datetime] = ctx.cache.setdefault("recheck_at", {})
    for run in delivery.runs_left_sending(ctx.conn):
        if run["id"] in in_flight:
            continue  # still being sent (a 429 wait, a slow Slack): never reset
        if run["id"] in later and now < later[run["id"]] and now < parse_iso(run["closes_at"]):
            continue
        ctx.defer_once(
            f"recover:{run['id']}", run["member_id"], sending.recover_run, ctx, run["id"]
        )


def wake_snoozed(ctx: BotContext, now: datetime) -> None:
    """Snoozes that ran out: the run owes its question now (posted by `continuing.deliver_owed`)."""
    for run in delivery.runs_to_wake(ctx.conn, now):
        if delivery.wake_run(ctx.conn, run["id"], now):
            ctx.defer_once(
                f"post:{run['id']}", run["member_id"], continuing.deliver_owed, ctx, run["id"]
            )


def remind(ctx: BotContext, now: datetime) -> None:
    for run in delivery.runs_to_remind(ctx.conn, now):
        if run["paused_until"] and run["local_date"] <= run["paused_until"]:
            continue
        if not reminder_due(
            parse_iso(run["sent_at"]), parse_iso(run["closes_at"]), run["reminder_minutes"], now
        ):
            continue
        if delivery.claim_reminder(ctx.conn, run["id"], clock=ctx.clock):
            ctx.defer(run["member_id"], continuing.post_reminder, ctx, run["id"])


def heal_owed_posts(ctx: BotContext, now: datetime) -> None:
    """Runs whose member waits for a message (a failed post, a crash after an answer): queued."""
    for run in delivery.runs_owing_post(ctx.conn, now, now - continuing.LATE_TYPING_GRACE):
        ctx.defer_once(
            f"post:{run['id']}", run["member_id"], continuing.deliver_owed, ctx, run["id"]
        )


def close_expired(ctx: BotContext, now: datetime) -> None:
    for run in delivery.runs_past_window(ctx.conn, now):
        if run["status"] == "open":
            runs.set_run_status(ctx.conn, run["id"], "closed", only_if=("open",), clock=ctx.clock)
        else:
            runs.set_run_status(
                ctx.conn,
                run["id"],
                "failed",
                only_if=("due",),
                error="its window closed before it could be sent",
            )


def forget_old_events(ctx: BotContext, now: datetime) -> None:
    """Hourly: seen event ids and done inbox rows older than a week go, and `events`
    older than CHECKIN_EVENTS_DAYS (90 by default)."""
    last = ctx.cache.get("forgot_events_at")
    if last is not None and abs(now - last) < timedelta(hours=1):
        return
    ctx.cache["forgot_events_at"] = now
    events.forget_seen_events(ctx.conn, timedelta(days=7), clock=ctx.clock)
    inbox.forget_inbox(ctx.conn, timedelta(days=7), clock=ctx.clock)
    events.forget_events(ctx.conn, timedelta(days=ctx.config.events_days), clock=ctx.clock)
