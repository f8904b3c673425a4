"""Not now: skip today, snooze an hour, pause until a date (out of office), resume.

From a question's buttons, the App Home tab, or `/checkin pause`, `resume`,
`skip`. A paused member's runs are skipped, not missed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from slack_bolt import App

from bot import commands, home, listen, members, modals
from bot.context import BotContext
from bot.conversation import blocks, clicks, sending
from bot.dm import tell
from bot.listen import acked
from bot.payload import message_of, user_of
from checkin.answers import delivery, runs
from checkin.checkins.timing import local_today
from checkin.clock import parse_iso, zone
from checkin.ops import events
from checkin.people.members import ensure_member, get_member, pause_member

SNOOZE = timedelta(hours=1)


def register(app: App, ctx: BotContext) -> None:
    app.action(blocks.SKIP_RUN)(acked(ctx, on_skip_run))
    app.action(blocks.SNOOZE_RUN)(acked(ctx, on_snooze))
    app.action(blocks.PAUSE_OPEN)(modals.opens_modal(ctx, pause_view))
    app.action(blocks.RESUME)(acked(ctx, on_resume))
    app.view(blocks.PAUSE_VIEW)(pause_listener(ctx))
    listen.handles(ctx, "on_pause_submission", on_pause_submission)
    commands.add_subcommand(
        "pause",
        pause_command,
        "`pause until 2026-12-24`: no questions until then (out of office)",
        modal=pause_modal_for,
    )
    commands.add_subcommand("resume", resume_command, "come back from a pause")
    commands.add_subcommand("skip", skip_command, "skip today's check-in")


def on_skip_run(ctx: BotContext, body: dict) -> None:
    run = clicks.run_from_value(ctx, body)
    if run is None:
        return
    if runs.set_run_status(ctx.conn, run["id"], "skipped", only_if=("open",), clock=ctx.clock):
        events.record_event(
            ctx.conn,
            "run_skipped",
            member_id=run["member_id"],
            checkin_id=run["checkin_id"],
            detail={"run": run["id"]},
            clock=ctx.clock,
        )
        _close_message(
            ctx, run, message_of(body), "You skipped today's check-in. See you next time."
        )


def skip_today(ctx: BotContext, member_id: str) -> int:
    """`/checkin skip`: every unanswered run of the member's today is skipped."""
    row = get_member(ctx.conn, member_id)
    today = local_today(row["tz"] if row else None, ctx.clock())
    skipped = runs.skip_runs_through(ctx.conn, member_id, today, clock=ctx.clock)
    for run in skipped:
        _close_message(
            ctx, run, (run["channel_id"], run["message_ts"]), "You skipped today's check-in."
        )
    return len(skipped)


def on_snooze(ctx: BotContext, body: dict) -> None:
    run = clicks.run_from_value(ctx, body)
    if run is None:
        return
    until = ctx.clock() + SNOOZE
    member = get_member(ctx.conn, run["member_id"])
    tz = zone(member["tz"] if member else None)
    closes = parse_iso(run["closes_at"])
    if until >= closes:
        # The question would come back after the window: say so, keep the buttons.
        tell(
            ctx,
            run["member_id"],
            f"Today's check-in closes at {closes.astimezone(tz):%H:%M}, before a snooze would "
            "end, so it is not snoozed: answer now with the buttons above, or skip it; "
            "otherwise it closes unanswered.",
        )
        return
    if not delivery.snooze_run(ctx.conn, run["id"], until):
        return
    local = until.astimezone(tz)
    _close_message(ctx, run, message_of(body), f"Snoozed: I will ask again at {local:%H:%M}.")


def _close_message(ctx: BotContext, run: sqlite3.Row, where: tuple, note: str) -> None:
    channel, ts = where
    question = runs.next_question(ctx.conn, run)
    if not (channel and ts) or question is None:
        return
    number, total = sending.position(run, question["id"])
    content = blocks.closed_message(
        question, number, total, note, intro=sending.intro_for(ctx, run, question["id"])
    )
    sending.update_message(ctx, run, channel, ts, content)


def pause_view(ctx: BotContext, body: dict) -> dict[str, Any]:
    """The out-of-office modal (from a question's button, the home tab or `/checkin pause`)."""
    row = get_member(ctx.conn, user_of(body))
    tomorrow = local_today(row["tz"] if row else None, ctx.clock()) + timedelta(days=1)
    channel, ts = message_of(body)
    return blocks.pause_modal(tomorrow, {"channel": channel, "ts": ts})


def pause_date(ctx: BotContext, body: dict) -> tuple[date | None, str | None]:
    """The date picked in the pause modal, or the error to show next to it."""
    values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    picked = ((values.get("until") or {}).get("date") or {}).get("selected_date")
    if not picked:
        return None, "Pick the last day you are away."
    try:
        until = date.fromisoformat(str(picked))
    except ValueError:
        return None, "That is not a date."
    row = get_member(ctx.conn, user_of(body))
    if until < local_today(row["tz"] if row else None, ctx.clock()):
        return None, "That day has passed; pick today or a later day."
    return until, None


def pause_listener(ctx: BotContext) -> Any:
    def listener(ack: Any, body: dict) -> None:
        try:
            until, problem = pause_date(ctx, body)
            if problem:
                ack(response_action="errors", errors={"until": problem})
                return
            listen.take(ctx, ack, "on_pause_submission", on_pause_submission, body)
        except Exception:
            ctx.logger.exception("pause submission failed")

    return listener


def on_pause_submission(ctx: BotContext, body: dict) -> None:
    until, problem = pause_date(ctx, body)
    if until is None:
        return
    pause(ctx, user_of(body), until)


def pause(ctx: BotContext, member_id: str, until: date) -> str:
    """Out of office up to and including `until`: today's open run is skipped, not missed."""
    ensure_member(ctx.conn, member_id, clock=ctx.clock)
    pause_member(ctx.conn, member_id, until)
    events.record_event(
        ctx.conn,
        "paused",
        member_id=member_id,
        detail={"until": until.isoformat()},
        clock=ctx.clock,
    )
    for run in runs.skip_runs_through(ctx.conn, member_id, until, clock=ctx.clock):
        _close_message(
            ctx, run, (run["channel_id"], run["message_ts"]), f"Paused until {until.isoformat()}."
        )
    text = (
        f"You are paused until {blocks.long_date(until)} (included): no check-in questions "
        f"until then. `{ctx.config.command} resume` brings you back earlier."
    )
    tell(ctx, member_id, text)
    home.publish(ctx, member_id)
    return text


def resume(ctx: BotContext, member_id: str) -> str:
    ensure_member(ctx.conn, member_id, clock=ctx.clock)
    pause_member(ctx.conn, member_id, None)
    events.record_event(ctx.conn, "resumed", member_id=member_id, clock=ctx.clock)
    home.publish(ctx, member_id)
    return "Welcome back: your check-ins start again at the next scheduled time."


def on_resume(ctx: BotContext, body: dict) -> None:
    member_id = user_of(body)
    tell(ctx, member_id, resume(ctx, member_id))


# --- /checkin pause, resume, skip -------------------------------------------------------


def pause_modal_for(args: str) -> modals.Builder | None:
    """`/checkin pause` (or `pause until`) without a date: the date picker, opened at once."""
    return pause_view if args.strip().lower() in ("", "until") else None


def pause_command(ctx: BotContext, body: dict, args: str, respond: Callable[..., Any]) -> None:
    words = args.split()
    if words and words[0].lower() == "until":
        words = words[1:]
    if not words:  # a replayed `/checkin pause`: its modal's trigger is dead by now
        modals.open_view(ctx, pause_view, {"user": {"id": body.get("user_id")}, **body})
        return
    try:
        until = date.fromisoformat(words[0])
    except ValueError:
        respond(
            text=f"Say the last day away as a date: `{ctx.config.command} pause until 2026-12-24`."
        )
        return
    user_id = str(body.get("user_id"))
    row = members.member(ctx, user_id)
    if until < local_today(row["tz"] if row else None, ctx.clock()):
        respond(text=f"{until.isoformat()} has passed; pick today or a later day.")
        return
    respond(text=pause(ctx, user_id, until))


def resume_command(ctx: BotContext, body: dict, args: str, respond: Callable[..., Any]) -> None:
    respond(text=resume(ctx, str(body.get("user_id"))))


def skip_command(ctx: BotContext, body: dict, args: str, respond: Callable[..., Any]) -> None:
    count = skip_today(ctx, str(body.get("user_id")))
    respond(text="Skipped today's check-in." if count else "You have no open check-in today.")
