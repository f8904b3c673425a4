"""The bot-token scope(s) each Web API method needs, per Slack's method reference pages.

A Conversations API method needs the scope of the kind of conversation it is
called on (a public channel, a private one, a DM); any one listed is enough.
"""

from __future__ import annotations

from typing import Any

# method -> scopes, any one of which is enough; () = no scope needed
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "api.test": (),
    "auth.test": (),
    "apps.connections.open": (),  # app-level token (connections:write), not a bot scope
    "team.info": ("team:read",),
    "users.info": ("users:read",),
    "users.list": ("users:read",),
    "conversations.open": ("im:write", "mpim:write"),
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "views.open": (),
    "views.push": (),
    "views.update": (),
    "views.publish": (),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
}
# Conversations API: the scope depends on the conversation's kind
_READ = {
    "public_channel": "channels:read",
    "private_channel": "groups:read",
    "im": "im:read",
    "mpim": "mpim:read",
}
_HISTORY = {
    "public_channel": "channels:history",
    "private_channel": "groups:history",
    "im": "im:history",
    "mpim": "mpim:history",
}
BY_KIND: dict[str, dict[str, str]] = {
    "conversations.info": _READ,
    "conversations.members": _READ,
    "conversations.list": _READ,
    "conversations.history": _HISTORY,
    "conversations.replies": _HISTORY,
}


def kind_of(info: dict[str, Any]) -> str:
    if info.get("is_im"):
        return "im"
    if info.get("is_mpim"):
        return "mpim"
    return "private_channel" if info.get("is_private") else "public_channel"


def missing(method: str, args: dict[str, Any], ws: Any, granted: frozenset[str]) -> str | None:
    """The scope(s) to name in `needed` when `granted` does not cover the call, else None."""
    if method in BY_KIND:
        if method == "conversations.list":
            kinds = str(args.get("types") or "public_channel").split(",")
        else:
            ref = str(args.get("channel") or "")
            channel_id = None if ref in ws.users else ws.resolve_channel(ref)
            if channel_id is None and ref not in ws.users:
                return None  # the method answers channel_not_found
            kinds = [kind_of(ws.channels[channel_id]) if channel_id else "im"]
        needed = [BY_KIND[method][k.strip()] for k in kinds if k.strip() in BY_KIND[method]]
        lacking = [s for s in needed if s not in granted]
        return ",".join(lacking) or None
    options = METHOD_SCOPES.get(method, ())
    if not options or granted.intersection(options):
        return None
    return options[0]
