"""What the bot reads out of a Slack request: who sent it, which action, on which message.

Slack's payloads differ by kind (an interaction's `user.id`, a command's
`user_id`, an event's `event.user`); every listener reads them here, and
never raises on a body of an unexpected shape.
"""

from __future__ import annotations


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


def action_of(body: dict) -> dict:
    """The first action of a `block_actions` request (empty when there is none)."""
    actions = body.get("actions") or [{}]
    return actions[0] if isinstance(actions[0], dict) else {}


def message_of(body: dict) -> tuple[str | None, str | None]:
    """(channel id, ts) of the message whose button was clicked."""
    container = body.get("container") or {}
    return container.get("channel_id"), container.get("message_ts")
