"""Bolt listeners that ack at once and hand the work to the worker.

Bolt inspects a listener's parameter names (`ack`, `body`), so these return
closures with exactly those names; the work itself is a plain function
`work(ctx, body)` that tests call directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.context import BotContext

Work = Callable[[BotContext, dict], Any]


def user_of(body: dict) -> str:
    """Who sent it: an interaction's user, a command's user_id, an event's user."""
    user = body.get("user")
    if isinstance(user, dict) and user.get("id"):
        return str(user["id"])
    if body.get("user_id"):
        return str(body["user_id"])
    event = body.get("event")
    if isinstance(event, dict) and event.get("user"):
        return str(event["user"])
    return "-"


def acked(ctx: BotContext, work: Work) -> Callable[..., None]:
    def listener(ack: Callable[..., Any], body: dict) -> None:
        try:
            ack()
            ctx.defer(user_of(body), work, ctx, body)
        except Exception:
            ctx.logger.exception("listener %s failed", work.__name__)

    listener.__name__ = f"ack_then_{work.__name__}"
    return listener
