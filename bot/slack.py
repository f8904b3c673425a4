"""Every Slack Web API call the bot makes, counted.

API
---
`build_client(config, db=None, clock=system_clock) -> WebClient`
    A WebClient on `config.api_url` with the bot token and slack_sdk retry
    handlers: 429 waits for Retry-After (each wait is recorded as a
    `rate_limited` event when `db` is given), 500/502/503/504 and
    connection errors or timeouts retry with exponential backoff, except for
    the posting methods (`POSTING_METHODS`), which may have posted before
    failing: they raise at once (a refused connection is still tried again).

`call(ctx, method, *, member=None, checkin_id=None, **kwargs) -> SlackResponse`
    Call `method` ("chat.postMessage", "views.publish", or a client method
    name such as "files_upload_v2") with keyword arguments as slack_sdk takes
    them. Counts `message_sent` (with duration) for chat.postMessage,
    chat.postEphemeral and file uploads, and `api_error` with method and
    error for every failure. When the error says the person cannot be
    reached (`UNREACHABLE`: user_disabled, channel_not_found,
    account_inactive, cannot_dm_bot, ...) and `member` is given, the member
    is marked inactive with that reason so nobody retries forever. The error
    is re-raised: `SlackApiError` for Slack's answers, `SlackUnavailable` when
    no answer came (connection refused, timeout) after the retries.

    In development (CHECKIN_ENV=development) a DM-bound call (conversations.open,
    a post, update, ephemeral or upload in a person's DM) to anyone not in
    CHECKIN_DEV_USERS is not made: it is counted as a `dm_skipped` event and
    `DmSkipped` (a SlackApiError with error "dm_skipped") is raised, which the
    callers already treat as a post that could not be made. A slash command's
    own answer (its ack or response_url) is not a DM and is not checked.

`error_code(exc) -> str`
    The Slack error string of a SlackApiError ("ratelimited", ...), or a
    short name for a connection failure.

`is_transient(exc) -> bool`
    True when trying again later may work (429, 5xx, no answer at all).

`may_have_posted(exc) -> bool`
    True when a failed post may be in the channel all the same (5xx, timeout,
    reset): look in the channel's history before posting again.
"""

from __future__ import annotations

import functools
import logging
import random
import ssl
import time
from typing import Any
from urllib.error import URLError
from urllib.parse import urlparse

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from bot import killpoint
from checkin.clock import Clock, system_clock
from checkin.config import Config
from checkin.db.connection import ThreadLocal
from checkin.ops import events
from checkin.people import members

log = logging.getLogger("checkin.bot")

UNREACHABLE = frozenset(
    {
        "user_disabled",
        "user_not_found",
        "channel_not_found",
        "account_inactive",
        "cannot_dm_bot",
        "is_archived",
        "messages_tab_disabled",
    }
)
# Calls that post a message: a 5xx or a timeout may come after Slack posted it,
# so they are not tried again automatically; the caller leaves its record in a
# state a later check of the DM's history settles (runs left 'sending').
POSTING_METHODS = frozenset(
    {"chat.postMessage", "chat.scheduleMessage", "files.completeUploadExternal"}
)
# Calls that write to a channel: checked against CHECKIN_DEV_USERS when the
# channel is a person's DM (a D… id, or a user id), as is conversations.open.
DM_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.update",
        "chat.postEphemeral",
        "chat.scheduleMessage",
        "chat.meMessage",
        "files_upload_v2",
        "files.completeUploadExternal",
    }
)
# An error of these is about one message (an old one, in a channel since gone), not
# about whether the person can be reached: it never marks the member inactive.
NOT_ABOUT_THE_PERSON = frozenset({"chat.update", "chat.delete", "conversations.history"})
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "files_upload_v2"})
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable"}
)
REQUEST_TIMEOUT_S = 10
RATE_LIMIT_RETRIES = 12
SERVER_ERROR_RETRIES = 3
CONNECTION_RETRIES = 3


class SlackUnavailable(Exception):
    """No answer from Slack after the retries (connection refused, reset, timed out).

    `maybe_done`: the request may have reached Slack (a timeout or a reset, not
    a refused connection), so a post may be in the channel.
    """

    def __init__(self, code: str, maybe_done: bool = True) -> None:
        super().__init__(code)
        self.maybe_done = maybe_done


class CountingRateLimitHandler(RateLimitErrorRetryHandler):
    """Waits Retry-After like slack_sdk's handler, and records each wait as an event."""

    def __init__(self, db: ThreadLocal | None, clock: Clock, max_retry_count: int) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.db = db
        self.clock = clock

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error  # type: ignore[misc]
        wait = 1.0
        for key, values in response.headers.items():
            if key.lower() == "retry-after":
                try:
                    wait = float(values[0] if isinstance(values, list) else values)
                except (TypeError, ValueError):
                    wait = 1.0
        wait = max(wait, 0.0) + random.uniform(0.0, 0.2)
        method = _method_of(request.url)
        log.info("rate limited on %s: waiting %.1f s", method, wait)
        if self.db is not None:
            try:
                events.record_event(
                    self.db.conn,
                    "rate_limited",
                    method=method,
                    duration_ms=wait * 1000,
                    clock=self.clock,
                )
            except Exception:  # a full disk must not turn a wait into a lost message
                log.exception("could not record a rate-limit wait")
        state.next_attempt_requested = True
        time.sleep(wait)
        state.increment_current_attempt()


class ServerErrorHandler(ServerErrorRetryHandler):
    """5xx: tried again, except for a post (Slack may have posted it before failing)."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _method_of(request.url) in POSTING_METHODS:
            return False
        return response is not None and response.status_code in (500, 502, 503, 504)


class ConnectionHandler(ConnectionErrorRetryHandler):
    """Connection errors and timeouts: tried again, except for a post that may have
    reached Slack (a timeout, a reset); a refused connection never reached it."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _method_of(request.url) in POSTING_METHODS and not _never_sent(error):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


def _never_sent(error: Exception | None) -> bool:
    reason = getattr(error, "reason", None) if isinstance(error, URLError) else error
    return isinstance(reason, ConnectionRefusedError)


def _method_of(url: str) -> str:
    return urlparse(url).path.rsplit("/", 1)[-1]


@functools.cache
def tls() -> ssl.SSLContext:
    """One TLS context for every call to Slack and for the Socket Mode connection (which
    takes the client's). Making one loads the system's certificates, 40 ms of CPU, which
    slack_sdk otherwise does for each HTTPS request and each reconnect."""
    return ssl.create_default_context()


def build_client(
    config: Config, db: ThreadLocal | None = None, clock: Clock = system_clock
) -> WebClient:
    return WebClient(
        token=config.bot_token.reveal() or None,
        base_url=config.api_url,
        timeout=REQUEST_TIMEOUT_S,
        ssl=tls(),
        retry_handlers=[
            CountingRateLimitHandler(db, clock, RATE_LIMIT_RETRIES),
            ServerErrorHandler(max_retry_count=SERVER_ERROR_RETRIES),
            ConnectionHandler(
                max_retry_count=CONNECTION_RETRIES,
                error_types=[URLError, ConnectionError, TimeoutError, OSError],
            ),
        ],
    )


def error_code(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return str((exc.response or {}).get("error") or f"http_{exc.response.status_code}")
    if isinstance(exc, SlackUnavailable):
        return str(exc) or "unavailable"
    return type(exc).__name__


def is_rate_limited(exc: BaseException) -> bool:
    """A 429: Slack did not do the call, so doing it again is safe."""
    return isinstance(exc, SlackApiError) and (
        exc.response.status_code == 429 or error_code(exc) == "ratelimited"
    )


def may_have_posted(exc: BaseException) -> bool:
    """A failed post that Slack may have made all the same (a 5xx, a timeout, a reset)."""
    if isinstance(exc, SlackUnavailable):
        return exc.maybe_done
    if isinstance(exc, SlackApiError):
        return exc.response.status_code >= 500
    return False


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, SlackUnavailable):
        return True
    if isinstance(exc, SlackApiError):
        return exc.response.status_code >= 429 or error_code(exc) in TRANSIENT_ERRORS
    return False


class DmSkipped(SlackApiError):
    """Development mode: the call would have reached a person not in CHECKIN_DEV_USERS."""


def _dm_recipients(ctx: Any, method: str, member: str | None, kwargs: dict) -> list[str]:
    """The people a call would write to in their DM (empty: not a DM-bound call)."""
    if method == "conversations.open":
        return [u.strip() for u in str(kwargs.get("users") or "").split(",") if u.strip()]
    if method not in DM_METHODS:
        return []
    channel = str(kwargs.get("channel") or kwargs.get("channel_id") or "")
    if channel[:1] in ("U", "W"):  # a user id as the channel: their DM with the bot
        return [channel]
    if channel[:1] != "D":
        return []
    owner = ctx.cache.get("dm_owners", {}).get(channel)
    if owner is None:
        try:
            owner = members.dm_owner(ctx.conn, channel)
        except Exception:
            log.exception("could not look up whose DM %s is", channel)
    return [owner or member or f"the owner of {channel}"]


def _skip_dm(ctx: Any, method: str, to: str, checkin_id: int | None) -> DmSkipped:
    log.info("development mode: %s to %s skipped", method, to)
    _record(
        ctx,
        "dm_skipped",
        method=method,
        member_id=to,
        checkin_id=checkin_id,
        detail={"env": ctx.config.env},
    )
    response = SlackResponse(
        client=ctx.client,
        http_verb="POST",
        api_url=method,
        req_args={},
        data={"ok": False, "error": "dm_skipped"},
        headers={},
        status_code=200,
    )
    return DmSkipped(f"development mode: no DM to {to}", response)


def call(
    ctx: Any,
    method: str,
    *,
    member: str | None = None,
    checkin_id: int | None = None,
    **kwargs: Any,
) -> SlackResponse:
    if not ctx.config.is_production:
        for to in _dm_recipients(ctx, method, member, kwargs):
            if not ctx.config.allows_dm(to):
                raise _skip_dm(ctx, method, to, checkin_id)
    fn = getattr(ctx.client, method.replace(".", "_"))
    started = time.perf_counter()
    try:
        response = fn(**kwargs)
    except SlackApiError as exc:
        _failed(ctx, method, error_code(exc), member, checkin_id, started)
        raise
    except (URLError, OSError) as exc:
        code = "timeout" if isinstance(exc, TimeoutError) else "connection_error"
        _failed(ctx, method, code, member, checkin_id, started)
        raise SlackUnavailable(code, maybe_done=not _never_sent(exc)) from exc
    metadata = kwargs.get("metadata")
    if method == "chat.postMessage" and isinstance(metadata, dict):
        killpoint.reached(f"{metadata.get('event_type')}_posted")  # tests only: Slack has it
    if method == "conversations.open":
        channel = (response.get("channel") or {}).get("id")
        if channel:
            ctx.cache.setdefault("dm_owners", {})[channel] = str(kwargs.get("users"))
    if method in MESSAGE_METHODS:
        _record(
            ctx,
            "message_sent",
            method=method,
            member_id=member,
            checkin_id=checkin_id,
            duration_ms=(time.perf_counter() - started) * 1000,
        )
    return response


def find_posted(
    ctx: Any,
    method: str,
    channel: str,
    event_type: str | None,
    wanted: dict[str, Any],
    *,
    pages: int,
    **args: Any,
) -> dict | None:
    """The newest message an earlier try posted, found by its metadata: `event_type` (None:
    any) with these payload fields, in `method` ("conversations.history" or "conversations.replies", with
    `args` such as `oldest` or `ts`), at most `pages` pages of 200 back."""
    cursor = None
    for _ in range(pages):
        page = {"cursor": cursor} if cursor else {}
        response = call(
            ctx, method, channel=channel, limit=200, include_all_metadata=True, **args, **page
        )
        for message in response.get("messages") or []:
            meta = message.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if event_type in (None, meta.get("event_type")) and all(
                payload.get(k) == v for k, v in wanted.items()
            ):
                return message
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None


def _failed(
    ctx: Any, method: str, code: str, member: str | None, checkin_id: int | None, started: float
) -> None:
    log.warning("slack %s failed: %s%s", method, code, f" (member {member})" if member else "")
    _record(
        ctx,
        "api_error",
        method=method,
        error=code,
        member_id=member,
        checkin_id=checkin_id,
        duration_ms=(time.perf_counter() - started) * 1000,
    )
    if member and code in UNREACHABLE and method not in NOT_ABOUT_THE_PERSON:
        try:
            members.deactivate_member(ctx.conn, member, code)
            log.warning("member %s marked inactive: %s", member, code)
        except Exception:
            log.exception("could not mark %s inactive", member)


def _record(ctx: Any, kind: str, **fields: Any) -> None:
    try:
        events.record_event(ctx.conn, kind, clock=ctx.clock, **fields)
    except Exception:
        log.exception("could not record a %s event", kind)
