"""Continuing a run: what it owes its member after each answer, reminders.

Once the shown question is answered the run owes its member the next question
(or the recap); a post that fails is tried again by the tick (through the
member's queue), after a look in the DM when the failed try may have reached
Slack; a crash between the answer and the post is healed the same way at the
next start.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot.context import BotContext
from bot.conversation import blocks, sending
from bot.slack import SlackUnavailable, call, error_code, is_transient, may_have_posted
from checkin.answers import delivery, record, runs
from checkin.checkins import model
from checkin.ops import events

POST_BACKOFF_S = (5, 10, 15, 30)  # between tries of an owed post: the member waits under a minute
LATE_TYPING_GRACE = timedelta(hours=1)  # a typed late answer: the run's own day, or this after


def deliver_owed(ctx: BotContext, run_id: int) -> str:
    """Post what the run owes its member: the next question, or the recap once all are answered.

    A try that may have reached Slack is looked up in the DM first, so nothing
    is asked twice. A failure is tried again after POST_BACKOFF_S (or, when
    Slack refuses for good, given up and counted). Returns what happened.
    """
    conn = ctx.conn
    run = delivery.run_owing_post(conn, run_id, ctx.clock() - LATE_TYPING_GRACE)
    if run is None:
        return "nothing"
    question = runs.next_question(conn, run)
    try:
        if run["post_unsure"] and run["channel_id"]:
            found = sending.find_in_dm(
                ctx,
                run["channel_id"],
                run_id,
                question["id"] if question else None,
                recap=question is None,
            )
            if found is not None:
                if question is None:
                    delivery.set_run_recap(conn, run_id, found["ts"])
                else:
                    delivery.set_run_message(
                        conn, run_id, run["channel_id"], found["ts"], question_id=question["id"]
                    )
                return "found"
        delivery.post_trying(conn, run_id)
        if question is None:
            post_recap(ctx, run)
        else:
            intro = "Back from your snooze:" if run["post_owed"] == "wake" else None
            sending.post_question(ctx, run, question, intro=intro)
        return "posted"
    except (SlackApiError, SlackUnavailable) as exc:
        code = error_code(exc)
        ctx.logger.warning("run %s: could not post its next message: %s", run_id, code)
        attempts = run["post_attempts"]
        retry_at = None
        if is_transient(exc):
            retry_at = ctx.clock() + timedelta(
                seconds=POST_BACKOFF_S[min(attempts, len(POST_BACKOFF_S) - 1)]
            )
        delivery.post_not_made(
            conn, run_id, retry_at=retry_at, unsure=may_have_posted(exc), error=code
        )
        if retry_at is None:
            events.record_event(
                conn,
                "post_failed",
                error=code,
                member_id=run["member_id"],
                checkin_id=run["checkin_id"],
                detail={"run": run_id},
                clock=ctx.clock,
            )
        return "retry" if retry_at else "failed"


def post_recap(ctx: BotContext, run: sqlite3.Row) -> None:
    checkin = model.get_checkin_by_id(ctx.conn, run["checkin_id"])
    answers = record.answers_of_run(ctx.conn, run["id"])
    late = any(a["late"] for a in answers)
    text, content = blocks.recap_message(run["id"], checkin["name"], answers, late=late)
    response = call(
        ctx,
        "chat.postMessage",
        member=run["member_id"],
        checkin_id=run["checkin_id"],
        channel=run["channel_id"] or run["member_id"],
        text=text,
        blocks=content,
        metadata={"event_type": "checkin_recap", "event_payload": {"run_id": run["id"]}},
    )
    delivery.set_run_recap(ctx.conn, run["id"], response["ts"])


def post_reminder(ctx: BotContext, run_id: int) -> None:
    """The reminder, in the member's queue: their question again, with its buttons."""
    run = runs.get_run(ctx.conn, run_id)
    if run is None or run["status"] != "open" or run["snoozed_until"]:
        return
    question = runs.next_question(ctx.conn, run)
    if question is None:
        return
    try:
        sending.post_question(
            ctx, run, question, intro="A gentle reminder: your check-in is still open."
        )
    except (SlackApiError, SlackUnavailable) as exc:
        # Surely not posted (a 429 beyond the budget, a refused connection): tried again.
        # Maybe posted: not again; the member still has the question they were sent.
        if is_transient(exc) and not may_have_posted(exc):
            delivery.unclaim_reminder(ctx.conn, run_id, ctx.clock() + timedelta(seconds=30))
        return
    events.record_event(
        ctx.conn,
        "reminder_sent",
        member_id=run["member_id"],
        checkin_id=run["checkin_id"],
        detail={"run": run_id},
        clock=ctx.clock,
    )
