"""Wiring: the context, the Bolt app with every feature registered, Socket Mode, the scheduler.

`Bot(config, clock)` is the running bot as tests drive it (`start(scheduler=False)`
and `scheduler.tick(bot.ctx)` by hand); `main()` is `python -m bot`.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot import killpoint, listen
from bot.context import BotContext
from bot.feature import register_all
from bot.features import FEATURES
from bot.health import Loops, Stale
from bot.scheduler import (
    BEAT_INTERVAL_S,
    INTERVAL_S,
    STALL_AFTER_S,
    Heartbeat,
    Scheduler,
    allowance,
)
from bot.slack import SlackUnavailable, build_client, call, error_code
from bot.worker import Worker
from checkin.checkins import model
from checkin.clock import Clock, system_clock
from checkin.config import Config, ConfigError, load_config
from checkin.db.connection import DatabaseError, ThreadLocal, connect
from checkin.ops import deploys, heartbeat
from checkin.people import access

log = logging.getLogger("checkin.bot")

STALE_AFTER_S = 90


def build_context(
    config: Config, clock: Clock = system_clock, threads: int = 8, instance: str | None = None
) -> BotContext:
    database = ThreadLocal(config.db_path)
    loops = Loops(clock)
    ctx = BotContext(
        config=config,
        db=database,
        client=build_client(config, database, clock),
        clock=clock,
        worker=Worker(threads, clock=clock, on_done=lambda: loops.done("members")),
        loops=loops,
    )
    if instance:
        ctx.instance = instance
    return ctx


def build_app(ctx: BotContext, features: Sequence[Any] = FEATURES) -> App:
    """The Bolt app: each feature's `register(app, ctx)`, then catch-alls that only ack."""
    identity = call(ctx, "auth.test")
    ctx.bot_user_id = identity.get("user_id")
    access.record_workspace(ctx.conn, identity.get("team_id"))  # who may sign in to the web app
    app = App(
        name="checkin",  # without it Bolt reads the whole call stack for a name (80 ms)
        client=ctx.client,
        process_before_response=True,  # listeners ack and return; their work is in ctx.worker
        request_verification_enabled=False,  # Socket Mode: no signed HTTP requests
        logger=logging.getLogger("checkin.bolt"),
    )
    ctx.features = list(features)
    register_all(app, ctx, ctx.features)

    def ack_only(ack, body: dict) -> None:  # noqa: ANN001 - Bolt injects by name
        ack()
        log.info("no listener for %s; acknowledged", _describe(body))

    app.action(re.compile(".*"))(ack_only)
    app.view(re.compile(".*"))(ack_only)
    app.shortcut(re.compile(".*"))(ack_only)
    app.options(re.compile(".*"))(ack_only)

    @app.error
    def on_error(error: Exception, body: dict) -> None:
        log.error("listener error on %s: %r", _describe(body), error)

    return app


def _describe(body: dict) -> str:
    if not isinstance(body, dict):
        return "a request"
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    actions = body.get("actions") if isinstance(body.get("actions"), list) else []
    action = actions[0].get("action_id") if actions and isinstance(actions[0], dict) else None
    return str(body.get("type") or body.get("command") or "request") + (
        f" {event.get('type')}" if event else f" {action}" if action else ""
    )


class AckingSocketModeHandler(SocketModeHandler):
    """Bolt's handler, except that every envelope is acknowledged.

    Bolt sends no ack when dispatch ends in anything but 200 (no listener,
    a listener or middleware that raised), and Slack then redelivers the
    envelope; an envelope we cannot handle is acknowledged and logged.
    """

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        start = time.time()
        try:
            response: BoltResponse = run_bolt_app(self.app, req)
        except Exception:
            log.exception("dispatch failed for envelope %s", req.envelope_id)
            response = BoltResponse(status=500)
        if response.status == 200:
            send_response(client, req, response, start)
        else:
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))


class Bot:
    def __init__(
        self,
        config: Config,
        clock: Clock = system_clock,
        *,
        ping_interval: float = 10,
        threads: int = 8,
        tick_interval: float = INTERVAL_S,
        beat_interval: float = BEAT_INTERVAL_S,
        stall_after: float = STALL_AFTER_S,
        on_claim_lost: Callable[[], None] | None = None,
        instance: str | None = None,
    ) -> None:
        """`on_claim_lost`: called when another bot took the heartbeat over (default: stop).
        `instance`: the id this bot claimed the heartbeat with (default: a new random one).
        `stall_after`: how long a loop may go without completing (`unwell`)."""
        self.config = config
        self.tick_interval = tick_interval
        self.beat_interval = beat_interval
        self.stall_after = stall_after
        self.on_claim_lost = on_claim_lost or self._stop_in_background
        self.ctx = build_context(config, clock, threads, instance)
        self.app = build_app(self.ctx)
        self.handler = AckingSocketModeHandler(
            self.app,
            app_token=config.app_token.reveal(),
            ping_interval=ping_interval,
            concurrency=16,
            receive_buffer_size=65536,
        )
        self.ctx.is_connected = self.handler.client.is_connected
        self.scheduler: Scheduler | None = None
        self.heartbeat: Heartbeat | None = None

    def start(self, scheduler: bool = True) -> Bot:
        """Connect; with `scheduler`, also the tick loop and the heartbeat thread."""
        deploys.record_start(self.ctx.conn, "bot", self.config, clock=self.ctx.clock)
        listen.replay(self.ctx)  # requests acknowledged before a crash, before any new one
        self.handler.connect()
        if scheduler:
            worker = self.ctx.worker
            self.ctx.loops.expect(
                "members", allowance(0, self.stall_after), worker.alive, worker.busy_since
            )
            self.heartbeat = Heartbeat(
                self.ctx, self.on_claim_lost, self.beat_interval, self.stall_after
            ).start()
            self.scheduler = Scheduler(self.ctx, self.tick_interval, self.stall_after).start()
        return self

    def unwell(self) -> list[Stale]:
        """The loops that have died or stopped completing (empty: all is well)."""
        if self.ctx.cache.get("stopping"):
            return []
        return self.ctx.loops.stale(self.ctx.clock())

    def _stop_in_background(self) -> None:
        threading.Thread(target=self.stop, name="stop", daemon=True).start()

    def stop(self, timeout: float = 4.0) -> None:
        deadline = time.monotonic() + timeout
        self.ctx.cache["stopping"] = True
        if self.heartbeat is not None:
            self.heartbeat.stop(0.5)
        if self.scheduler is not None:
            self.scheduler.stop(max(0.1, (deadline - time.monotonic()) / 2))
        try:
            self._close_socket_mode()
        except Exception:
            log.exception("closing the Socket Mode connection")
        idle = True
        if self.ctx.worker is not None:
            idle = self.ctx.worker.stop(max(0.1, deadline - time.monotonic()))
        try:
            heartbeat.clear_heartbeat(self.ctx.conn, self.ctx.instance)
        except Exception:
            log.exception("clearing the heartbeat")
        if idle:
            self.ctx.db.close()
        else:  # never close the database under running work; the process ends anyway
            log.warning("stopped with work still running; the next start finds what it left")

    def _close_socket_mode(self) -> None:
        """`handler.close()`, without its waits: up to 1 s for the queue poll and
        up to 3 s for a receive in progress, which hold a stop past 5 s."""
        client = self.handler.client
        client.closed = True
        client.auto_reconnect_enabled = False
        client.message_queue.put(None)  # type: ignore[arg-type]
        sock = getattr(client.current_session, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.handler.close()

    def start_line(self) -> str:
        """The one line logged at start: where, what, connected or not; never a token."""
        names = [c["name"] for c in model.active_checkins(self.ctx.conn)]
        checkins = ", ".join(names) if names else "none (python -m checkin checkins import FILE)"
        connection = (
            f"connected as {self.ctx.bot_user_id}"
            if self.ctx.is_connected()
            else "not connected (retrying)"
        )
        line = f"checkin bot started: {self.config.describe()} checkins={checkins} socket_mode={connection} pid={os.getpid()}"
        if not self.config.is_production and not self.config.dev_users:
            line += " WARNING: development mode with no CHECKIN_DEV_USERS, so nobody gets a DM"
        return line


def refuse_line(config: Config, holder: heartbeat.BotHeartbeat) -> str:
    age = int(holder.age(system_clock()).total_seconds())
    return (
        f"error: another bot is running on {config.db_path}: pid {holder.pid} on {holder.host}, "
        f"last heartbeat {age}s ago ({holder.env}). Only one may hold the Socket Mode connection; "
        f"stop that one first (it is taken over once its heartbeat is {STALE_AFTER_S}s old)."
    )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        config = load_config()
        config.require_slack()
        logging.basicConfig(
            level=config.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        logging.getLogger("slack_sdk").setLevel(logging.WARNING)
        logging.getLogger("checkin.bolt").setLevel(logging.WARNING)
        conn = connect(config.db_path)
    except (ConfigError, DatabaseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    killpoint.arm(os.environ)  # tests only: where to kill this process
    stop = threading.Event()  # before the claim: a signal from then on is a clean stop
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    instance = uuid.uuid4().hex[:16]
    holder = heartbeat.claim_heartbeat(
        conn,
        env=config.env,
        dev_users=config.dev_users,
        started_at=system_clock(),
        stale_after=timedelta(seconds=STALE_AFTER_S),
        instance=instance,
    )
    conn.close()
    if holder is not None:
        print(refuse_line(config, holder), file=sys.stderr)
        return 3

    quiet = {name: logging.getLogger(name).level for name in ("checkin.bot", "slack_sdk")}
    for name in quiet:  # a failed start is said in one line below, not in log lines too
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        bot = Bot(
            config,
            on_claim_lost=stop.set,
            instance=instance,
            tick_interval=config.tick_seconds,
            beat_interval=config.heartbeat_seconds,
            stall_after=config.stall_seconds,
        )
        bot.start()
    except Exception as exc:  # noqa: BLE001 - whatever it is, one line and a free claim
        print(start_error_line(config, exc), file=sys.stderr)
        _clear(config, instance)
        return 2
    finally:
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)
    log.info(bot.start_line())
    unwell = watch(bot, stop, min(1.0, config.tick_seconds, config.heartbeat_seconds))
    if unwell:
        log.error(unwell.line(bot.ctx.clock()))
        bot.stop(timeout=2.0)
        _record_unwell(config, instance, unwell)
        return 4
    log.info("stopping (pid %s on %s)", os.getpid(), socket.gethostname())
    bot.stop()
    log.info("stopped")
    return 0


def watch(bot: Bot, stop: threading.Event, every: float) -> Stale | None:
    """Wait for a stop; return the first stale loop instead if one goes stale before that."""
    while not stop.wait(every):
        stale = bot.unwell()
        if stale:
            return stale[0]
    return None


def _record_unwell(config: Config, instance: str, stale: Stale) -> None:
    """Leave on the heartbeat which loop stopped and since when, for the web app's banner."""
    try:
        conn = connect(config.db_path)
        try:
            heartbeat.record_unwell(conn, instance, stale.loop, stale.since)
        finally:
            conn.close()
    except Exception:  # noqa: BLE001 - the exit line is said already; this is a detail
        log.debug("could not record which loop stopped", exc_info=True)


def start_error_line(config: Config, exc: BaseException) -> str:
    """The one line said when the bot cannot start; never a token, never a traceback."""
    if isinstance(exc, SlackApiError):
        return (
            f"error: Slack refused the bot's tokens ({error_code(exc)}) at {config.api_url}; "
            "check SLACK_BOT_TOKEN and SLACK_APP_TOKEN in .env"
        )
    if isinstance(exc, SlackUnavailable | OSError):
        return (
            f"error: cannot reach Slack at {config.api_url} ({error_code(exc)}); check the "
            "network, or SLACK_API_URL if it is set"
        )
    return f"error: the bot could not start: {type(exc).__name__}: {exc}"


def _clear(config: Config, instance: str) -> None:
    try:
        conn = connect(config.db_path)
        heartbeat.clear_heartbeat(conn, instance)
        conn.close()
    except Exception:  # noqa: BLE001 - the start already failed; say that, not this
        log.debug("could not clear the heartbeat claim", exc_info=True)
