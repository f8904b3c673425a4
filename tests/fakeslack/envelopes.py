"""Socket Mode envelopes and the payloads inside them, in the shapes Slack sends.

References: docs.slack.dev "Using Socket Mode", "Events API" (the
event_callback wrapper), "Slash commands", and the interaction payload
reference pages (block_actions, view_submission, view_closed).
"""

from __future__ import annotations

import uuid
from typing import Any

from .workspace import Workspace

VERIFICATION_TOKEN = "fake-verification-token"


def envelope(kind: str, payload: dict[str, Any], accepts_response_payload: bool) -> dict[str, Any]:
    env: dict[str, Any] = {
        "envelope_id": str(uuid.uuid4()),
        "payload": payload,
        "type": kind,
        "accepts_response_payload": accepts_response_payload,
    }
    if kind == "events_api":
        env["retry_attempt"] = 0
        env["retry_reason"] = ""
    return env


def event_callback(
    ws: Workspace, event: dict[str, Any], event_id: str, event_time: int
) -> dict[str, Any]:
    """The Events API wrapper around one event."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.team["id"],
        "context_team_id": ws.team["id"],
        "context_enterprise_id": None,
        "api_app_id": ws.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team["id"],
                "user_id": ws.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{event_id}",
    }


def user_ref(ws: Workspace, user_id: str) -> dict[str, Any]:
    user = ws.users.get(user_id, {"name": user_id})
    return {"id": user_id, "username": user["name"], "name": user["name"], "team_id": ws.team["id"]}


def team_ref(ws: Workspace) -> dict[str, Any]:
    return {"id": ws.team["id"], "domain": ws.team["domain"]}


def slash_command(
    ws: Workspace,
    user_id: str,
    channel_id: str,
    command: str,
    text: str,
    response_url: str,
    trigger_id: str,
) -> dict[str, Any]:
    """Form fields of a slash command (Slack sends them all as strings)."""
    channel = ws.channels.get(channel_id, {})
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.team["id"],
        "team_domain": ws.team["domain"],
        "channel_id": channel_id,
        "channel_name": "directmessage" if channel.get("is_im") else channel.get("name", ""),
        "user_id": user_id,
        "user_name": ws.users.get(user_id, {}).get("name", user_id),
        "command": command,
        "text": text,
        "api_app_id": ws.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def block_actions(
    ws: Workspace,
    user_id: str,
    action: dict[str, Any],
    trigger_id: str,
    *,
    channel_id: str | None = None,
    message: dict[str, Any] | None = None,
    response_url: str | None = None,
    view: dict[str, Any] | None = None,
    is_ephemeral: bool = False,
) -> dict[str, Any]:
    """A block_actions payload for one action in a message or in a view."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": user_ref(ws, user_id),
        "api_app_id": ws.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "team": team_ref(ws),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
        payload["state"] = view.get("state", {"values": {}})
    else:
        assert channel_id is not None and message is not None
        channel = ws.channels.get(channel_id, {})
        payload["container"] = {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        }
        payload["channel"] = {
            "id": channel_id,
            "name": "directmessage" if channel.get("is_im") else channel.get("name"),
        }
        if not is_ephemeral:
            payload["message"] = message
        payload["response_url"] = response_url
        payload["state"] = {"values": {}}
    return payload


def view_submission(
    ws: Workspace, user_id: str, view: dict[str, Any], trigger_id: str
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": team_ref(ws),
        "user": user_ref(ws, user_id),
        "api_app_id": ws.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed(ws: Workspace, user_id: str, view: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "view_closed",
        "team": team_ref(ws),
        "user": user_ref(ws, user_id),
        "api_app_id": ws.app_id,
        "token": VERIFICATION_TOKEN,
        "view": view,
        "is_cleared": False,
        "is_enterprise_install": False,
        "enterprise": None,
    }
