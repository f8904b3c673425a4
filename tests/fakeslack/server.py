"""FakeSlack: the Web API and Socket Mode on one 127.0.0.1 port, in a background thread."""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from checkin.manifest import BOT_SCOPES

from . import envelopes
from .socketmode import Ack, SocketMode
from .webapi import RESET, Fault, RateLimit, WebApi
from .workspace import Workspace

RESPONSE_URL_USES = 5
RESPONSE_URL_LIFETIME = 30 * 60


@dataclass
class Response:
    """One POST the app made to a response_url."""

    user_id: str
    channel_id: str | None
    body: dict[str, Any]
    status: int


@dataclass
class _ResponseUrl:
    user_id: str
    channel_id: str | None
    message_ts: str | None
    issued_at: float
    uses: int = 0


class FakeSlack:
    """A Slack workspace the real slack_sdk / slack_bolt code can talk to.

    `start()` serves `api_url` (Web API), the Socket Mode websocket, upload
    URLs and response_urls; `clock` drives trigger_id expiry, the ack deadline
    and rate-limit windows so a test can control them. The bot token has
    `scopes` (default: the app manifest's); a call needing another answers
    missing_scope.
    """

    def __init__(
        self,
        workspace: Workspace | None = None,
        *,
        bot_token: str = "xoxb-test-bot",
        app_token: str = "xapp-test-app",
        clock: Callable[[], float] = time.monotonic,
        ack_timeout: float = 3.0,
        max_retries: int = 3,
        disconnect_grace: float = 1.0,
        echo_bot_messages: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        scopes: Iterable[str] | None = None,
    ) -> None:
        self.workspace = workspace or Workspace.demo()
        self.bot_token = bot_token
        self.app_token = app_token
        self.clock = clock
        self.ack_timeout = ack_timeout
        self.max_retries = max_retries
        self.disconnect_grace = disconnect_grace
        self.echo_bot_messages = echo_bot_messages
        self.host = host
        self.port = port
        self.scopes = frozenset(BOT_SCOPES if scopes is None else scopes)
        self.api = WebApi(self)
        self.socket = SocketMode(self)
        self.responses: list[Response] = []
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._event_ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    # ----- lifecycle

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """What `WebClient(base_url=...)` and SLACK_API_URL take."""
        return f"{self.base_url}/api/"

    def start(self) -> FakeSlack:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self.socket.loop = self._loop
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(sock, ready), name="fakeslack", daemon=True
        )
        self._thread.start()
        if not ready.wait(5):
            raise RuntimeError("fake Slack did not start within 5 s")
        return self

    def _serve(self, sock: socket.socket, ready: threading.Event) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)

        async def setup() -> None:
            self._runner = web.AppRunner(
                self._app(), access_log=None, handle_signals=False, shutdown_timeout=0.1
            )
            await self._runner.setup()
            await web.SockSite(self._runner, sock).start()
            self._ticker = asyncio.ensure_future(self.socket.tick())

        self._loop.run_until_complete(setup())
        ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        self.api.stopping.set()
        if self._loop is None or self._thread is None:
            return

        async def shutdown() -> None:
            self._ticker.cancel()
            await self.socket.close_all()
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
        self._loop = None
        self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----- HTTP

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_get("/socket-mode", self.socket.handle)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        app.router.add_get("/files/{file_id}/{name}", self._handle_file)
        app.router.add_post("/response/{key}", self._handle_response)
        app.router.add_get("/", self._handle_index)
        return app

    async def _handle_api(self, request: web.Request) -> web.Response:
        args: dict[str, Any] = dict(request.query)
        raw = await request.read()
        if raw:
            if request.content_type == "application/json":
                try:
                    body = json.loads(raw)
                except ValueError:
                    return web.json_response({"ok": False, "error": "invalid_json"})
                if isinstance(body, dict):
                    args.update(body)
            else:
                args.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        token = None
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        token = args.pop("token", None) or token
        method = request.match_info["method"]
        status, body, headers = await asyncio.to_thread(self.api.handle, method, args, token)
        if status == RESET:  # a connection reset: no answer at all
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        return web.json_response(body, status=status, headers=headers)

    async def _handle_upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        if not self.api.receive_upload(request.match_info["file_id"], data):
            return web.Response(status=404, text="file not found")
        return web.Response(text=f"OK - {len(data)}")

    async def _handle_file(self, request: web.Request) -> web.Response:
        file = self.workspace.files.get(request.match_info["file_id"])
        if file is None:
            return web.Response(status=404)
        return web.Response(body=file["data"], content_type=file["mimetype"])

    async def _handle_index(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "ok": True,
                "api_url": self.api_url,
                "connections": self.socket.live_count(),
                "team": self.workspace.team,
            }
        )

    async def _handle_response(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            form = dict(parse_qsl(raw.decode("utf-8")))
            body = json.loads(form.get("payload", "{}"))
        status, answer = self._apply_response(request.match_info["key"], body)
        return web.json_response(answer, status=status)

    # ----- response_url

    def response_url(
        self, user_id: str, channel_id: str | None, message_ts: str | None = None
    ) -> str:
        key = uuid.uuid4().hex
        self._response_urls[key] = _ResponseUrl(user_id, channel_id, message_ts, self.clock())
        return f"{self.base_url}/response/{key}"

    def _apply_response(self, key: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Do what Slack does with a response_url post: replace, delete, post or show ephemerally."""
        ws = self.workspace
        with ws.lock:
            entry = self._response_urls.get(key)
            if entry is None:
                return 404, {"ok": False, "error": "no_such_url"}
            if (
                entry.uses >= RESPONSE_URL_USES
                or self.clock() - entry.issued_at > RESPONSE_URL_LIFETIME
            ):
                self.responses.append(Response(entry.user_id, entry.channel_id, body, 404))
                return 404, {"ok": False, "error": "used_url"}
            entry.uses += 1
            self.responses.append(Response(entry.user_id, entry.channel_id, body, 200))
            content = {k: body[k] for k in ("text", "blocks", "attachments") if k in body}
            channel_id, ts = entry.channel_id, entry.message_ts
            if body.get("delete_original") and channel_id and ts:
                message = ws.find_message(channel_id, ts)
                if message is not None:
                    ws.history[channel_id].remove(message)
            elif body.get("replace_original") and channel_id and ts:
                message = ws.find_message(channel_id, ts)
                if message is not None:
                    message.pop("blocks", None)
                    message.update(content)
            elif body.get("response_type") == "in_channel" and channel_id:
                message = self.api._bot_message(content)
                if body.get("thread_ts"):
                    message["thread_ts"] = body["thread_ts"]
                ws.post(channel_id, message)
            else:
                message = self.api._bot_message(content)
                message.update({"ts": ws.next_ts(), "channel": channel_id})
                ws.ephemeral.setdefault(entry.user_id, []).append(message)
        return 200, {"ok": True}

    # ----- scripting faults and limits

    def fail(
        self,
        method: str,
        error: str | int = "ratelimited",
        times: int = 1,
        retry_after: int = 1,
        *,
        applied: bool = False,
        hang: float = 2.0,
        match: dict[str, str] | None = None,
    ) -> None:
        """Make the next `times` calls of `method` fail.

        `error` is a Slack error code ("channel_not_found", "user_disabled"…),
        "ratelimited" (HTTP 429 with Retry-After), an HTTP status such as 500,
        "timeout" (the answer comes `hang` seconds late, after the client gave
        up; set the client's timeout below it) or "reset" (the connection is
        cut without an answer). With `applied`, Slack did the call before
        failing: a post is in the channel although the caller saw an error.
        `match` limits the fault to calls with these arguments, e.g.
        `{"channel": "D001"}` or `{"users": "U001"}`.
        """
        with self.api.lock:
            self.api.faults.append(Fault(method, error, times, retry_after, applied, hang, match))

    def rate_limit(
        self,
        method: str,
        per_second: int | None = None,
        per_minute: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer 429 once `method` is called more often than this (clock-based window).

        Neither `per_second` nor `per_minute` removes the limit.
        """
        with self.api.lock:
            if per_second is not None:
                self.api.limits[method] = RateLimit(per_second, 1.0, retry_after)
            elif per_minute is not None:
                self.api.limits[method] = RateLimit(per_minute, 60.0, retry_after)
            else:
                self.api.limits.pop(method, None)

    # ----- Socket Mode control

    def disconnect(self, reason: str = "refresh_requested") -> int:
        """Send `{"type": "disconnect"}` to every open connection; they close `disconnect_grace` s later."""
        return self.socket.disconnect(reason)

    def drop_connections(self) -> int:
        """Close every websocket's TCP connection abruptly, without a close frame."""
        return self.socket.drop()

    @property
    def connections(self) -> int:
        """Open connections that still receive envelopes."""
        return self.socket.live_count()

    def wait_for_connection(self, count: int = 1, timeout: float = 5.0) -> None:
        self.wait_until(
            lambda: self.connections >= count, timeout, f"{count} Socket Mode connection(s)"
        )

    def send_envelope(
        self, raw: dict[str, Any], on_ack: Callable[[Ack], None] | None = None
    ) -> str:
        """Send anything over the websocket (malformed envelopes included); returns its envelope_id."""
        return self.socket.send(raw, on_ack)

    def redeliver(self, envelope_id: str, reason: str = "timeout") -> str:
        """Send an envelope again, as Slack retries: new envelope_id, retry_attempt + 1."""
        return self.socket.retry(envelope_id, reason)

    # ----- events and interactions (the Actor helpers build on these)

    def next_event_id(self) -> str:
        return f"Ev{next(self._event_ids):010d}"

    def send_event(self, event: dict[str, Any]) -> tuple[str, str]:
        """Deliver one Events API event; returns (envelope_id, event_id)."""
        event_id = self.next_event_id()
        event.setdefault("event_ts", event.get("ts") or self.workspace.next_ts())
        payload = envelopes.event_callback(
            self.workspace, event, event_id, int(float(event["event_ts"]))
        )
        env = envelopes.envelope("events_api", payload, accepts_response_payload=False)
        return self.socket.send(env), event_id

    def _echo(self, channel_id: str, message: dict[str, Any]) -> None:
        if not self.echo_bot_messages:
            return
        channel = self.workspace.channels[channel_id]
        event = {k: v for k, v in copy.deepcopy(message).items() if k != "channel"}
        event.update(
            {"channel": channel_id, "channel_type": "im" if channel.get("is_im") else "channel"}
        )
        self.send_event(event)

    def send_interaction(
        self, payload: dict[str, Any], user_id: str, wait: bool, timeout: float
    ) -> Ack | str:
        accepts = payload["type"] == "view_submission"
        env = envelopes.envelope("interactive", payload, accepts_response_payload=accepts)
        hook = self._after_view_submission(user_id, payload) if accepts else None
        return self._send_and_wait(env, hook, wait, timeout)

    def send_command(self, payload: dict[str, Any], wait: bool, timeout: float) -> Ack | str:
        env = envelopes.envelope("slash_commands", payload, accepts_response_payload=True)
        return self._send_and_wait(env, self._after_command(payload), wait, timeout)

    def _send_and_wait(
        self, env: dict[str, Any], hook: Callable[[Ack], None] | None, wait: bool, timeout: float
    ) -> Ack | str:
        envelope_id = self.socket.send(env, hook)
        return self.ack_for(envelope_id, timeout) if wait else envelope_id

    def _after_command(self, payload: dict[str, Any]) -> Callable[[Ack], None]:
        """A slash command's ack payload is shown to the user (or the channel, if in_channel)."""

        def hook(ack: Ack) -> None:
            if not ack.payload:
                return
            body = dict(ack.payload)
            ws = self.workspace
            with ws.lock:
                message = self.api._bot_message(
                    {k: body[k] for k in ("text", "blocks") if k in body}
                )
                if body.get("response_type") == "in_channel":
                    ws.post(payload["channel_id"], message)
                else:
                    message.update({"ts": ws.next_ts(), "channel": payload["channel_id"]})
                    ws.ephemeral.setdefault(payload["user_id"], []).append(message)

        return hook

    def _after_view_submission(
        self, user_id: str, payload: dict[str, Any]
    ) -> Callable[[Ack], None]:
        """Apply response_action from the ack: errors keep the view, update/push/clear change the stack."""
        view_id = payload["view"]["id"]

        def hook(ack: Ack) -> None:
            action = (ack.payload or {}).get("response_action")
            ws = self.workspace
            with ws.lock:
                stack = ws.view_stack.get(user_id, [])
                if action == "errors":
                    return
                if action == "update":
                    self.api._store_view(ack.payload["view"], user_id, view_id=view_id)  # type: ignore[index]
                elif action == "push":
                    stored = self.api._store_view(ack.payload["view"], user_id)  # type: ignore[index]
                    stack.append(stored["id"])
                elif action == "clear":
                    stack.clear()
                elif view_id in stack:
                    stack.remove(view_id)

        return hook

    # ----- reading what happened

    @property
    def acks(self) -> list[Ack]:
        with self.socket.lock:
            return list(self.socket.acks)

    @property
    def unanswered(self) -> list[dict[str, Any]]:
        """Envelopes never acknowledged (after all retries, for events)."""
        with self.socket.lock:
            return list(self.socket.unanswered)

    @property
    def sent_envelopes(self) -> list[dict[str, Any]]:
        with self.socket.lock:
            return copy.deepcopy(self.socket.sent)

    @property
    def queued_envelopes(self) -> list[dict[str, Any]]:
        """Envelopes waiting for a connection (sent after the next hello)."""
        with self.socket.lock:
            return [copy.deepcopy(envelope) for envelope, _ in self.socket.waiting]

    def ack_for(self, envelope_id: str, timeout: float = 5.0) -> Ack:
        """Block until the app acknowledges `envelope_id`; AssertionError after `timeout` s."""
        deadline = time.monotonic() + timeout
        with self.socket.changed:
            while True:
                for ack in self.socket.acks:
                    if ack.envelope_id == envelope_id:
                        return ack
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"envelope {envelope_id} was not acknowledged within {timeout} s"
                    )
                self.socket.changed.wait(remaining)

    def calls(self, method: str | None = None, ok: bool | None = None) -> list[dict[str, Any]]:
        """Arguments of every Web API call (of `method`), oldest first; `ok` filters on the answer."""
        with self.api.lock:
            return [
                copy.deepcopy(c.args)
                for c in self.api.log
                if (method is None or c.method == method) and (ok is None or c.ok == ok)
            ]

    @property
    def api_log(self) -> list[Any]:
        with self.api.lock:
            return list(self.api.log)

    def history(self, channel: str) -> list[dict[str, Any]]:
        """Messages in a channel (id or "#name"), oldest first, replies included."""
        channel_id = self.workspace.resolve_channel(channel)
        if channel_id is None:
            raise KeyError(channel)
        return self.workspace.snapshot(channel_id)

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """A thread in a channel (id or "#name"): its parent, then its replies, oldest first."""
        channel_id = self.workspace.resolve_channel(channel)
        if channel_id is None:
            raise KeyError(channel)
        return self.workspace.thread(channel_id, ts)

    def dm(self, user_id: str) -> list[dict[str, Any]]:
        """What the bot posted in its DM with `user_id`, oldest first (text, blocks, ts, thread_ts, files)."""
        dm_id = self.workspace.dm_by_user.get(user_id)
        if dm_id is None:
            return []
        return [
            m for m in self.workspace.snapshot(dm_id) if m.get("bot_id") == self.workspace.bot_id
        ]

    def dm_count(self, user_id: str) -> int:
        """How many messages the bot posted in its DM with `user_id`, without copying them:
        for a wait over hundreds of members, polled every 10 ms."""
        ws = self.workspace
        with ws.lock:
            dm_id = ws.dm_by_user.get(user_id)
            return sum(1 for m in ws.history.get(dm_id, []) if m.get("bot_id") == ws.bot_id)

    def ephemerals(self, user_id: str) -> list[dict[str, Any]]:
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.ephemeral.get(user_id, []))

    def open_view(self, user_id: str) -> dict[str, Any] | None:
        """The modal on top of the user's stack, or None."""
        ws = self.workspace
        with ws.lock:
            stack = ws.view_stack.get(user_id) or []
            return copy.deepcopy(ws.views[stack[-1]]) if stack else None

    def home(self, user_id: str) -> dict[str, Any] | None:
        with self.workspace.lock:
            view = self.workspace.home.get(user_id)
            return copy.deepcopy(view) if view else None

    def file_bytes(self, file_id: str) -> bytes:
        with self.workspace.lock:
            return bytes(self.workspace.files[file_id]["data"])

    def user(self, user_id: str) -> Any:
        """Story helpers acting as this user: clicks, selects, types, edits, submits_modal, runs, opens_home."""
        from .actors import Actor

        if user_id not in self.workspace.users:
            raise KeyError(f"no user {user_id} in the fake workspace")
        return Actor(self, user_id)

    def wait_until(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,
        message: str = "",
        interval: float = 0.01,
    ) -> Any:
        """Poll `predicate` until it returns something truthy (and return that); AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() >= deadline:
                recent = ", ".join(
                    f"{c.method}:{c.response.get('error', 'ok')}" for c in self.api_log[-8:]
                )
                what = message or getattr(predicate, "__name__", "condition")
                raise AssertionError(
                    f"timed out after {timeout} s waiting for {what}; recent API calls: [{recent}]; "
                    f"acks: {len(self.acks)}, connections: {self.connections}"
                )
            time.sleep(interval)
