"""The Web API methods: arguments checked, errors and shapes as Slack's reference pages give them."""

from __future__ import annotations

import base64
import copy
import json
import math
import mimetypes
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import scopes
from .validation import MESSAGE_TEXT_MAX, block_errors, view_errors

if TYPE_CHECKING:
    from .server import FakeSlack

TRIGGER_LIFETIME = 3.0


class SlackError(Exception):
    """An `{"ok": false}` answer; `status` other than 200 for 429s and server errors."""

    def __init__(
        self,
        error: str,
        status: int = 200,
        messages: list[str] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(error)
        self.extra = extra or {}
        self.error = error
        self.status = status
        self.messages = messages or []
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error, **self.extra}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


def missing(name: str) -> SlackError:
    return SlackError("invalid_arguments", messages=[f"[ERROR] missing required field: {name}"])


@dataclass
class Call:
    """One request the app made: method, arguments, and what it got back."""

    method: str
    args: dict[str, Any]
    status: int
    response: dict[str, Any]
    at: float  # when it was answered
    admitted_at: float | None = None  # when a rate limit on its method let it through

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))


RESET = -1  # the status `handle` gives when the connection is to be cut without an answer


@dataclass
class Fault:
    method: str
    error: str | int  # a Slack error, "ratelimited", an HTTP status, "timeout" or "reset"
    times: int
    retry_after: int = 1
    applied: bool = False  # the call is carried out first, then the failure answered
    hang: float = 2.0  # "timeout": seconds before the (too late) answer
    match: dict[str, str] | None = None  # only calls with these arguments (channel, users…)


@dataclass
class RateLimit:
    limit: int
    window: float
    retry_after: int | None = None
    seen: deque[float] = field(default_factory=deque)


@dataclass
class Trigger:
    user_id: str
    issued_at: float
    used: bool = False


def _json_arg(args: dict[str, Any], key: str) -> Any:
    value = args.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as e:
            raise SlackError(
                f"invalid_{key}" if key in ("blocks",) else "invalid_arguments",
                messages=[f"[ERROR] {key} is not valid JSON: {e}"],
            ) from None
    return value


def _bool_arg(args: dict[str, Any], key: str) -> bool:
    value = args.get(key)
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def _int_arg(args: dict[str, Any], key: str, default: int) -> int:
    value = args.get(key)
    if value in (None, ""):
        return default
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SlackError(
            "invalid_arguments", messages=[f"[ERROR] {key} must be an integer"]
        ) from None


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        kind, _, value = base64.b64decode(cursor.encode()).decode().partition(":")
        if kind != "offset":
            raise ValueError(cursor)
        return int(value)
    except ValueError:
        raise SlackError("invalid_cursor") from None


def page(items: list[Any], args: dict[str, Any], default_limit: int) -> tuple[list[Any], str]:
    """One page of items and the next cursor ("" when this was the last page)."""
    limit = _int_arg(args, "limit", default_limit) or len(items) or 1
    start = decode_cursor(args.get("cursor"))
    chunk = items[start : start + limit]
    next_cursor = encode_cursor(start + limit) if start + limit < len(items) else ""
    return chunk, next_cursor


class WebApi:
    """Dispatches `/api/<method>` requests to handlers, with auth, faults and rate limits."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.ws = fake.workspace
        self.lock = threading.RLock()
        self.log: list[Call] = []
        self.stopping = threading.Event()  # set by FakeSlack.stop: hung answers end
        self.started: list[str] = []  # methods as calls arrive (`log` has them once answered)
        self.faults: list[Fault] = []
        self.limits: dict[str, RateLimit] = {}
        self.triggers: dict[str, Trigger] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        self.methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "api.test": lambda args: {"args": args},
            "auth.test": self.auth_test,
            "apps.connections.open": self.apps_connections_open,
            "team.info": self.team_info,
            "users.info": self.users_info,
            "users.list": self.users_list,
            "conversations.open": self.conversations_open,
            "conversations.info": self.conversations_info,
            "conversations.members": self.conversations_members,
            "conversations.list": self.conversations_list,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.delete": self.chat_delete,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
            "files.getUploadURLExternal": self.files_get_upload_url,
            "files.completeUploadExternal": self.files_complete_upload,
        }

    # ----- dispatch

    def handle(
        self, method: str, args: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Answer one call: (HTTP status, JSON body, extra headers). Records it."""
        with self.lock:
            self.started.append(method)
        headers: dict[str, str] = {}
        admitted = None
        try:
            if method not in self.methods:
                raise SlackError("unknown_method")
            if method != "api.test":
                self._authenticate(method, token)
                self._check_scope(method, args)
            fault = self._scripted_fault(method, args)
            if fault is not None and not fault.applied:
                self._raise(fault)
            admitted = self._rate_limit(method)
            body = {"ok": True, **self.methods[method](args)}
            status = 200
            if fault is not None:
                self._raise(fault)
        except SlackError as e:
            status, body, headers = e.status, e.body(), e.headers
        with self.lock:
            self.log.append(
                Call(method, args, status, copy.deepcopy(body), self.fake.clock(), admitted)
            )
        return status, body, headers

    def _authenticate(self, method: str, token: str | None) -> None:
        if not token:
            raise SlackError("not_authed")
        if method == "apps.connections.open":
            if token == self.fake.bot_token:
                raise SlackError("not_allowed_token_type")
            if token != self.fake.app_token:
                raise SlackError("invalid_auth")
            return
        if token == self.fake.app_token:
            raise SlackError("not_allowed_token_type")
        if token != self.fake.bot_token:
            raise SlackError("invalid_auth")

    def _check_scope(self, method: str, args: dict[str, Any]) -> None:
        needed = scopes.missing(method, args, self.ws, self.fake.scopes)
        if needed:
            raise SlackError(
                "missing_scope",
                extra={"needed": needed, "provided": ",".join(sorted(self.fake.scopes))},
            )

    def _scripted_fault(self, method: str, args: dict[str, Any]) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.match and any(str(args.get(k)) != v for k, v in fault.match.items()):
                    continue
                if fault.method == method and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def _raise(self, fault: Fault) -> None:
        if isinstance(fault.error, int):
            raise SlackError("internal_error", status=fault.error)
        if fault.error == "ratelimited":
            raise SlackError(
                "ratelimited", status=429, headers={"Retry-After": str(fault.retry_after)}
            )
        if fault.error == "timeout":
            self.stopping.wait(fault.hang)  # the client has given up by now
            raise SlackError("internal_error", status=504)
        if fault.error == "reset":
            raise SlackError("connection_reset", status=RESET)
        raise SlackError(fault.error)

    def _rate_limit(self, method: str) -> float | None:
        """When the call was let through its method's limit (None: the method has none)."""
        with self.lock:
            rule = self.limits.get(method)
            if rule is None:
                return None
            now = self.fake.clock()
            while rule.seen and now - rule.seen[0] >= rule.window:
                rule.seen.popleft()
            if len(rule.seen) >= rule.limit:
                wait = rule.retry_after or max(1, math.ceil(rule.window - (now - rule.seen[0])))
                raise SlackError("ratelimited", status=429, headers={"Retry-After": str(wait)})
            rule.seen.append(now)
            return now

    # ----- shared checks

    def _channel(self, args: dict[str, Any], key: str = "channel") -> str:
        ref = args.get(key)
        if not ref:
            raise SlackError("channel_not_found")
        if ref in self.ws.users and self.ws.users[ref].get("deleted"):
            raise SlackError("user_disabled")
        channel_id = self.ws.resolve_channel(str(ref))
        if channel_id is None:
            raise SlackError("channel_not_found")
        return channel_id

    def _content(self, args: dict[str, Any], required: bool = True) -> dict[str, Any]:
        """text / blocks / attachments of a message, checked as chat.postMessage does."""
        content: dict[str, Any] = {}
        text = args.get("text")
        blocks = _json_arg(args, "blocks")
        attachments = _json_arg(args, "attachments")
        if required and not text and not blocks and not attachments:
            raise SlackError("no_text")
        if text is not None:
            if len(str(text)) > MESSAGE_TEXT_MAX:
                raise SlackError("msg_too_long")
            content["text"] = str(text)
        if blocks is not None:
            errors = block_errors(blocks)
            if errors:
                raise SlackError("invalid_blocks", messages=errors)
            # Slack gives every block without a block_id a generated one.
            content["blocks"] = [
                {**b, "block_id": b.get("block_id") or self.ws.next_id("")[-5:]} for b in blocks
            ]
        if attachments is not None:
            content["attachments"] = attachments
        return content

    def _bot_message(self, content: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "message",
            "user": self.ws.bot_user_id,
            "bot_id": self.ws.bot_id,
            "app_id": self.ws.app_id,
            "text": content.get("text", ""),
            **{k: v for k, v in content.items() if k != "text"},
        }

    def issue_trigger(self, user_id: str) -> str:
        """A trigger_id as an interaction hands one out: usable once, for 3 seconds."""
        with self.lock:
            n = len(self.triggers) + 1
            trigger_id = f"{n}.{1000 + n}.{(n * 2654435761) % 16**12:012x}"
            self.triggers[trigger_id] = Trigger(user_id, self.fake.clock())
            return trigger_id

    def _use_trigger(self, args: dict[str, Any]) -> str:
        trigger_id = args.get("trigger_id")
        if not trigger_id:
            raise missing("trigger_id")
        with self.lock:
            trigger = self.triggers.get(str(trigger_id))
            if trigger is None:
                raise SlackError("invalid_trigger_id")
            if trigger.used:
                raise SlackError("exchanged_trigger_id")
            if self.fake.clock() - trigger.issued_at > TRIGGER_LIFETIME:
                raise SlackError("expired_trigger_id")
            trigger.used = True
            return trigger.user_id

    # ----- auth, team, users

    def auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.ws.team['domain']}.slack.com/",
            "team": self.ws.team["name"],
            "user": self.ws.bot_name,
            "team_id": self.ws.team["id"],
            "user_id": self.ws.bot_user_id,
            "bot_id": self.ws.bot_id,
            "is_enterprise_install": False,
        }

    def apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.fake.socket.new_url()}

    def team_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"team": copy.deepcopy(self.ws.team)}

    def users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user")
        if not user_id:
            raise missing("user")
        with self.ws.lock:
            if user_id not in self.ws.users:
                raise SlackError("user_not_found")
            return {"user": copy.deepcopy(self.ws.users[user_id])}

    def users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        with self.ws.lock:
            users = copy.deepcopy(list(self.ws.users.values()))
        members, next_cursor = page(users, args, default_limit=0)
        return {
            "members": members,
            "cache_ts": self.ws._epoch,
            "response_metadata": {"next_cursor": next_cursor},
        }

    # ----- conversations

    def conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            channel_id = self._channel(args)
            return {"channel": {"id": channel_id}}
        users = args.get("users")
        if not users:
            raise SlackError("users_list_not_supplied")
        ids = (
            users
            if isinstance(users, list)
            else [u.strip() for u in str(users).split(",") if u.strip()]
        )
        if len(ids) != 1:
            raise SlackError(
                "invalid_arguments", messages=["[ERROR] only one user (a DM) is supported here"]
            )
        user_id = ids[0]
        with self.ws.lock:
            user = self.ws.users.get(user_id)
            if user is None:
                raise SlackError("user_not_found")
            if user.get("deleted"):
                raise SlackError("user_disabled")
            if user.get("is_bot"):
                raise SlackError("cannot_dm_bot")
            existed = user_id in self.ws.dm_by_user
            dm_id = self.ws.open_dm(user_id)
            channel = copy.deepcopy(self.ws.channels[dm_id])
        result: dict[str, Any] = {
            "channel": channel if _bool_arg(args, "return_im") else {"id": dm_id}
        }
        if existed:
            result["already_open"] = True
            result["no_op"] = True
        return result

    def _readable(self, channel_id: str) -> None:
        """A bot reads a channel it is in; a public one it is not in answers `not_in_channel`,
        a private one does not exist for it (`channel_not_found`), as in Slack."""
        with self.ws.lock:
            info = self.ws.channels[channel_id]
            if info.get("is_im") or self.ws.is_member(channel_id, self.ws.bot_user_id):
                return
        raise SlackError("channel_not_found" if info.get("is_private") else "not_in_channel")

    def _visible(self, channel_id: str) -> bool:
        """A private channel exists for the bot only while it is a member."""
        with self.ws.lock:
            info = self.ws.channels[channel_id]
            return not info.get("is_private") or self.ws.is_member(channel_id, self.ws.bot_user_id)

    def _channel_info(self, channel_id: str) -> dict[str, Any]:
        with self.ws.lock:
            info = copy.deepcopy(self.ws.channels[channel_id])
            members = self.ws.members.get(channel_id, [])
            if not info.get("is_im"):
                info["is_member"] = self.ws.bot_user_id in members
                info["num_members"] = len(members)
            return info

    def conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            raise missing("channel")
        channel_id = self.ws.resolve_channel(str(args["channel"]))
        if channel_id is None or str(args["channel"]).startswith("U"):
            raise SlackError("channel_not_found")
        if not self._visible(channel_id):
            raise SlackError("channel_not_found")
        return {"channel": self._channel_info(channel_id)}

    def conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            raise missing("channel")
        channel_id = self.ws.resolve_channel(str(args["channel"]))
        if channel_id is None or not self._visible(channel_id):
            raise SlackError("channel_not_found")
        with self.ws.lock:
            members = list(self.ws.members[channel_id])
        chunk, next_cursor = page(members, args, default_limit=100)
        return {"members": chunk, "response_metadata": {"next_cursor": next_cursor}}

    def conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        types = str(args.get("types") or "public_channel").split(",")
        exclude_archived = _bool_arg(args, "exclude_archived")
        with self.ws.lock:
            ids = list(self.ws.channels)
        chosen = []
        for cid in ids:
            info = self._channel_info(cid)
            kind = (
                "im"
                if info.get("is_im")
                else "private_channel"
                if info.get("is_private")
                else "public_channel"
            )
            if (
                kind in types
                and not (exclude_archived and info.get("is_archived"))
                and self._visible(cid)
            ):
                chosen.append(info)
        chunk, next_cursor = page(chosen, args, default_limit=100)
        return {"channels": chunk, "response_metadata": {"next_cursor": next_cursor}}

    def conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._channel(args)
        self._readable(channel_id)
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or "inf")
        with_metadata = _bool_arg(args, "include_all_metadata")
        messages = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
            for m in reversed(self.ws.snapshot(channel_id))
            if (m.get("thread_ts", m["ts"]) == m["ts"] or m.get("subtype") == "thread_broadcast")
            and oldest <= float(m["ts"]) <= latest
        ]
        chunk, next_cursor = page(messages, args, default_limit=100)
        return {
            "messages": chunk,
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._channel(args)
        self._readable(channel_id)
        ts = args.get("ts")
        if not ts:
            raise missing("ts")
        with_metadata = _bool_arg(args, "include_all_metadata")
        thread = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
            for m in self.ws.snapshot(channel_id)
            if m["ts"] == ts or m.get("thread_ts") == ts
        ]
        if not thread:
            raise SlackError("thread_not_found")
        chunk, next_cursor = page(thread, args, default_limit=1000)
        return {
            "messages": chunk,
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    # ----- chat

    def _postable(self, args: dict[str, Any]) -> str:
        channel_id = self._channel(args)
        with self.ws.lock:
            info = self.ws.channels[channel_id]
            if info.get("is_archived"):
                raise SlackError("is_archived")
            if self.ws.bot_user_id not in self.ws.members.get(channel_id, []):
                raise SlackError("not_in_channel")
        return channel_id

    def chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._postable(args)
        content = self._content(args)
        message = self._bot_message(content)
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
            if _bool_arg(args, "reply_broadcast"):
                message["subtype"] = "thread_broadcast"  # the reply shows in the channel too
        if args.get("metadata"):
            message["metadata"] = _json_arg(args, "metadata")
        stored = self.ws.post(channel_id, message)
        self.fake._echo(channel_id, stored)
        return {"channel": channel_id, "ts": stored["ts"], "message": copy.deepcopy(stored)}

    def chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._channel(args)
        ts = args.get("ts")
        if not ts:
            raise SlackError("message_not_found")
        content = self._content(args, required=False)
        with self.ws.lock:
            message = self.ws.find_message(channel_id, str(ts))
            if message is None:
                raise SlackError("message_not_found")
            if message.get("bot_id") != self.ws.bot_id:
                raise SlackError("cant_update_message")
            message.update(content)
            message["edited"] = {"user": self.ws.bot_user_id, "ts": self.ws.next_ts()}
            text = message.get("text", "")
            updated = copy.deepcopy(message)
        return {"channel": channel_id, "ts": str(ts), "text": text, "message": updated}

    def chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._channel(args)
        ts = args.get("ts")
        if not ts:
            raise SlackError("message_not_found")
        with self.ws.lock:
            message = self.ws.find_message(channel_id, str(ts))
            if message is None:
                raise SlackError("message_not_found")
            if message.get("bot_id") != self.ws.bot_id:
                raise SlackError("cant_delete_message")
            self.ws.history[channel_id].remove(message)
        return {"channel": channel_id, "ts": str(ts)}

    def chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._postable(args)
        user_id = args.get("user")
        if not user_id:
            raise SlackError("user_not_found")
        content = self._content(args)
        with self.ws.lock:
            if user_id not in self.ws.users:
                raise SlackError("user_not_found")
            if user_id not in self.ws.members.get(channel_id, []):
                raise SlackError("user_not_in_channel")
            message = self._bot_message(content)
            message.update({"ts": self.ws.next_ts(), "channel": channel_id})
            if args.get("thread_ts"):
                message["thread_ts"] = str(args["thread_ts"])
            self.ws.ephemeral.setdefault(str(user_id), []).append(message)
        return {"message_ts": message["ts"]}

    # ----- views

    def _view_arg(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("view") in (None, ""):
            raise missing("view")
        view = _json_arg(args, "view")
        errors = view_errors(view)
        if errors:
            raise SlackError("invalid_arguments", messages=errors)
        return view

    def _store_view(
        self, view: dict[str, Any], owner: str, view_id: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        with self.ws.lock:
            view_id = view_id or self.ws.next_id("V")
            blocks = copy.deepcopy(view.get("blocks", []))
            for block in blocks:
                block.setdefault("block_id", self.ws.next_id("b")[-6:].lower())
                element = block.get("element") or block.get("accessory")
                if isinstance(element, dict):
                    element.setdefault("action_id", self.ws.next_id("a")[-5:].lower())
                for el in block.get("elements", []) if block.get("type") == "actions" else []:
                    el.setdefault("action_id", self.ws.next_id("a")[-5:].lower())
            stored = {
                "id": view_id,
                "team_id": self.ws.team["id"],
                "type": view["type"],
                "title": view.get("title"),
                "submit": view.get("submit"),
                "close": view.get("close"),
                "blocks": blocks,
                "private_metadata": view.get("private_metadata", ""),
                "callback_id": view.get("callback_id", ""),
                "external_id": view.get("external_id", ""),
                "state": {"values": {}},
                "hash": self.ws.next_ts().replace(".", "") + "." + view_id[-4:],
                "clear_on_close": bool(view.get("clear_on_close", False)),
                "notify_on_close": bool(view.get("notify_on_close", False)),
                "root_view_id": view_id,
                "previous_view_id": None,
                "app_id": self.ws.app_id,
                "app_installed_team_id": self.ws.team["id"],
                "bot_id": self.ws.bot_id,
                **extra,
            }
            stored = {k: v for k, v in stored.items() if v is not None or k == "previous_view_id"}
            self.ws.views[view_id] = stored
            self.ws.view_owner[view_id] = owner
            return copy.deepcopy(stored)

    def views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args)
        user_id = self._use_trigger(args)
        stored = self._store_view(view, user_id)
        with self.ws.lock:
            self.ws.view_stack[user_id] = [stored["id"]]
        return {"view": stored}

    def views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args)
        user_id = self._use_trigger(args)
        with self.ws.lock:
            stack = self.ws.view_stack.setdefault(user_id, [])
            if len(stack) >= 3:
                raise SlackError("push_limit_reached")
            root = stack[0] if stack else None
            stored = self._store_view(view, user_id, root_view_id=root)
            stack.append(stored["id"])
        return {"view": stored}

    def views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args)
        view_id, external_id = args.get("view_id"), args.get("external_id")
        if not view_id and not external_id:
            raise missing("view_id")
        with self.ws.lock:
            if not view_id:
                view_id = next(
                    (
                        v["id"]
                        for v in self.ws.views.values()
                        if v.get("external_id") == external_id
                    ),
                    None,
                )
            current = self.ws.views.get(str(view_id)) if view_id else None
            if current is None:
                raise SlackError("not_found")
            if args.get("hash") and args["hash"] != current["hash"]:
                raise SlackError("hash_conflict")
            stored = self._store_view(
                view,
                self.ws.view_owner[current["id"]],
                view_id=current["id"],
                root_view_id=current["root_view_id"],
            )
        return {"view": stored}

    def views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args)
        user_id = args.get("user_id")
        if not user_id:
            raise missing("user_id")
        if view["type"] != "home":
            raise SlackError(
                "invalid_arguments", messages=["[ERROR] must be home [json-pointer:/view/type]"]
            )
        with self.ws.lock:
            if user_id not in self.ws.users:
                raise SlackError("user_not_found")
            previous = self.ws.home.get(str(user_id))
            if args.get("hash") and previous and args["hash"] != previous["hash"]:
                raise SlackError("hash_conflict")
            stored = self._store_view(
                view, str(user_id), view_id=previous["id"] if previous else None
            )
            self.ws.home[str(user_id)] = stored
        return {"view": stored}

    # ----- files

    def files_get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename"):
            raise missing("filename")
        if args.get("length") in (None, ""):
            raise missing("length")
        length = _int_arg(args, "length", 0)
        file_id = self.ws.next_id("F")
        with self.lock:
            self.uploads[file_id] = {
                "id": file_id,
                "name": str(args["filename"]),
                "length": length,
                "alt_txt": args.get("alt_txt"),
                "data": None,
            }
        return {"upload_url": f"{self.fake.base_url}/upload/{file_id}", "file_id": file_id}

    def receive_upload(self, file_id: str, data: bytes) -> bool:
        """The upload URL's side: store the raw bytes POSTed to it."""
        with self.lock:
            upload = self.uploads.get(file_id)
            if upload is None:
                return False
            upload["data"] = data
            return True

    def files_complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("files") in (None, ""):
            raise missing("files")
        entries = _json_arg(args, "files")
        if not isinstance(entries, list) or not entries:
            raise SlackError(
                "invalid_arguments", messages=["[ERROR] files must be a non-empty array"]
            )
        channel_id = None
        if args.get("channel_id") or args.get("channels"):
            ref = args.get("channel_id") or str(args["channels"]).split(",")[0]
            channel_id = self._postable({"channel": ref})
        files = []
        with self.lock:
            for entry in entries:
                upload = self.uploads.get(entry.get("id", ""))
                if upload is None or upload["data"] is None:
                    raise SlackError("file_not_found")
                if len(upload["data"]) != upload["length"]:
                    raise SlackError("file_upload_size_mismatch")
                name = upload["name"]
                mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
                file = {
                    "id": upload["id"],
                    "created": self.ws._epoch,
                    "timestamp": self.ws._epoch,
                    "name": name,
                    "title": entry.get("title") or name,
                    "mimetype": mimetype,
                    "filetype": name.rsplit(".", 1)[-1] if "." in name else "binary",
                    "user": self.ws.bot_user_id,
                    "size": len(upload["data"]),
                    "url_private": f"{self.fake.base_url}/files/{upload['id']}/{name}",
                    "channels": [channel_id] if channel_id and channel_id.startswith("C") else [],
                    "ims": [channel_id] if channel_id and channel_id.startswith("D") else [],
                }
                if upload.get("alt_txt"):
                    file["alt_txt"] = upload["alt_txt"]
                with self.ws.lock:
                    self.ws.files[file["id"]] = {**file, "data": upload["data"]}
                files.append(file)
        if channel_id:
            message = self._bot_message({"text": str(args.get("initial_comment") or "")})
            message.update({"files": copy.deepcopy(files), "upload": True})
            if args.get("thread_ts"):
                message["thread_ts"] = str(args["thread_ts"])
            stored = self.ws.post(channel_id, message)
            self.fake._echo(channel_id, stored)
        return {"files": [{"id": f["id"], "title": f["title"]} for f in files]}
