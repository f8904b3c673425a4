"""Work the web app and the CLI leave in the outbox table, done by the bot.

Each feature module may export `OUTBOX = {kind: handler(ctx, payload)}`; a
handler that raises marks the row failed with the message as its reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType

from bot.context import BotContext
from checkin import store

Handler = Callable[[BotContext, dict], None]


def handlers(features: list[ModuleType]) -> dict[str, Handler]:
    out: dict[str, Handler] = {}
    for feature in features:
        out.update(getattr(feature, "OUTBOX", None) or {})
    return out


def work(ctx: BotContext, features: list[ModuleType], limit: int = 20) -> int:
    """Do up to `limit` pending rows, oldest first; returns how many were taken."""
    known = handlers(features)
    done = 0
    while done < limit and not ctx.cache.get("stopping"):
        row = store.claim_outbox(ctx.conn, clock=ctx.clock)
        if row is None:
            break
        done += 1
        error = None
        handler = known.get(row["kind"])
        try:
            if handler is None:
                raise LookupError(f"this bot has no handler for {row['kind']!r}")
            handler(ctx, json.loads(row["payload"] or "{}"))
        except Exception as exc:
            error = str(exc) or type(exc).__name__
            ctx.logger.warning("outbox #%s (%s) failed: %s", row["id"], row["kind"], error)
        store.finish_outbox(ctx.conn, row["id"], error, clock=ctx.clock)
        store.record_event(
            ctx.conn, "outbox_failed" if error else "outbox_done", error=error,
            detail={"outbox": row["id"], "kind": row["kind"]}, clock=ctx.clock,
        )  # fmt: skip
    return done
