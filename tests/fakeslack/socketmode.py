"""Socket Mode: the websocket, envelopes, acknowledgements and redelivery.

Runs inside the server's event loop; the public methods that tests call from
their own thread hop onto that loop. Which connection gets an envelope: the
most recently opened one that has not been sent a `disconnect`; with none
open, envelopes wait and go out right after the next `hello`.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .server import FakeSlack

TICK = 0.01


@dataclass
class Ack:
    """What the app sent back for one envelope, and how long it took (wall-clock seconds)."""

    envelope_id: str
    type: str
    latency: float
    payload: dict[str, Any] | None
    connection: int
    retry_attempt: int | None = None
    event_id: str | None = None


@dataclass
class Delivery:
    envelope: dict[str, Any]
    sent_at: float
    sent_perf: float
    connection: int
    on_ack: Callable[[Ack], None] | None = None


@dataclass
class Connection:
    id: int
    ws: web.WebSocketResponse
    draining: bool = False
    received: list[dict[str, Any]] = field(default_factory=list)


class SocketMode:
    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.loop: asyncio.AbstractEventLoop | None = None
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.tickets: set[str] = set()
        self.connections: dict[int, Connection] = {}
        self.opened = 0
        self._ids = itertools.count(1)
        self.pending: dict[str, Delivery] = {}
        self.waiting: list[tuple[dict[str, Any], Callable[[Ack], None] | None]] = []
        self.acks: list[Ack] = []
        self.unanswered: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.hooks: dict[str, Callable[[Ack], None]] = {}
        self._ticker: asyncio.Task[None] | None = None

    # ----- URLs and the websocket endpoint

    def new_url(self) -> str:
        ticket = uuid.uuid4().hex
        with self.lock:
            self.tickets.add(ticket)
        return f"{self.fake.ws_url}/socket-mode?ticket={ticket}&app_id={self.fake.workspace.app_id}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("ticket") not in self.tickets:
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = Connection(next(self._ids), ws)
        with self.lock:
            self.connections[conn.id] = conn
            self.opened += 1
            count = len(self.connections)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": count,
                "debug_info": {
                    "host": "applink-fake-1",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self.fake.workspace.app_id},
            }
        )
        with self.changed:
            waiting, self.waiting = self.waiting, []
            self.changed.notify_all()
        for envelope, on_ack in waiting:
            await self._deliver(envelope, on_ack)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_text(conn, msg.data)
        except ConnectionError:
            pass  # dropped on purpose (drop_connections) or by the client
        finally:
            with self.changed:
                self.connections.pop(conn.id, None)
                self.changed.notify_all()
        return ws

    def _on_text(self, conn: Connection, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        conn.received.append(message)
        envelope_id = message.get("envelope_id")
        if not envelope_id:
            return
        with self.changed:
            delivery = self.pending.pop(envelope_id, None)
            if delivery is None:
                return
            envelope = delivery.envelope
            ack = Ack(
                envelope_id=envelope_id,
                type=envelope.get("type", ""),
                latency=time.perf_counter() - delivery.sent_perf,
                payload=message.get("payload"),
                connection=conn.id,
                retry_attempt=envelope.get("retry_attempt"),
                event_id=(envelope.get("payload") or {}).get("event_id"),
            )
            self.acks.append(ack)
            self.changed.notify_all()
        if delivery.on_ack is not None:
            delivery.on_ack(ack)

    # ----- sending

    def _target(self) -> Connection | None:
        live = [c for c in self.connections.values() if not c.draining and not c.ws.closed]
        return max(live, key=lambda c: c.id) if live else None

    async def _deliver(
        self, envelope: dict[str, Any], on_ack: Callable[[Ack], None] | None
    ) -> None:
        with self.lock:
            conn = self._target()
            if conn is None:
                self.waiting.append((envelope, on_ack))
                return
            envelope_id = envelope.get("envelope_id")
            if envelope_id and envelope.get("type") in (
                "events_api",
                "slash_commands",
                "interactive",
            ):
                self.pending[envelope_id] = Delivery(
                    envelope, self.fake.clock(), time.perf_counter(), conn.id, on_ack
                )
            self.sent.append(envelope)
        try:
            await conn.ws.send_str(json.dumps(envelope))
        except (ConnectionError, RuntimeError):
            with self.lock:
                self.pending.pop(envelope_id or "", None)
                self.waiting.append((envelope, on_ack))

    def _run(self, coro: Any, timeout: float = 5.0) -> Any:
        assert self.loop is not None, "FakeSlack is not started"
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def send(self, envelope: dict[str, Any], on_ack: Callable[[Ack], None] | None = None) -> str:
        """Send an envelope (from any thread); returns its envelope_id."""
        self._run(self._deliver(envelope, on_ack))
        return str(envelope.get("envelope_id", ""))

    def retry(self, envelope_id: str, reason: str = "timeout") -> str:
        """Send an events_api envelope again with retry_attempt + 1 and a new envelope_id."""
        with self.lock:
            original = next(
                (e for e in reversed(self.sent) if e.get("envelope_id") == envelope_id), None
            )
            if original is None:
                raise KeyError(f"no envelope {envelope_id!r} was sent")
            delivery = self.pending.pop(envelope_id, None)
        again = copy.deepcopy(original)
        again["envelope_id"] = str(uuid.uuid4())
        again["retry_attempt"] = int(original.get("retry_attempt") or 0) + 1
        again["retry_reason"] = reason
        self.send(again, delivery.on_ack if delivery else None)
        return again["envelope_id"]

    # ----- deadlines

    async def tick(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            now = self.fake.clock()
            with self.changed:
                late = [
                    d for d in self.pending.values() if now - d.sent_at >= self.fake.ack_timeout
                ]
                for d in late:
                    self.pending.pop(d.envelope["envelope_id"], None)
            for d in late:
                envelope = d.envelope
                attempt = int(envelope.get("retry_attempt") or 0)
                if envelope.get("type") == "events_api" and attempt < self.fake.max_retries:
                    again = copy.deepcopy(envelope)
                    again["envelope_id"] = str(uuid.uuid4())
                    again["retry_attempt"] = attempt + 1
                    again["retry_reason"] = "timeout"
                    await self._deliver(again, d.on_ack)
                else:
                    with self.changed:
                        self.unanswered.append(envelope)
                        self.changed.notify_all()

    # ----- connection control

    async def _disconnect(self, reason: str) -> int:
        with self.lock:
            conns = [c for c in self.connections.values() if not c.draining]
            for c in conns:
                c.draining = True
        for c in conns:
            await c.ws.send_json(
                {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake-1"}}
            )
        if conns:
            asyncio.get_running_loop().call_later(
                self.fake.disconnect_grace, lambda: asyncio.ensure_future(self._close(conns))
            )
        return len(conns)

    async def _close(self, conns: list[Connection]) -> None:
        for c in conns:
            if not c.ws.closed:
                await c.ws.close()

    async def _drop(self) -> int:
        with self.lock:
            conns = list(self.connections.values())
        for c in conns:
            transport = c.ws._req.transport if c.ws._req is not None else None  # noqa: SLF001
            if transport is not None:
                transport.abort()
        return len(conns)

    def disconnect(self, reason: str) -> int:
        return int(self._run(self._disconnect(reason)))

    def drop(self) -> int:
        return int(self._run(self._drop()))

    async def close_all(self) -> None:
        with self.lock:
            conns = list(self.connections.values())
        for c in conns:
            transport = c.ws._req.transport if c.ws._req is not None else None  # noqa: SLF001
            if transport is not None:
                transport.abort()

    def live_count(self) -> int:
        with self.lock:
            return sum(1 for c in self.connections.values() if not c.ws.closed and not c.draining)
