"""Editing: the recap's "Edit answers" modal; an earlier answer stays in the history."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from slack_bolt import App

from bot import modals
from bot.context import BotContext
from bot.conversation import blocks, broadcasting, clicks, sending
from bot.listen import acked
from bot.payload import message_of
from checkin.answers import numbers, record
from checkin.checkins import model
from checkin.ops import events


def register(app: App, ctx: BotContext) -> None:
    app.action(blocks.EDIT_ANSWERS)(modals.opens_modal(ctx, edit_view))
    app.view(blocks.EDIT_VIEW)(acked(ctx, on_edit_submission))


def edit_view(ctx: BotContext, body: dict) -> dict[str, Any] | None:
    """The modal to edit a run's answers (from its recap's button); None for another's run."""
    run = clicks.run_from_value(ctx, body)
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
    run = clicks.own_run(ctx, body, run_id)
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
        ctx.conn,
        "answers_edited",
        member_id=run["member_id"],
        checkin_id=run["checkin_id"],
        detail={"run": run_id, "changed": changed},
        clock=ctx.clock,
    )
    if meta.get("channel") and meta.get("ts"):
        checkin = model.get_checkin_by_id(ctx.conn, run["checkin_id"])
        answers = record.answers_of_run(ctx.conn, run_id)
        content = blocks.recap_message(run_id, checkin["name"], answers)
        sending.update_message(ctx, run, meta["channel"], meta["ts"], content)
    broadcasting.queue(ctx, run_id, run["checkin_id"])  # standup mode: the channel's post too


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
        value = numbers.parse(str(raw))
        return None if value is None else (None, value)
    return str(raw).strip(), None
