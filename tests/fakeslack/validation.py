"""Block Kit checks: parse with slack_sdk.models, then Slack's own limits.

slack_sdk accepts a few things Slack rejects (a string where a text object
belongs, unknown element types inside `actions`, a mrkdwn header), so those are
checked here too. Each problem is one line, as Slack lists them in
`response_metadata.messages`.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS_MAX = 50
MODAL_BLOCKS_MAX = 100
SECTION_TEXT_MAX = 3000
BUTTON_TEXT_MAX = 75
MESSAGE_TEXT_MAX = 40_000

TEXT_TYPES = {"plain_text", "mrkdwn"}
PLAIN_ONLY_PARENTS = {"header", "button", "option", "input", "overflow"}
TEXT_KEYS = ("text", "label", "placeholder", "hint")


def _check_text_objects(node: Any, path: str, parent_type: str, errors: list[str]) -> None:
    if isinstance(node, list):
        for i, item in enumerate(node):
            _check_text_objects(item, f"{path}/{i}", parent_type, errors)
        return
    if not isinstance(node, dict):
        return
    node_type = node.get("type", "")
    if node_type in TEXT_TYPES:
        text = node.get("text")
        if not isinstance(text, str) or text == "":
            errors.append(f"[ERROR] must be a non-empty string [json-pointer:{path}/text]")
        return
    if node_type.startswith("rich_text"):
        return
    for key in TEXT_KEYS:
        if key in node:
            value = node[key]
            if not isinstance(value, dict) or value.get("type") not in TEXT_TYPES:
                errors.append(f"[ERROR] expected a text object [json-pointer:{path}/{key}]")
                continue
            if key != "text" or node_type in PLAIN_ONLY_PARENTS:
                if value.get("type") != "plain_text":
                    errors.append(f"[ERROR] must be plain_text [json-pointer:{path}/{key}/type]")
    for key, value in node.items():
        if isinstance(value, (dict, list)) and key not in TEXT_KEYS:
            _check_text_objects(value, f"{path}/{key}", node_type or parent_type, errors)
        elif isinstance(value, dict) and value.get("type") not in TEXT_TYPES:
            _check_text_objects(value, f"{path}/{key}", node_type or parent_type, errors)


def _check_lengths(block: dict[str, Any], path: str, errors: list[str]) -> None:
    if block.get("type") == "section":
        text = block.get("text")
        if isinstance(text, dict) and len(str(text.get("text", ""))) > SECTION_TEXT_MAX:
            errors.append(
                f"[ERROR] must be less than {SECTION_TEXT_MAX + 1} characters [json-pointer:{path}/text/text]"
            )
    elements = list(block.get("elements") or [])
    if isinstance(block.get("accessory"), dict):
        elements.append(block["accessory"])
    for element in elements:
        if isinstance(element, dict) and element.get("type") == "button":
            text = element.get("text")
            if isinstance(text, dict) and len(str(text.get("text", ""))) > BUTTON_TEXT_MAX:
                errors.append(
                    f"[ERROR] must be less than {BUTTON_TEXT_MAX + 1} characters [json-pointer:{path}]"
                )


def block_errors(blocks: Any, limit: int = MESSAGE_BLOCKS_MAX) -> list[str]:
    """Everything Slack would object to in a `blocks` array; empty when it is fine."""
    if not isinstance(blocks, list):
        return ["[ERROR] blocks must be an array [json-pointer:/blocks]"]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(f"[ERROR] no more than {limit} items allowed [json-pointer:/blocks]")
    for i, raw in enumerate(blocks):
        path = f"/blocks/{i}"
        if not isinstance(raw, dict) or "type" not in raw:
            errors.append(f"[ERROR] missing required field: type [json-pointer:{path}]")
            continue
        try:
            parsed = Block.parse(raw)
            if parsed is None:
                errors.append(f"[ERROR] unsupported type: {raw['type']} [json-pointer:{path}/type]")
                continue
            parsed.validate_json()
        except (SlackObjectFormationError, TypeError, KeyError, ValueError, AttributeError) as e:
            errors.append(f"[ERROR] {e} [json-pointer:{path}]")
            continue
        sub_elements = getattr(parsed, "elements", None)
        if raw["type"] in ("actions", "context") and isinstance(sub_elements, list):
            for j, element in enumerate(sub_elements):
                if element is None:
                    errors.append(
                        f"[ERROR] unsupported element type [json-pointer:{path}/elements/{j}]"
                    )
        _check_lengths(raw, path, errors)
        _check_text_objects(raw, path, raw["type"], errors)
    return errors


def view_errors(view: Any) -> list[str]:
    """Everything Slack would object to in a `view` (modal or home tab)."""
    if not isinstance(view, dict):
        return ["[ERROR] view must be an object [json-pointer:/view]"]
    if view.get("type") not in ("modal", "home"):
        return ["[ERROR] must be one of modal, home [json-pointer:/view/type]"]
    errors: list[str] = []
    if view["type"] == "modal" and not view.get("title"):
        errors.append("[ERROR] missing required field: title [json-pointer:/view]")
    try:
        # Blocks are checked below with better messages; a placeholder keeps
        # slack_sdk from stopping at its own block-count rule first.
        fields = {k: v for k, v in view.items() if k != "blocks"}
        View(**fields, blocks=[{"type": "divider"}]).validate_json()
    except SlackObjectFormationError as e:
        errors.append(f"[ERROR] {e} [json-pointer:/view]")
    except (TypeError, ValueError, KeyError, AttributeError) as e:
        errors.append(f"[ERROR] {e} [json-pointer:/view]")
    errors.extend(block_errors(view.get("blocks", []), limit=MODAL_BLOCKS_MAX))
    return errors
