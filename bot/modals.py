"""Modals opened from a button or a command: built and opened right after the ack.

A trigger_id lasts 3 s and is good once: behind the member's queue it
expires during a busy minute. So a modal is opened in a thread of its own
started right after the ack (Bolt sends the ack when the listener returns,
so a slow `views.open` on the listener itself would delay the ack). Nothing
is kept for a replay: a kept trigger is dead.

A feature gives a builder `build(ctx, body) -> view | None` (None: nothing
to open, such as a click on someone else's run); this module opens it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.context import BotContext
from bot.payload import user_of
from bot.slack import SlackUnavailable, call, error_code

Builder = Callable[[BotContext, dict], dict[str, Any] | None]


def opens_modal(ctx: BotContext, build: Builder) -> Callable[..., None]:
    """A listener that acks, then opens the modal `build` makes, at once, beside the queue."""

    def listener(ack: Callable[..., Any], body: dict) -> None:
        try:
            ack()
        except Exception:
            ctx.logger.exception("listener %s: ack failed", build.__name__)
        open_now(ctx, build, body)

    listener.__name__ = f"ack_then_{build.__name__}"
    return listener


def open_now(ctx: BotContext, build: Builder, body: dict) -> None:
    """`open_view` in a thread of its own, started now (tests wait for `modals_opening`)."""
    if ctx.worker is None:  # a unit test without a worker: at once, in this thread
        open_view(ctx, build, body)
        return
    thread = threading.Thread(
        target=open_view, args=(ctx, build, body), name=f"modal-{build.__name__}", daemon=True
    )
    opening = ctx.cache.setdefault("modals_opening", [])
    opening[:] = [t for t in opening if t.is_alive()] + [thread]
    thread.start()


def open_view(ctx: BotContext, build: Builder, body: dict) -> None:
    """Build the modal and open it with the request's trigger_id; never raises."""
    try:
        view = build(ctx, body)
        if view is not None:
            call(ctx, "views.open", trigger_id=body.get("trigger_id"), view=view)
    except (SlackApiError, SlackUnavailable) as exc:
        ctx.logger.warning("%s for %s: %s", build.__name__, user_of(body), error_code(exc))
    except Exception:
        ctx.logger.exception("%s failed", build.__name__)
