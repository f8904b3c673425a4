"""The App Home tab: each feature's part of it, in the order of `bot.features`.

The conversation shows the member's next check-ins in their own time, their
pause, streak and last answers; the question pool its "Suggest a question"
button. Published when the member opens the tab, and again after a pause or
a resume.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot import blocks, feature
from bot.context import BotContext
from bot.listen import acked
from bot.payload import user_of
from bot.slack import SlackUnavailable, call, error_code


def register(app: App, ctx: BotContext) -> None:
    app.event("app_home_opened")(acked(ctx, on_home_opened))


def on_home_opened(ctx: BotContext, body: dict) -> None:
    event = body.get("event") or {}
    if event.get("tab", "home") != "home":
        return
    publish(ctx, user_of(body))


def home_view(ctx: BotContext, member_id: str) -> dict[str, Any]:
    content = feature.home_blocks(ctx, ctx.features, member_id)
    return {"type": "home", "blocks": content[: blocks.MODAL_BLOCKS_MAX]}


def publish(ctx: BotContext, member_id: str) -> None:
    if not member_id or member_id == "-":
        return
    try:
        call(ctx, "views.publish", user_id=member_id, view=home_view(ctx, member_id))
    except (SlackApiError, SlackUnavailable) as exc:
        ctx.logger.warning("home tab for %s: %s", member_id, error_code(exc))
