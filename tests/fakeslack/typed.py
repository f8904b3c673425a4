"""What a Slack client turns typed characters into: the message `text` and its rich_text block.

As docs.slack.dev "Formatting text for app surfaces" describes it: in `text`,
`&`, `<`, `>` arrive as `&amp;`, `&lt;`, `&gt;`; a link as `<https://…>`
(an `&` inside it as `&amp;` too); a mention picked from the list as
`<@U123>`; a channel as `<#C123|name>`; a user group as
`<!subteam^S123|@name>`. The rich_text block carries the raw characters as
typed elements (`text`, `link`, `user`, `channel`, `usergroup`).

Typed `@name` of a workspace user, `#name` of a channel and `@name` of a user
group become mentions, as if picked from the client's autocomplete. A slash
command's text (`command_text`) is escaped the same way, its user mentions
carrying the name (`<@U123|name>`).
"""

from __future__ import annotations

import re
from typing import Any

from .workspace import Workspace

PIECE = re.compile(r"(https?://[^\s<>|]*[^\s<>|.,;:!?)\]'\"])|(?<![\w@])([@#])([\w.\-]+)")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _user_named(ws: Workspace, name: str) -> str | None:
    for uid, user in ws.users.items():
        if user.get("name") == name and not user.get("deleted"):
            return uid
    return None


def _channel_named(ws: Workspace, name: str) -> str | None:
    for cid, channel in ws.channels.items():
        if channel.get("name") == name and not channel.get("is_im"):
            return cid
    return None


def command_text(ws: Workspace, typed: str) -> str:
    """A slash command's text as Slack sends it with `should_escape` (the manifest's):
    escaped like a message, a user mention with its name (`<@U001|alice>`)."""
    text, _ = encode(ws, typed, labelled=True)
    return text


def encode(ws: Workspace, typed: str, labelled: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """(text, blocks) of a message whose author typed `typed`."""
    text: list[str] = []
    elements: list[dict[str, Any]] = []
    last = 0

    def plain(chunk: str) -> None:
        if chunk:
            text.append(_escape(chunk))
            elements.append({"type": "text", "text": chunk})

    for match in PIECE.finditer(typed):
        url, sigil, name = match.groups()
        if url:
            plain(typed[last : match.start()])
            text.append(f"<{_escape(url)}>")
            elements.append({"type": "link", "url": url})
        elif sigil == "@" and (uid := _user_named(ws, name)):
            plain(typed[last : match.start()])
            text.append(f"<@{uid}|{name}>" if labelled else f"<@{uid}>")
            elements.append({"type": "user", "user_id": uid})
        elif sigil == "@" and name in ws.usergroups:
            plain(typed[last : match.start()])
            text.append(f"<!subteam^{ws.usergroups[name]}|@{name}>")
            elements.append({"type": "usergroup", "usergroup_id": ws.usergroups[name]})
        elif sigil == "#" and (cid := _channel_named(ws, name)):
            plain(typed[last : match.start()])
            text.append(f"<#{cid}|{name}>")
            elements.append({"type": "channel", "channel_id": cid})
        else:
            continue
        last = match.end()
    plain(typed[last:])
    block = {
        "type": "rich_text",
        "block_id": ws.next_id("r")[-5:],
        "elements": [{"type": "rich_text_section", "elements": elements}],
    }
    return "".join(text), [block]
