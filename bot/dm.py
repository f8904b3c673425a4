"""A member's direct message with the bot: opening it, telling them one line."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.context import BotContext
from bot.slack import SlackUnavailable, call, error_code


def open_dm(ctx: BotContext, member_id: str) -> str:
    """The id of the member's DM with the bot (`conversations.open`); raises on Slack errors."""
    response = call(ctx, "conversations.open", member=member_id, users=member_id)
    return response["channel"]["id"]


def tell(ctx: BotContext, member_id: str, text: str) -> None:
    """One line in the member's DM; a post that fails is logged, never raised."""
    try:
        call(ctx, "chat.postMessage", member=member_id, channel=member_id, text=text)
    except (SlackApiError, SlackUnavailable) as exc:
        ctx.logger.warning("DM to %s: %s", member_id, error_code(exc))
