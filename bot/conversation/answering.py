"""Answering: a click on a choice or scale button, a skipped question, a typed answer.

Buttons carry run id, question id and the option's id; typed answers go to
the member's newest open run. `record.record_answer` stores the first answer
only, so a double click or a redelivered event changes nothing.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

from slack_bolt import App

from bot import killpoint, listen
from bot.context import BotContext
from bot.conversation import blocks, broadcasting, clicks, continuing, sending
from bot.dm import tell
from bot.listen import acked
from bot.payload import action_of, message_of
from checkin import errors, slacktext
from checkin.answers import delivery, numbers, record, runs
from checkin.checkins import model
from checkin.checkins.timing import local_today
from checkin.clock import parse_iso
from checkin.ops import events
from checkin.people.members import get_member


def register(app: App, ctx: BotContext) -> None:
    app.action(re.compile(rf"^{blocks.ANSWER}_\d+$"))(acked(ctx, on_answer_click))
    app.action(blocks.SKIP_QUESTION)(acked(ctx, on_skip_question))
    app.event("message")(acked(ctx, on_message))


def on_answer_click(ctx: BotContext, body: dict) -> None:
    parsed = blocks.parse_answer_key(action_of(body).get("value"))
    if parsed is None:
        return
    run_id, question_id, option = parsed
    run = clicks.own_run(ctx, body, run_id)
    question = model.get_question(ctx.conn, question_id)
    if run is None or question is None:
        return
    labels = blocks.choices(question)
    index = blocks.option_index(labels, option)
    if index is None:
        tell(
            ctx,
            run["member_id"],
            f"That option is no longer offered; pick one of: {', '.join(labels)}.",
        )
        return
    number = float(index + 1) if question["kind"] == "scale" else None
    answer(ctx, run, question, message_of(body), text=labels[index], number=number)


def on_skip_question(ctx: BotContext, body: dict) -> None:
    parsed = blocks.parse_key(action_of(body).get("value"))
    if parsed is None:
        return
    run = clicks.own_run(ctx, body, parsed[0])
    question = model.get_question(ctx.conn, parsed[1])
    if run is None or question is None:
        return
    answer(ctx, run, question, message_of(body), skipped=True)


def answer(
    ctx: BotContext,
    run: sqlite3.Row,
    question: sqlite3.Row,
    where: tuple[str | None, str | None],
    *,
    text: str | None = None,
    number: float | None = None,
    skipped: bool = False,
    request: str | None = None,
) -> bool:
    """Store an answer, show it in place of the question, and ask the next one (or recap).

    `request`: the typed message's key (`record.message_key`), so that message done
    again (a replay after a crash, a retry after a fault) never answers a later question."""
    if run["status"] == "sending" and where[0] and where[1]:
        # A click on the run's message: its post reached Slack, whatever the bot was told.
        runs.set_run_status(
            ctx.conn,
            run["id"],
            "open",
            only_if=("sending",),
            channel_id=where[0],
            message_ts=where[1],
            asked_question_id=question["id"],
            error=None,
        )
        run = runs.get_run(ctx.conn, run["id"])
    if run["status"] in ("skipped", "dev_skipped", "failed", "due", "sending"):
        if run["status"] == "skipped":
            tell(ctx, run["member_id"], "That check-in was skipped; nothing was saved.")
        return False
    try:
        stored = record.record_answer(
            ctx.conn,
            run["id"],
            question["id"],
            text=text,
            number=number,
            skipped=skipped,
            request=request,
            clock=ctx.clock,
        )
    except errors.NotFound:
        return False
    if not stored.created:
        return False
    killpoint.reached("answer_stored")  # tests only
    if run["snoozed_until"]:
        delivery.wake_run(ctx.conn, run["id"])
    events.record_event(
        ctx.conn,
        "answer_stored",
        member_id=run["member_id"],
        checkin_id=run["checkin_id"],
        detail={"run": run["id"], "question": question["id"], "skipped": skipped},
        clock=ctx.clock,
    )
    shown = "(skipped)" if skipped else (text if text is not None else numbers.shown(number))
    channel, ts = where
    if channel and ts:
        number_, total = sending.position(run, question["id"])
        content = blocks.answered_message(
            question, number_, total, shown, intro=sending.intro_for(ctx, run, question["id"])
        )
        sending.update_message(ctx, run, channel, ts, content)
    continuing.deliver_owed(ctx, run["id"])  # the next question or the recap; retried if it fails
    if stored.run_complete:
        broadcasting.queue(ctx, run["id"], run["checkin_id"])  # standup mode: to the channel
    return True


def on_message(ctx: BotContext, body: dict) -> None:
    event = body.get("event") or {}
    if event.get("type") != "message" or event.get("channel_type") != "im":
        return
    if event.get("subtype") or event.get("bot_id") or not event.get("user"):
        return
    if event["user"] == ctx.bot_user_id:
        return
    event_id = body.get("event_id")
    seen = event_id and not events.first_sighting(ctx.conn, str(event_id), clock=ctx.clock)
    if seen and not body.get(listen.REPLAYED):  # the inbox keeps one row per event id
        return
    request = record.message_key(event.get("channel"), event.get("ts"))
    earlier = record.answer_for_request(ctx.conn, request) if request else None
    if earlier is not None:  # done again after a crash or a fault: its answer is stored
        continuing.deliver_owed(ctx, earlier["run_id"])  # and what the run owes since, if any
        return
    text = slacktext.decode(str(event.get("text") or ""), _name_of(ctx))
    typed(ctx, str(event["user"]), text, request=request)


def _name_of(ctx: BotContext) -> slacktext.NameOf:
    """A mentioned member's name as the bot knows it (None: not looked up yet)."""

    def name_of(user_id: str) -> str | None:
        row = get_member(ctx.conn, user_id)
        return (row["name"] or row["real_name"] or None) if row else None

    return name_of


def typed(ctx: BotContext, member_id: str, text: str, *, request: str | None = None) -> None:
    """A message the member typed in the DM: the answer to their open text or number question
    (`request`: the message's key, see `answer`)."""
    if not text.strip():
        return
    now = ctx.clock()
    for left in delivery.runs_left_sending(ctx.conn):
        if left["member_id"] == member_id:
            sending.recover_run(ctx, left["id"])  # the member may be answering its question
    owed = delivery.runs_owing_post(
        ctx.conn, now, now - continuing.LATE_TYPING_GRACE, member_id=member_id
    )
    # A question may be in the DM although its post failed (the answer was lost): look
    # for it, or post it, before deciding what the text answers.
    if "posted" in [continuing.deliver_owed(ctx, r["id"]) for r in owed]:
        return  # the member could not have seen that question yet; now they can
    run = awaiting_run(ctx, member_id)
    if run is None:
        tell(
            ctx,
            member_id,
            f"Nothing to answer right now. `{ctx.config.command} help` lists what I can do.",
        )
        return
    asked = run["asked_question_id"]
    question = model.get_question(ctx.conn, asked) if asked else runs.next_question(ctx.conn, run)
    if question is None:
        return
    where = (run["channel_id"], run["message_ts"])
    kind = question["kind"]
    if kind == "number":
        value = numbers.parse(text)
        if value is None:
            tell(
                ctx,
                member_id,
                f"Please answer with a number, like 7, 2.5 or {numbers.EXAMPLE} "
                "(digits, one decimal point or comma; 1,000 for a thousand).",
            )
            return
        answer(ctx, run, question, where, number=value, request=request)
    elif kind in ("scale", "choice"):
        labels = blocks.choices(question)
        index = _match_label(text, labels, kind)
        if index is None:
            options = ", ".join(labels)
            tell(ctx, member_id, f"Please pick one of the buttons above ({options}).")
            return
        number = float(index + 1) if kind == "scale" else None
        answer(ctx, run, question, where, text=labels[index], number=number, request=request)
    else:
        answer(ctx, run, question, where, text=text.strip(), request=request)


def awaiting_run(ctx: BotContext, member_id: str) -> sqlite3.Row | None:
    """The run whose shown question a typed message answers, if any.

    An open run; or a closed one (a late answer) while it is still the run's
    own day for the member, or within continuing.LATE_TYPING_GRACE after it closed. So
    "good morning" typed the next day is not stored as yesterday's answer.
    """
    now = ctx.clock()
    row = get_member(ctx.conn, member_id)
    today = local_today(row["tz"] if row else None, now).isoformat()
    for run in runs.runs_asking(ctx.conn, member_id, now - timedelta(days=2)):
        if run["status"] == "open" or run["local_date"] == today:
            return run
        if now < parse_iso(run["closes_at"]) + continuing.LATE_TYPING_GRACE:
            return run
    return None


def _match_label(text: str, labels: list[str], kind: str) -> int | None:
    wanted = text.strip().lower()
    for i, label in enumerate(labels):
        if label.strip().lower() == wanted:
            return i
    if (
        kind == "scale"
        and wanted.isascii()
        and wanted.isdigit()
        and 1 <= int(wanted) <= len(labels)
    ):
        return int(wanted) - 1  # ASCII only: "²" is a digit to str.isdigit, not to int()
    return None
