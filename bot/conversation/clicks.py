"""Which run a click or a modal is about: the clicker's own run, never someone else's."""

from __future__ import annotations

import sqlite3

from bot.context import BotContext
from bot.payload import action_of, user_of
from checkin.answers import runs


def own_run(ctx: BotContext, body: dict, run_id: int) -> sqlite3.Row | None:
    run = runs.get_run(ctx.conn, run_id)
    if run is None or run["member_id"] != user_of(body):
        ctx.logger.info("ignored an action on run %s by %s", run_id, user_of(body))
        return None
    return run


def run_from_value(ctx: BotContext, body: dict) -> sqlite3.Row | None:
    try:
        run_id = int(str(action_of(body).get("value")))
    except ValueError:
        return None
    return own_run(ctx, body, run_id)
