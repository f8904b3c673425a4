"""Story helpers: a workspace member who clicks, selects, types, submits and runs commands."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from . import envelopes, typed
from .socketmode import Ack

if TYPE_CHECKING:
    from .server import FakeSlack

SELECT_TYPES = {"static_select", "overflow", "radio_buttons", "checkboxes", "multi_static_select"}


def _plain(text_object: Any) -> str:
    return (
        str(text_object.get("text", ""))
        if isinstance(text_object, dict)
        else str(text_object or "")
    )


def _elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(block, element) for every interactive element in `blocks`."""
    for block in blocks:
        if block.get("type") == "actions":
            for element in block.get("elements", []):
                yield block, element
        for key in ("accessory", "element"):
            if isinstance(block.get(key), dict):
                yield block, block[key]


def _matches(option_or_button: dict[str, Any], wanted: str) -> bool:
    text = _plain(option_or_button.get("text")).strip().lower()
    return text == wanted.strip().lower() or option_or_button.get("value") == wanted


class Actor:
    """One user of the fake workspace; every method sends what Slack would send for it."""

    def __init__(self, slack: FakeSlack, user_id: str) -> None:
        self.slack = slack
        self.id = user_id
        self.ws = slack.workspace

    @property
    def dm_channel(self) -> str:
        return self.ws.open_dm(self.id)

    def __repr__(self) -> str:
        return f"<Actor {self.id}>"

    # ----- finding things to click

    def _candidates(
        self, message_ts: str | None, channel: str | None
    ) -> list[tuple[str, dict[str, Any]]]:
        channel_id = self.ws.resolve_channel(channel) if channel else self.dm_channel
        if channel_id is None:
            raise KeyError(f"no channel {channel!r}")
        messages = self.ws.snapshot(channel_id)
        if message_ts is not None:
            messages = [m for m in messages if m["ts"] == message_ts]
            if not messages:
                raise AssertionError(f"no message {message_ts} in {channel_id}")
        return [(channel_id, m) for m in reversed(messages)]

    def _find(
        self, wanted: str, kinds: set[str], message_ts: str | None, channel: str | None
    ) -> tuple[
        dict[str, Any], dict[str, Any], dict[str, Any] | None, str | None, dict[str, Any] | None
    ]:
        """(block, element, message, channel_id, view) of the newest element matching `wanted`."""
        places: list[tuple[str | None, dict[str, Any] | None, dict[str, Any] | None]] = [
            (cid, m, None) for cid, m in self._candidates(message_ts, channel)
        ]
        if message_ts is None and channel is None:
            ephemeral = [(m["channel"], m, None) for m in reversed(self.slack.ephemerals(self.id))]
            views = [
                (None, None, v) for v in (self.slack.open_view(self.id), self.slack.home(self.id))
            ]
            places += ephemeral + [p for p in views if p[2]]
        seen: list[str] = []
        for channel_id, message, view in places:
            blocks = (message or view or {}).get("blocks") or []
            for block, element in _elements(blocks):
                if element.get("type") not in kinds:
                    continue
                if element.get("type") == "button":
                    seen.append(_plain(element.get("text")))
                    if _matches(element, wanted):
                        return block, element, message, channel_id, view
                else:
                    for option in element.get("options", []):
                        seen.append(_plain(option.get("text")))
                        if _matches(option, wanted):
                            return block, {**element, "_option": option}, message, channel_id, view
        raise AssertionError(f"{self.id} sees nothing to pick called {wanted!r}; there is: {seen}")

    def _send_action(
        self,
        action: dict[str, Any],
        message: dict[str, Any] | None,
        channel_id: str | None,
        view: dict[str, Any] | None,
        wait: bool,
        timeout: float,
    ) -> Ack | str:
        trigger_id = self.slack.api.issue_trigger(self.id)
        if view is not None:
            payload = envelopes.block_actions(self.ws, self.id, action, trigger_id, view=view)
        else:
            assert message is not None and channel_id is not None
            response_url = self.slack.response_url(self.id, channel_id, message["ts"])
            payload = envelopes.block_actions(
                self.ws,
                self.id,
                action,
                trigger_id,
                channel_id=channel_id,
                message={k: v for k, v in message.items() if k != "channel"},
                response_url=response_url,
                is_ephemeral="channel" in message,
            )
        return self.slack.send_interaction(payload, self.id, wait, timeout)

    # ----- the story verbs

    def clicks(
        self,
        button_text: str,
        message_ts: str | None = None,
        channel: str | None = None,
        wait: bool = True,
        timeout: float = 5.0,
    ) -> Ack | str:
        """Click the newest button with this text (or value): DM, then ephemerals, modal, home tab.

        Returns the Ack record (or, with wait=False, the envelope_id).
        """
        block, element, message, channel_id, view = self._find(
            button_text, {"button"}, message_ts, channel
        )
        action = {
            "action_id": element.get("action_id", ""),
            "block_id": block.get("block_id", ""),
            "text": copy.deepcopy(element.get("text")),
            "type": "button",
            "action_ts": self.ws.next_ts(),
        }
        if "value" in element:
            action["value"] = element["value"]
        if "style" in element:
            action["style"] = element["style"]
        return self._send_action(action, message, channel_id, view, wait, timeout)

    def selects(
        self,
        option_text: str,
        message_ts: str | None = None,
        channel: str | None = None,
        wait: bool = True,
        timeout: float = 5.0,
    ) -> Ack | str:
        """Pick an option (static_select, overflow, radio_buttons, checkboxes) by its text or value."""
        block, element, message, channel_id, view = self._find(
            option_text, SELECT_TYPES, message_ts, channel
        )
        option = element.pop("_option")
        action: dict[str, Any] = {
            "action_id": element.get("action_id", ""),
            "block_id": block.get("block_id", ""),
            "type": element["type"],
            "action_ts": self.ws.next_ts(),
        }
        if element["type"] in ("checkboxes", "multi_static_select"):
            action["selected_options"] = [copy.deepcopy(option)]
        else:
            action["selected_option"] = copy.deepcopy(option)
        if element["type"] in ("static_select", "multi_static_select"):
            action["placeholder"] = copy.deepcopy(element.get("placeholder"))
        return self._send_action(action, message, channel_id, view, wait, timeout)

    def types(self, text: str, thread_ts: str | None = None) -> str:
        """Send a message in the user's DM with the bot (a message.im event); returns its event_id.

        `text` is what the person types; the event carries it encoded as Slack
        does (`&amp;`, `<https://…>`, `<@U001>` for a typed `@alice`: see typed.py).
        """
        channel_id = self.dm_channel
        encoded, blocks = typed.encode(self.ws, text)
        message: dict[str, Any] = {
            "client_msg_id": self.ws.next_id("m").lower(),
            "type": "message",
            "text": encoded,
            "user": self.id,
            "blocks": blocks,
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        stored = self.ws.post(channel_id, message)
        event = {
            k: v
            for k, v in copy.deepcopy(stored).items()
            if k not in ("reply_count", "latest_reply")
        }
        event.update({"channel": channel_id, "event_ts": stored["ts"], "channel_type": "im"})
        _, event_id = self.slack.send_event(event)
        return event_id

    def edits(self, ts: str, new_text: str) -> str:
        """Edit one of the user's DM messages (a message_changed event); returns its event_id."""
        channel_id = self.dm_channel
        with self.ws.lock:
            message = self.ws.find_message(channel_id, ts)
            if message is None or message.get("user") != self.id:
                raise AssertionError(f"{self.id} has no message {ts} in {channel_id} to edit")
            previous = copy.deepcopy(message)
            event_ts = self.ws.next_ts()
            message["text"], message["blocks"] = typed.encode(self.ws, new_text)
            message["blocks"][0]["block_id"] = previous.get("blocks", [{}])[0].get(
                "block_id", "edit"
            )
            message["edited"] = {"user": self.id, "ts": event_ts}
            current = copy.deepcopy(message)
        event = {
            "type": "message",
            "subtype": "message_changed",
            "message": current,
            "previous_message": previous,
            "channel": channel_id,
            "hidden": True,
            "ts": event_ts,
            "event_ts": event_ts,
            "channel_type": "im",
        }
        _, event_id = self.slack.send_event(event)
        return event_id

    def opens_home(self) -> str:
        """Open the app's Home tab (an app_home_opened event); returns its event_id."""
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": self.id,
            "channel": self.dm_channel,
            "tab": "home",
            "event_ts": self.ws.next_ts(),
        }
        view = self.slack.home(self.id)
        if view:
            event["view"] = view
        _, event_id = self.slack.send_event(event)
        return event_id

    def runs(
        self, command_line: str, channel: str | None = None, wait: bool = True, timeout: float = 5.0
    ) -> Ack | str:
        """Run a slash command ("/checkin report last week @alice") in the DM, or in `channel`.

        The text arrives as Slack sends it for a command with `should_escape`:
        `&<>` escaped, a typed `@alice` as `<@U001|alice>` (see typed.py).
        """
        command, _, text = command_line.strip().partition(" ")
        text = typed.command_text(self.ws, text.strip())
        channel_id = self.ws.resolve_channel(channel) if channel else self.dm_channel
        if channel_id is None:
            raise KeyError(f"no channel {channel!r}")
        payload = envelopes.slash_command(
            self.ws,
            self.id,
            channel_id,
            command,
            text.strip(),
            response_url=self.slack.response_url(self.id, channel_id),
            trigger_id=self.slack.api.issue_trigger(self.id),
        )
        return self.slack.send_command(payload, wait, timeout)

    def submits_modal(
        self, values: dict[str, Any] | None = None, wait: bool = True, timeout: float = 5.0
    ) -> Ack | str:
        """Submit the modal on top of this user's stack.

        `values` maps a block_id, an action_id or an input's label text to a
        value: a string for text/number inputs, an option's text or value for
        selects and radio buttons, a list of those for checkboxes and
        multi-selects, or {action_id: value} for a block with several elements.
        """
        view = self.slack.open_view(self.id)
        if view is None:
            raise AssertionError(f"{self.id} has no open modal to submit")
        view["state"] = {"values": self._state_values(view, values or {})}
        payload = envelopes.view_submission(
            self.ws, self.id, view, self.slack.api.issue_trigger(self.id)
        )
        return self.slack.send_interaction(payload, self.id, wait, timeout)

    def closes_modal(self, wait: bool = True, timeout: float = 5.0) -> Ack | str | None:
        """Close the top modal; a view_closed payload is sent only if the view asked for it (notify_on_close)."""
        view = self.slack.open_view(self.id)
        if view is None:
            raise AssertionError(f"{self.id} has no open modal to close")
        with self.ws.lock:
            stack = self.ws.view_stack.get(self.id, [])
            if view["id"] in stack:
                stack.remove(view["id"])
        if not view.get("notify_on_close"):
            return None
        payload = envelopes.view_closed(self.ws, self.id, view)
        return self.slack.send_interaction(payload, self.id, wait, timeout)

    def _state_values(
        self, view: dict[str, Any], values: dict[str, Any]
    ) -> dict[str, dict[str, Any]]:
        state: dict[str, dict[str, Any]] = {}
        used: set[str] = set()
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            element = block["element"]
            block_id, action_id = block["block_id"], element["action_id"]
            label = _plain(block.get("label"))
            value: Any = None
            for key in (block_id, action_id, label):
                if key in values:
                    value = values[key]
                    used.add(key)
                    break
            if isinstance(value, dict) and action_id in value:
                value = value[action_id]
            state[block_id] = {action_id: _element_state(element, value)}
        unknown = set(values) - used
        if unknown:
            labels = [
                _plain(b.get("label")) for b in view.get("blocks", []) if b.get("type") == "input"
            ]
            raise AssertionError(
                f"modal has no input {sorted(unknown)}; its inputs are labelled {labels}"
            )
        return state


def _find_option(element: dict[str, Any], wanted: Any) -> dict[str, Any]:
    for option in element.get("options", []):
        if _matches(option, str(wanted)):
            return copy.deepcopy(option)
    texts = [_plain(o.get("text")) for o in element.get("options", [])]
    raise AssertionError(f"no option {wanted!r} in {element.get('action_id')}; options are {texts}")


def _element_state(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """One element's entry in view.state.values, as Slack fills it in."""
    kind = element["type"]
    state: dict[str, Any] = {"type": kind}
    if kind in ("static_select", "radio_buttons", "external_select"):
        state["selected_option"] = _find_option(element, value) if value is not None else None
    elif kind in ("checkboxes", "multi_static_select"):
        items = value if isinstance(value, list) else ([] if value is None else [value])
        state["selected_options"] = [_find_option(element, v) for v in items]
    elif kind == "datepicker":
        state["selected_date"] = value
    elif kind == "timepicker":
        state["selected_time"] = value
    elif kind == "users_select":
        state["selected_user"] = value
    elif kind == "multi_users_select":
        state["selected_users"] = value or []
    elif kind == "conversations_select":
        state["selected_conversation"] = value
    elif kind == "channels_select":
        state["selected_channel"] = value
    else:
        state["value"] = None if value is None else str(value)
    return state
