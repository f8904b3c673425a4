"""Sending a run: made once per (check-in, member, local date), claimed, its first question posted.

A run is claimed ('due' → 'sending') before anything is posted, so a second
tick, a restart or a second process never posts it twice. The first question
carries the run id in the message metadata; a run left in 'sending' by a crash
(or by a post whose outcome is unknown) is looked up in the DM's history and
either confirmed 'open' or sent again (`recover_run`). A send still in flight
in this bot is never reset, however long Slack makes it wait.
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from bot import dm, members
from bot.context import BotContext
from bot.conversation import blocks
from bot.slack import (
    SlackUnavailable,
    call,
    error_code,
    find_posted,
    is_transient,
    may_have_posted,
)
from checkin.answers import delivery, runs
from checkin.checkins import model
from checkin.checkins.timing import MemberClock, Schedule, due_runs
from checkin.clock import parse_iso
from checkin.ops import events
from checkin.people.members import get_member, members_by_id
from checkin.pool import rotation


def position(run: sqlite3.Row, question_id: int) -> tuple[int, int]:
    ids = json.loads(run["question_ids"])
    return (ids.index(question_id) + 1 if question_id in ids else 1), len(ids)


def greeting(ctx: BotContext, run: sqlite3.Row) -> str:
    checkin = model.get_checkin_by_id(ctx.conn, run["checkin_id"])
    member = get_member(ctx.conn, run["member_id"])
    name = (member["name"] or member["real_name"]) if member else ""
    count = len(json.loads(run["question_ids"]))
    questions = "question" if count == 1 else "questions"
    who = f" {blocks.esc(name)}" if name else ""
    title = blocks.esc(checkin["name"]) if checkin else "check-in"
    return f"Hi{who}! Time for your *{title}* check-in: {count} {questions}, one at a time."


def intro_for(ctx: BotContext, run: sqlite3.Row, question_id: int) -> str | None:
    number, _ = position(run, question_id)
    return greeting(ctx, run) if number == 1 else None


def post_question(
    ctx: BotContext, run: sqlite3.Row, question: sqlite3.Row, *, intro: str | None = None
) -> str:
    """Post one question of the run in its DM; it becomes the message a typed answer updates."""
    channel = run["channel_id"] or dm.open_dm(ctx, run["member_id"])
    number, total = position(run, question["id"])
    if intro is None:
        intro = intro_for(ctx, run, question["id"])
    text, content = blocks.question_message(run["id"], question, number, total, intro=intro)
    response = call(
        ctx,
        "chat.postMessage",
        member=run["member_id"],
        checkin_id=run["checkin_id"],
        channel=channel,
        text=text,
        blocks=content,
        metadata={
            "event_type": "checkin_question",
            "event_payload": {"run_id": run["id"], "question_id": question["id"]},
        },
    )
    delivery.set_run_message(
        ctx.conn, run["id"], response["channel"], response["ts"], question_id=question["id"]
    )
    return response["ts"]


def update_message(
    ctx: BotContext, run: sqlite3.Row, channel: str, ts: str, content: tuple[str, list]
) -> None:
    """Show `content` in place of one of the run's messages (an answer, a closed question, an
    edited recap); when Slack refuses, the message stays as it was."""
    text, content_blocks = content
    try:
        call(
            ctx,
            "chat.update",
            member=run["member_id"],
            channel=channel,
            ts=ts,
            text=text,
            blocks=content_blocks,
        )
    except (SlackApiError, SlackUnavailable):
        pass


def send_run(ctx: BotContext, run_id: int) -> str:
    """Send a 'due' run's greeting and first question; returns what happened.

    'sent', 'dev_skipped', 'taken' (another tick or process has it), 'retry'
    (Slack asked us to come back later; the run is 'due' again) or 'failed'.
    """
    conn = ctx.conn
    run = runs.get_run(conn, run_id)
    if run is None or run["status"] != "due":
        return "taken"
    member_id = run["member_id"]
    if not ctx.config.allows_dm(member_id):
        if runs.set_run_status(conn, run_id, "dev_skipped", only_if=("due",), clock=ctx.clock):
            events.record_event(
                conn,
                "dm_skipped",
                member_id=member_id,
                checkin_id=run["checkin_id"],
                detail={"run": run_id, "env": ctx.config.env},
                clock=ctx.clock,
            )
            return "dev_skipped"
        return "taken"
    started = time.perf_counter()
    in_flight = sending_now(ctx)
    in_flight.add(run_id)  # before the claim: recovery must never see it claimed and idle
    try:
        claimed = runs.set_run_status(
            conn,
            run_id,
            "sending",
            only_if=("due",),
            sent_at=ctx.clock(),
            sending_by=ctx.instance,
            clock=ctx.clock,
        )
        if not claimed:
            return "taken"
        return _send_claimed(ctx, run, started)
    finally:
        in_flight.discard(run_id)


def sending_now(ctx: BotContext) -> set[int]:
    """Run ids this bot is sending at this moment (their runs are 'sending' and must stay so)."""
    return ctx.cache.setdefault("sending_now", set())


def _send_claimed(ctx: BotContext, run: sqlite3.Row, started: float) -> str:
    conn = ctx.conn
    run_id, member_id = run["id"], run["member_id"]
    question = runs.next_question(conn, run)
    posting = False
    try:
        if question is None:
            raise ValueError("the run has no questions")
        channel = dm.open_dm(ctx, member_id)
        run = runs.get_run(conn, run_id)
        posting = True
        ts = post_question(ctx, _with(run, channel_id=channel), question)
    except (SlackApiError, SlackUnavailable) as exc:
        code = error_code(exc)
        if is_transient(exc) and (not posting or not may_have_posted(exc)):
            # Nothing was posted (a 429, a refused connection, the DM not opened): sent
            # again by a later tick.
            runs.set_run_status(conn, run_id, "due", only_if=("sending",), error=code)
            return "retry"
        if is_transient(exc):
            # A 5xx or no answer to the post: the message may be in the DM or not. The run
            # stays 'sending'; recover_sending looks for it in the history, then decides.
            runs.set_run_status(conn, run_id, "sending", only_if=("sending",), error=code)
            return "retry"
        runs.set_run_status(conn, run_id, "failed", only_if=("sending",), error=code)
        return "failed"
    except Exception as exc:
        runs.set_run_status(conn, run_id, "failed", only_if=("sending",), error=str(exc)[:200])
        ctx.logger.exception("run %s could not be sent", run_id)
        return "failed"
    runs.set_run_status(
        conn,
        run_id,
        "open",
        only_if=("sending",),
        channel_id=channel,
        message_ts=ts,
        sent_at=ctx.clock(),
        error=None,
        clock=ctx.clock,
    )
    events.record_event(
        conn,
        "run_sent",
        member_id=member_id,
        checkin_id=run["checkin_id"],
        duration_ms=(time.perf_counter() - started) * 1000,
        detail={"run": run_id},
        clock=ctx.clock,
    )
    return "sent"


def _with(row: sqlite3.Row, **changes: Any) -> dict[str, Any]:
    """A row with a field or two replaced (sqlite3.Row is read-only)."""
    return {**{k: row[k] for k in row.keys()}, **changes}


def create_runs(ctx: BotContext, checkin: sqlite3.Row, now: datetime) -> int:
    """Create the check-in's runs that are due at `now` and do not exist yet."""
    conn = ctx.conn
    schedule = Schedule.of(checkin)
    ids = members.roster(ctx, checkin)
    rows = members_by_id(conn, ids)
    due = due_runs(schedule, [MemberClock.of(r) for r in rows], now)
    if not due:
        return 0
    existing = runs.run_keys(conn, checkin["id"], min(d.local_date for d in due))
    created = 0
    for candidate in due:
        if (candidate.member_id, candidate.local_date.isoformat()) in existing:
            continue
        fresh = get_member(conn, candidate.member_id)
        if members.is_stale(fresh, now, members.DUE_REFRESH):
            fresh = members.refresh_member(ctx, candidate.member_id)
        if fresh is None:
            continue
        for run in due_runs(schedule, [MemberClock.of(fresh)], now):
            if (run.member_id, run.local_date.isoformat()) in existing:
                continue
            if create_run(ctx, checkin, run) is not None:
                created += 1
            existing.add((run.member_id, run.local_date.isoformat()))
    return created


def _question_ids(ctx: BotContext, checkin: sqlite3.Row, run: Any) -> list[int]:
    ids = [q["id"] for q in model.active_questions(ctx.conn, checkin["id"])]
    if ids and checkin["random_question"]:
        extra = rotation.question_for_run(
            ctx.conn, checkin["id"], run.member_id, run.local_date, clock=ctx.clock
        )
        if extra is not None:
            ids.append(extra)
    return ids


def create_run(ctx: BotContext, checkin: sqlite3.Row, run: Any) -> int | None:
    questions = _question_ids(ctx, checkin, run)
    if not questions:
        return None
    return runs.create_run(ctx.conn, checkin["id"], run, questions, clock=ctx.clock)


def recover_run(ctx: BotContext, run_id: int) -> str:
    """A run left 'sending': 'open' if its message is in the DM, else sent again now.

    When the DM cannot be checked (Slack down, a missing scope) it stays
    'sending' (a click on its message still opens it) and is checked again
    after a growing pause, until its window closes: then it is 'failed' and
    counted.
    """
    conn = ctx.conn
    run = runs.get_run(conn, run_id)
    if run is None or run["status"] != "sending" or run_id in sending_now(ctx):
        return "nothing"
    later: dict[int, datetime] = ctx.cache.setdefault("recheck_at", {})
    try:
        channel = dm.open_dm(ctx, run["member_id"])
        found = find_in_dm(ctx, channel, run_id)
    except (SlackApiError, SlackUnavailable) as exc:
        code = error_code(exc)
        ctx.logger.warning("run %s: cannot check the DM history: %s", run_id, code)
        now = ctx.clock()
        tries = ctx.cache.setdefault("recheck_tries", {})
        tries[run_id] = tries.get(run_id, 0) + 1
        later[run_id] = now + timedelta(seconds=min(300, 5 * 2 ** tries[run_id]))
        if now >= parse_iso(run["closes_at"]):
            if runs.set_run_status(
                conn,
                run_id,
                "failed",
                only_if=("sending",),
                error=f"could not be checked in the DM: {code}",
            ):
                events.record_event(
                    conn,
                    "run_unverified",
                    error=code,
                    member_id=run["member_id"],
                    checkin_id=run["checkin_id"],
                    detail={"run": run_id},
                    clock=ctx.clock,
                )
            return "failed"
        return "unchecked"
    if found is not None:
        payload = (found.get("metadata") or {}).get("event_payload") or {}
        runs.set_run_status(
            conn,
            run_id,
            "open",
            only_if=("sending",),
            channel_id=channel,
            message_ts=found["ts"],
            asked_question_id=payload.get("question_id"),
            error=None,
        )
        return "open"
    if runs.set_run_status(conn, run_id, "due", only_if=("sending",)):
        return send_run(ctx, run_id)  # in the member's queue already: sent again now
    return "taken"


def find_in_dm(
    ctx: BotContext, channel: str, run_id: int, question_id: int | None = None, recap: bool = False
) -> dict | None:
    """The newest message of the run in the DM (of that question, or its recap), if any:
    the newest page of the DM, which holds the run's messages while its window is open."""
    wanted: dict[str, int] = {"run_id": run_id}
    if question_id is not None:
        wanted["question_id"] = question_id
    event_type = "checkin_recap" if recap else None
    return find_posted(ctx, "conversations.history", channel, event_type, wanted, pages=1)
