"""The check-in conversation: due runs are sent, answered one question at a time, recapped.

Sending: a run is created once per (check-in, member, local date) and
claimed ('due' → 'sending') before anything is posted, so a second tick, a
restart or a second process never posts it twice. The first question carries
the run id in the message metadata; a run left in 'sending' by a crash (or by
a post whose outcome is unknown) is looked up in the DM's history and either
confirmed 'open' or sent again. A send still in flight in this bot is never
reset, however long Slack makes it wait.

Continuing: once the shown question is answered the run owes its member the
next question (or the recap); a post that fails is tried again by the tick
(`heal_owed_posts`, through the member's queue), after a look in the DM when
the failed try may have reached Slack; a crash between the answer and the
post is healed the same way at the next start. Reminders, wake-ups and
recovery checks are queued per member too: the scheduler thread never calls
Slack.

Answering: buttons carry run id, question id and choice index; typed answers
go to the member's newest open run. `record.record_answer` stores the first
answer only, so a double click or a redelivered event changes nothing.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from datetime import date, datetime, timedelta
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot import blocks, dm, listen, members
from bot.context import BotContext
from bot.dm import tell
from bot.listen import acked
from bot.modals import opens_modal
from bot.payload import action_of, message_of, user_of
from bot.slack import (
    SlackUnavailable,
    call,
    error_code,
    is_transient,
    may_have_posted,
)
from checkin import errors, slacktext
from checkin.answers import delivery, numbers, record, runs
from checkin.checkins import model
from checkin.checkins.timing import (
    MemberClock,
    Schedule,
    adhoc_run,
    due_runs,
    is_askable,
    local_today,
    reminder_due,
)
from checkin.clock import parse_iso, zone
from checkin.ops import events, inbox
from checkin.people.members import ensure_member, get_member, members_by_id, pause_member
from checkin.pool import rotation

SNOOZE = timedelta(hours=1)
POST_BACKOFF_S = (5, 10, 15, 30)  # between tries of an owed post: the member waits under a minute
LATE_TYPING_GRACE = timedelta(hours=1)  # a typed late answer: the run's own day, or this after


def register(app: App, ctx: BotContext) -> None:
    app.action(re.compile(rf"^{blocks.ANSWER}_\d+$"))(acked(ctx, on_answer_click))
    app.action(blocks.SKIP_QUESTION)(acked(ctx, on_skip_question))
    app.action(blocks.SKIP_RUN)(acked(ctx, on_skip_run))
    app.action(blocks.SNOOZE_RUN)(acked(ctx, on_snooze))
    app.action(blocks.PAUSE_OPEN)(opens_modal(ctx, pause_view))
    app.action(blocks.RESUME)(acked(ctx, on_resume))
    app.action(blocks.EDIT_ANSWERS)(opens_modal(ctx, edit_view))
    app.view(blocks.PAUSE_VIEW)(pause_listener(ctx))
    listen.handles(ctx, "on_pause_submission", on_pause_submission)
    app.view(blocks.EDIT_VIEW)(acked(ctx, on_edit_submission))
    app.event("message")(acked(ctx, on_message))


# --- sending -----------------------------------------------------------------


def _position(run: sqlite3.Row, question_id: int) -> tuple[int, int]:
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


def _intro(ctx: BotContext, run: sqlite3.Row, question_id: int) -> str | None:
    number, _ = _position(run, question_id)
    return greeting(ctx, run) if number == 1 else None


def post_question(
    ctx: BotContext, run: sqlite3.Row, question: sqlite3.Row, *, intro: str | None = None
) -> str:
    """Post one question of the run in its DM; it becomes the message a typed answer updates."""
    channel = run["channel_id"] or dm.open_dm(ctx, run["member_id"])
    number, total = _position(run, question["id"])
    if intro is None:
        intro = _intro(ctx, run, question["id"])
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
                conn, "dm_skipped", member_id=member_id, checkin_id=run["checkin_id"],
                detail={"run": run_id, "env": ctx.config.env}, clock=ctx.clock,
            )  # fmt: skip
            return "dev_skipped"
        return "taken"
    started = time.perf_counter()
    in_flight = sending_now(ctx)
    in_flight.add(run_id)  # before the claim: recovery must never see it claimed and idle
    try:
        claimed = runs.set_run_status(
            conn, run_id, "sending", only_if=("due",), sent_at=ctx.clock(),
            sending_by=ctx.instance, clock=ctx.clock,
        )  # fmt: skip
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
        conn, run_id, "open", only_if=("sending",), channel_id=channel, message_ts=ts,
        sent_at=ctx.clock(), error=None, clock=ctx.clock,
    )  # fmt: skip
    events.record_event(
        conn, "run_sent", member_id=member_id, checkin_id=run["checkin_id"],
        duration_ms=(time.perf_counter() - started) * 1000, detail={"run": run_id},
        clock=ctx.clock,
    )  # fmt: skip
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
            if _create(ctx, checkin, run) is not None:
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


def _create(ctx: BotContext, checkin: sqlite3.Row, run: Any) -> int | None:
    questions = _question_ids(ctx, checkin, run)
    if not questions:
        return None
    return runs.create_run(ctx.conn, checkin["id"], run, questions, clock=ctx.clock)


# --- the scheduler's part ------------------------------------------------------


def tick(ctx: BotContext) -> None:
    """Create and send due runs, recover interrupted sends, wake snoozes, remind, close."""
    now = ctx.clock()
    for checkin in model.active_checkins(ctx.conn):
        # Rosters and profiles come from Slack: read in the worker, never on this thread.
        ctx.defer_once(
            f"runs:{checkin['id']}", f"checkin:{checkin['id']}", create_and_queue, ctx,
            checkin["id"],
        )  # fmt: skip
    _guarded(ctx, recover_sending, now)
    _guarded(ctx, queue_sends, now)
    _guarded(ctx, wake_snoozed, now)
    _guarded(ctx, heal_owed_posts, now)
    _guarded(ctx, remind, now)
    _guarded(ctx, close_expired, now)
    _guarded(ctx, forget_old_events, now)


def create_and_queue(ctx: BotContext, checkin_id: int) -> None:
    """In the worker: the check-in's due runs made, and their sends queued per member."""
    checkin = model.get_checkin_by_id(ctx.conn, checkin_id)
    if checkin is None or not checkin["active"]:
        return
    now = ctx.clock()
    try:
        create_runs(ctx, checkin, now)
    except Exception:
        ctx.logger.exception("check-in %s: could not create its runs", checkin["name"])
    queue_sends(ctx, now)


def queue_sends(ctx: BotContext, now: datetime) -> None:
    """Each due run's send in its member's queue (once), in order with their own work."""
    for run in delivery.runs_to_send(ctx.conn, now):
        if ctx.cache.get("stopping"):
            return
        ctx.defer_once(f"send:{run['id']}", run["member_id"], send_run, ctx, run["id"])


def _guarded(ctx: BotContext, step: Any, now: datetime) -> None:
    try:
        step(ctx, now)
    except Exception:
        ctx.logger.exception("%s failed", step.__name__)


def recover_sending(ctx: BotContext, now: datetime) -> None:
    """Runs left 'sending' and not being sent by this bot: each checked in the member's queue."""
    in_flight = sending_now(ctx)
    later: dict[int, datetime] = ctx.cache.setdefault("recheck_at", {})
    for run in delivery.runs_left_sending(ctx.conn):
        if run["id"] in in_flight:
            continue  # still being sent (a 429 wait, a slow Slack): never reset
        if run["id"] in later and now < later[run["id"]] and now < parse_iso(run["closes_at"]):
            continue
        ctx.defer_once(f"recover:{run['id']}", run["member_id"], recover_run, ctx, run["id"])


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
                conn, run_id, "failed", only_if=("sending",),
                error=f"could not be checked in the DM: {code}",
            ):  # fmt: skip
                events.record_event(
                    conn, "run_unverified", error=code, member_id=run["member_id"],
                    checkin_id=run["checkin_id"], detail={"run": run_id}, clock=ctx.clock,
                )  # fmt: skip
            return "failed"
        return "unchecked"
    if found is not None:
        payload = (found.get("metadata") or {}).get("event_payload") or {}
        runs.set_run_status(
            conn, run_id, "open", only_if=("sending",), channel_id=channel,
            message_ts=found["ts"], asked_question_id=payload.get("question_id"), error=None,
        )  # fmt: skip
        return "open"
    if runs.set_run_status(conn, run_id, "due", only_if=("sending",)):
        return send_run(ctx, run_id)  # in the member's queue already: sent again now
    return "taken"


def find_in_dm(
    ctx: BotContext, channel: str, run_id: int, question_id: int | None = None, recap: bool = False
) -> dict | None:
    """The newest message of the run in the DM (of that question, or its recap), if any."""
    history = call(
        ctx, "conversations.history", channel=channel, limit=100, include_all_metadata=True
    )
    for message in history.get("messages") or []:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if payload.get("run_id") != run_id:
            continue
        if recap and metadata.get("event_type") != "checkin_recap":
            continue
        if question_id is not None and payload.get("question_id") != question_id:
            continue
        return message
    return None


def wake_snoozed(ctx: BotContext, now: datetime) -> None:
    """Snoozes that ran out: the run owes its question now (posted by `deliver_owed`)."""
    for run in delivery.runs_to_wake(ctx.conn, now):
        if delivery.wake_run(ctx.conn, run["id"], now):
            ctx.defer_once(f"post:{run['id']}", run["member_id"], deliver_owed, ctx, run["id"])


def remind(ctx: BotContext, now: datetime) -> None:
    for run in delivery.runs_to_remind(ctx.conn, now):
        if run["paused_until"] and run["local_date"] <= run["paused_until"]:
            continue
        if not reminder_due(
            parse_iso(run["sent_at"]), parse_iso(run["closes_at"]), run["reminder_minutes"], now
        ):
            continue
        if delivery.claim_reminder(ctx.conn, run["id"], clock=ctx.clock):
            ctx.defer(run["member_id"], post_reminder, ctx, run["id"])


def post_reminder(ctx: BotContext, run_id: int) -> None:
    """The reminder, in the member's queue: their question again, with its buttons."""
    run = runs.get_run(ctx.conn, run_id)
    if run is None or run["status"] != "open" or run["snoozed_until"]:
        return
    question = runs.next_question(ctx.conn, run)
    if question is None:
        return
    try:
        post_question(ctx, run, question, intro="A gentle reminder: your check-in is still open.")
    except (SlackApiError, SlackUnavailable) as exc:
        # Surely not posted (a 429 beyond the budget, a refused connection): tried again.
        # Maybe posted: not again; the member still has the question they were sent.
        if is_transient(exc) and not may_have_posted(exc):
            delivery.unclaim_reminder(ctx.conn, run_id, ctx.clock() + timedelta(seconds=30))
        return
    events.record_event(
        ctx.conn, "reminder_sent", member_id=run["member_id"],
        checkin_id=run["checkin_id"], detail={"run": run_id}, clock=ctx.clock,
    )  # fmt: skip


def heal_owed_posts(ctx: BotContext, now: datetime) -> None:
    """Runs whose member waits for a message (a failed post, a crash after an answer): queued."""
    for run in delivery.runs_owing_post(ctx.conn, now, now - LATE_TYPING_GRACE):
        ctx.defer_once(f"post:{run['id']}", run["member_id"], deliver_owed, ctx, run["id"])


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
            found = find_in_dm(
                ctx, run["channel_id"], run_id, question["id"] if question else None,
                recap=question is None,
            )  # fmt: skip
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
            post_question(ctx, run, question, intro=intro)
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
                conn, "post_failed", error=code, member_id=run["member_id"],
                checkin_id=run["checkin_id"], detail={"run": run_id}, clock=ctx.clock,
            )  # fmt: skip
        return "retry" if retry_at else "failed"


def close_expired(ctx: BotContext, now: datetime) -> None:
    for run in delivery.runs_past_window(ctx.conn, now):
        if run["status"] == "open":
            runs.set_run_status(ctx.conn, run["id"], "closed", only_if=("open",), clock=ctx.clock)
        else:
            runs.set_run_status(
                ctx.conn, run["id"], "failed", only_if=("due",),
                error="its window closed before it could be sent",
            )  # fmt: skip


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


# --- outbox ----------------------------------------------------------------------


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
            self.ctx.conn, "checkin_sent_now", checkin_id=self.checkin_id,
            detail=self.outcomes, clock=self.ctx.clock,
        )  # fmt: skip
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
            run_id = _create(
                ctx, checkin, adhoc_run(Schedule.of(checkin), MemberClock.of(row), now)
            )
            outcome = "already_today" if run_id is None else send_run(ctx, run_id)
    finally:
        tally.add(outcome)


OUTBOX = {"send_checkin": send_checkin_now}


# --- answering ---------------------------------------------------------------------


def _own_run(ctx: BotContext, body: dict, run_id: int) -> sqlite3.Row | None:
    run = runs.get_run(ctx.conn, run_id)
    if run is None or run["member_id"] != user_of(body):
        ctx.logger.info("ignored an action on run %s by %s", run_id, user_of(body))
        return None
    return run


def on_answer_click(ctx: BotContext, body: dict) -> None:
    parsed = blocks.parse_answer_key(action_of(body).get("value"))
    if parsed is None:
        return
    run_id, question_id, option = parsed
    run = _own_run(ctx, body, run_id)
    question = model.get_question(ctx.conn, question_id)
    if run is None or question is None:
        return
    labels = blocks.choices(question)
    index = blocks.option_index(labels, option)
    if index is None:
        tell(
            ctx, run["member_id"],
            f"That option is no longer offered; pick one of: {', '.join(labels)}.",
        )  # fmt: skip
        return
    number = float(index + 1) if question["kind"] == "scale" else None
    answer(ctx, run, question, message_of(body), text=labels[index], number=number)


def on_skip_question(ctx: BotContext, body: dict) -> None:
    parsed = blocks.parse_key(action_of(body).get("value"))
    if parsed is None:
        return
    run = _own_run(ctx, body, parsed[0])
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
) -> bool:
    """Store an answer, show it in place of the question, and ask the next one (or recap)."""
    if run["status"] == "sending" and where[0] and where[1]:
        # A click on the run's message: its post reached Slack, whatever the bot was told.
        runs.set_run_status(
            ctx.conn, run["id"], "open", only_if=("sending",), channel_id=where[0],
            message_ts=where[1], asked_question_id=question["id"], error=None,
        )  # fmt: skip
        run = runs.get_run(ctx.conn, run["id"])
    if run["status"] in ("skipped", "dev_skipped", "failed", "due", "sending"):
        if run["status"] == "skipped":
            tell(ctx, run["member_id"], "That check-in was skipped; nothing was saved.")
        return False
    try:
        stored = record.record_answer(
            ctx.conn, run["id"], question["id"], text=text, number=number, skipped=skipped,
            clock=ctx.clock,
        )  # fmt: skip
    except errors.NotFound:
        return False
    if not stored.created:
        return False
    if run["snoozed_until"]:
        delivery.wake_run(ctx.conn, run["id"])
    events.record_event(
        ctx.conn, "answer_stored", member_id=run["member_id"], checkin_id=run["checkin_id"],
        detail={"run": run["id"], "question": question["id"], "skipped": skipped},
        clock=ctx.clock,
    )  # fmt: skip
    shown = "(skipped)" if skipped else (text if text is not None else _number_text(number))
    channel, ts = where
    if channel and ts:
        number_, total = _position(run, question["id"])
        content = blocks.answered_message(
            question, number_, total, shown, intro=_intro(ctx, run, question["id"])
        )
        _update(ctx, run, channel, ts, content)
    continue_run(ctx, run["id"])
    return True


def _number_text(number: float | None) -> str:
    return numbers.shown(number)


def _update(
    ctx: BotContext, run: sqlite3.Row, channel: str, ts: str, content: tuple[str, list]
) -> None:
    text, content_blocks = content
    try:
        call(
            ctx, "chat.update", member=run["member_id"], channel=channel, ts=ts, text=text,
            blocks=content_blocks,
        )  # fmt: skip
    except (SlackApiError, SlackUnavailable):
        pass


def continue_run(ctx: BotContext, run_id: int) -> None:
    """After an answer: the next question, or the recap (a failure is retried by the tick)."""
    deliver_owed(ctx, run_id)


def post_recap(ctx: BotContext, run: sqlite3.Row) -> None:
    checkin = model.get_checkin_by_id(ctx.conn, run["checkin_id"])
    answers = record.answers_of_run(ctx.conn, run["id"])
    late = any(a["late"] for a in answers)
    text, content = blocks.recap_message(run["id"], checkin["name"], answers, late=late)
    response = call(
        ctx, "chat.postMessage", member=run["member_id"], checkin_id=run["checkin_id"],
        channel=run["channel_id"] or run["member_id"], text=text, blocks=content,
        metadata={"event_type": "checkin_recap", "event_payload": {"run_id": run["id"]}},
    )  # fmt: skip
    delivery.set_run_recap(ctx.conn, run["id"], response["ts"])


def parse_number(text: str) -> float | None:
    return numbers.parse(text)


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
    typed(ctx, str(event["user"]), slacktext.decode(str(event.get("text") or ""), _name_of(ctx)))


def _name_of(ctx: BotContext) -> slacktext.NameOf:
    """A mentioned member's name as the bot knows it (None: not looked up yet)."""

    def name_of(user_id: str) -> str | None:
        row = get_member(ctx.conn, user_id)
        return (row["name"] or row["real_name"] or None) if row else None

    return name_of


def typed(ctx: BotContext, member_id: str, text: str) -> None:
    """A message the member typed in the DM: the answer to their open text or number question."""
    if not text.strip():
        return
    now = ctx.clock()
    for left in delivery.runs_left_sending(ctx.conn):
        if left["member_id"] == member_id:
            recover_run(ctx, left["id"])  # the member may be answering its question
    owed = delivery.runs_owing_post(ctx.conn, now, now - LATE_TYPING_GRACE, member_id=member_id)
    # A question may be in the DM although its post failed (the answer was lost): look
    # for it, or post it, before deciding what the text answers.
    if "posted" in [deliver_owed(ctx, r["id"]) for r in owed]:
        return  # the member could not have seen that question yet; now they can
    run = awaiting_run(ctx, member_id)
    if run is None:
        tell(
            ctx, member_id,
            f"Nothing to answer right now. `{ctx.config.command} help` lists what I can do.",
        )  # fmt: skip
        return
    asked = run["asked_question_id"]
    question = model.get_question(ctx.conn, asked) if asked else runs.next_question(ctx.conn, run)
    if question is None:
        return
    where = (run["channel_id"], run["message_ts"])
    kind = question["kind"]
    if kind == "number":
        value = parse_number(text)
        if value is None:
            tell(
                ctx, member_id,
                f"Please answer with a number, like 7, 2.5 or {numbers.EXAMPLE} "
                "(digits, one decimal point or comma; 1,000 for a thousand).",
            )  # fmt: skip
            return
        answer(ctx, run, question, where, number=value)
    elif kind in ("scale", "choice"):
        labels = blocks.choices(question)
        index = _match_label(text, labels, kind)
        if index is None:
            options = ", ".join(labels)
            tell(ctx, member_id, f"Please pick one of the buttons above ({options}).")
            return
        number = float(index + 1) if kind == "scale" else None
        answer(ctx, run, question, where, text=labels[index], number=number)
    else:
        answer(ctx, run, question, where, text=text.strip())


def awaiting_run(ctx: BotContext, member_id: str) -> sqlite3.Row | None:
    """The run whose shown question a typed message answers, if any.

    An open run; or a closed one (a late answer) while it is still the run's
    own day for the member, or within LATE_TYPING_GRACE after it closed. So
    "good morning" typed the next day is not stored as yesterday's answer.
    """
    now = ctx.clock()
    row = get_member(ctx.conn, member_id)
    today = local_today(row["tz"] if row else None, now).isoformat()
    for run in runs.runs_asking(ctx.conn, member_id, now - timedelta(days=2)):
        if run["status"] == "open" or run["local_date"] == today:
            return run
        if now < parse_iso(run["closes_at"]) + LATE_TYPING_GRACE:
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


# --- skip, snooze, pause ------------------------------------------------------------


def _run_from_value(ctx: BotContext, body: dict) -> sqlite3.Row | None:
    try:
        run_id = int(str(action_of(body).get("value")))
    except ValueError:
        return None
    return _own_run(ctx, body, run_id)


def _close_message(ctx: BotContext, run: sqlite3.Row, where: tuple, note: str) -> None:
    channel, ts = where
    question = runs.next_question(ctx.conn, run)
    if not (channel and ts) or question is None:
        return
    number, total = _position(run, question["id"])
    content = blocks.closed_message(
        question, number, total, note, intro=_intro(ctx, run, question["id"])
    )
    _update(ctx, run, channel, ts, content)


def on_skip_run(ctx: BotContext, body: dict) -> None:
    run = _run_from_value(ctx, body)
    if run is None:
        return
    if runs.set_run_status(ctx.conn, run["id"], "skipped", only_if=("open",), clock=ctx.clock):
        events.record_event(
            ctx.conn, "run_skipped", member_id=run["member_id"], checkin_id=run["checkin_id"],
            detail={"run": run["id"]}, clock=ctx.clock,
        )  # fmt: skip
        _close_message(ctx, run, message_of(body), "You skipped today's check-in. See you next time.")


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
    run = _run_from_value(ctx, body)
    if run is None:
        return
    until = ctx.clock() + SNOOZE
    member = get_member(ctx.conn, run["member_id"])
    tz = zone(member["tz"] if member else None)
    closes = parse_iso(run["closes_at"])
    if until >= closes:
        # The question would come back after the window: say so, keep the buttons.
        tell(
            ctx, run["member_id"],
            f"Today's check-in closes at {closes.astimezone(tz):%H:%M}, before a snooze would "
            "end, so it is not snoozed: answer now with the buttons above, or skip it; "
            "otherwise it closes unanswered.",
        )  # fmt: skip
        return
    if not delivery.snooze_run(ctx.conn, run["id"], until):
        return
    local = until.astimezone(tz)
    _close_message(ctx, run, message_of(body), f"Snoozed: I will ask again at {local:%H:%M}.")


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
        ctx.conn, "paused", member_id=member_id, detail={"until": until.isoformat()},
        clock=ctx.clock,
    )  # fmt: skip
    for run in runs.skip_runs_through(ctx.conn, member_id, until, clock=ctx.clock):
        _close_message(
            ctx, run, (run["channel_id"], run["message_ts"]), f"Paused until {until.isoformat()}."
        )
    text = (
        f"You are paused until {blocks.long_date(until)} (included): no check-in questions "
        f"until then. `{ctx.config.command} resume` brings you back earlier."
    )
    tell(ctx, member_id, text)
    _refresh_home(ctx, member_id)
    return text


def resume(ctx: BotContext, member_id: str) -> str:
    ensure_member(ctx.conn, member_id, clock=ctx.clock)
    pause_member(ctx.conn, member_id, None)
    events.record_event(ctx.conn, "resumed", member_id=member_id, clock=ctx.clock)
    _refresh_home(ctx, member_id)
    return "Welcome back: your check-ins start again at the next scheduled time."


def on_resume(ctx: BotContext, body: dict) -> None:
    member_id = user_of(body)
    tell(ctx, member_id, resume(ctx, member_id))


def _refresh_home(ctx: BotContext, member_id: str) -> None:
    from bot import home

    home.publish(ctx, member_id)


# --- editing -------------------------------------------------------------------------


def edit_view(ctx: BotContext, body: dict) -> dict[str, Any] | None:
    """The modal to edit a run's answers (from its recap's button); None for another's run."""
    run = _run_from_value(ctx, body)
    if run is None:
        return None
    checkin = model.get_checkin_by_id(ctx.conn, run["checkin_id"])
    view = blocks.edit_modal(run["id"], checkin["name"], record.answers_of_run(ctx.conn, run["id"]))
    channel, ts = message_of(body)
    view["private_metadata"] = json.dumps({"run": run["id"], "channel": channel, "ts": ts})
    return view


def on_edit_submission(ctx: BotContext, body: dict) -> None:
    view = body.get("view") or {}
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
        run_id = int(meta["run"])
    except (ValueError, KeyError, TypeError):
        return
    run = _own_run(ctx, body, run_id)
    if run is None:
        return
    values = (view.get("state") or {}).get("values") or {}
    changed = 0
    for row in record.answers_of_run(ctx.conn, run_id):
        state = (values.get(f"q:{row['question_id']}") or {}).get("value") or {}
        new = _edited_value(row, state)
        if new is None:
            continue
        text, number = new
        if record.edit_answer(ctx.conn, row["id"], text=text, number=number, clock=ctx.clock):
            changed += 1
    if not changed:
        return
    events.record_event(
        ctx.conn, "answers_edited", member_id=run["member_id"], checkin_id=run["checkin_id"],
        detail={"run": run_id, "changed": changed}, clock=ctx.clock,
    )  # fmt: skip
    if meta.get("channel") and meta.get("ts"):
        checkin = model.get_checkin_by_id(ctx.conn, run["checkin_id"])
        answers = record.answers_of_run(ctx.conn, run_id)
        content = blocks.recap_message(run_id, checkin["name"], answers)
        _update(ctx, run, meta["channel"], meta["ts"], content)


def _edited_value(row: sqlite3.Row, state: dict) -> tuple[str | None, float | None] | None:
    """(text, number) from a modal input; None to keep the answer as it is."""
    kind = row["kind"]
    if kind in ("scale", "choice"):
        option = state.get("selected_option") or {}
        labels = blocks.choices(row)
        index = blocks.option_index(labels, option.get("value"))
        if index is None:
            return None
        return labels[index], (float(index + 1) if kind == "scale" else None)
    raw = state.get("value")
    if raw is None or not str(raw).strip():
        return None
    if kind == "number":
        value = parse_number(str(raw))
        return None if value is None else (None, value)
    return str(raw).strip(), None
