"""Block Kit pieces every feature builds its messages, modals and home blocks from.

Each feature keeps its own builders in one place (`bot/conversation/blocks.py`,
and the Block Kit part of `bot/reports.py`, `bot/pool.py`, `bot/feedback.py`);
they are pure functions of rows and values, so tests check them without Slack.
What a person typed is shown as `plain_text` (never interpreted as markup) and
cut to Slack's limits: 3000 characters in a section, 75 on a button, 50 blocks
in a message, 100 in a modal.
"""

from __future__ import annotations

from typing import Any

SECTION_MAX = 3000
BUTTON_MAX = 75
OPTION_VALUE_MAX = 150
MESSAGE_BLOCKS_MAX = 50
MODAL_BLOCKS_MAX = 100
MODAL_TITLE_MAX = 24
TEXT_MAX = 40_000


def clip(text: str | None, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def esc(text: str) -> str:
    """Text placed inside mrkdwn: Slack's three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def esc_clip(text: str | None, limit: int) -> str:
    """Typed text for mrkdwn, at most `limit` long once escaped: cut first, then escaped,
    so an entity such as `&amp;` is never cut in half."""
    text = text or ""
    if len(esc(text)) <= limit:
        return esc(text)
    size, cut = 1, 0  # 1: the "…"
    for i, ch in enumerate(text):
        size += len(esc(ch))
        if size > limit:
            break
        cut = i + 1
    return esc(text[:cut]) + "…"


def plain(text: str, limit: int = SECTION_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, SECTION_MAX) or " "}


def section(text: str, *, markup: bool = True) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text) if markup else plain(text)}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [mrkdwn(text)]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text, BUTTON_MAX),
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element
