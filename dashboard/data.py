"""Every read the web app makes, cached briefly; pages hold no SQL.

Each wrapper takes the viewer first, like the core function it calls, and
caches on the database path and `viewer.key` for a short `TTL`, so a new
answer shows within a minute. Each read opens the database, reads and closes
it again: the web app never holds a transaction open while the bot writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import streamlit as st

from checkin import errors
from checkin.clock import system_clock
from checkin.config import ConfigError, load_config
from checkin.db import check
from checkin.db import connection as db_connection
from checkin.ops import heartbeat
from checkin.overview import figures
from checkin.overview import scope as overview_scope
from checkin.overview.model import Overview
from checkin.people.viewer import OPERATOR, Viewer
from checkin.reports import for_viewer, model

TTL = 30  # seconds a read is reused
Unavailable = check.Unavailable
NotAllowed = errors.NotAllowed


def now() -> datetime:
    """The web app's clock (tests replace it)."""
    return system_clock()


class NoViewer(Unavailable):
    """Sign-in is configured and nobody is signed in: the page shows nothing."""


def viewer() -> Viewer:
    """Who is looking: the viewer the frame's sign-in put in the session.

    Without sign-in configured that is the local operator; with it, a page run
    without a signed-in viewer gets `NoViewer`, never the operator's rights.
    """
    found = st.session_state.get("viewer")
    if isinstance(found, Viewer):
        return found
    from dashboard.auth import auth_section

    if auth_section() is not None:
        raise NoViewer("Sign in to see this page.")
    return OPERATOR


def db_path() -> str:
    """The configured database, checked: Unavailable says in one line what is wrong."""
    try:
        path = str(load_config().db_path)
    except ConfigError as exc:
        raise Unavailable(str(exc)) from None
    problem = _database_problem(path)
    if problem:
        raise Unavailable(problem)
    return path


@st.cache_data(ttl=5, show_spinner=False)
def _database_problem(path: str) -> str | None:
    """What is wrong with the file, checked once per few seconds, not on every call and rerun."""
    try:
        check.check_database(path)
    except Unavailable as exc:
        return str(exc)
    return None


@contextmanager
def connection(path: str) -> Iterator[sqlite3.Connection]:
    """A short-lived connection, closed when the read is done."""
    try:
        conn = db_connection.connect(path)
    except db_connection.DatabaseError as exc:
        raise Unavailable(str(exc)) from None
    try:
        yield conn
    finally:
        conn.close()


# --- the frame ---------------------------------------------------------------------------------


@st.cache_data(ttl=TTL, show_spinner=False)
def table_counts(path: str) -> dict[str, int]:
    with connection(path) as conn:
        return db_connection.table_counts(conn)


@st.cache_data(ttl=TTL, show_spinner=False)
def is_demo(path: str) -> bool:
    with connection(path) as conn:
        return db_connection.get_meta(conn, "kind") == "demo"


@st.cache_data(ttl=5, show_spinner=False)
def bot_status(path: str) -> dict | None:
    """The bot's last heartbeat, or None when no bot has run on this database."""
    with connection(path) as conn:
        hb = heartbeat.read_heartbeat(conn)
    if hb is None:
        return None
    at = now()
    return {
        "pid": hb.pid,
        "host": hb.host,
        "env": hb.env,
        "dev_users": list(hb.dev_users),
        "connected": hb.connected,
        "age_seconds": int(hb.age(at).total_seconds()),
        "stale": hb.is_stale(at),
    }


# --- filters -----------------------------------------------------------------------------------


def checkins(viewer: Viewer) -> list[overview_scope.CheckinInfo]:
    return _checkins(db_path(), viewer.key, viewer)


@st.cache_data(ttl=TTL, show_spinner=False)
def _checkins(path: str, viewer_key: str, _viewer: Viewer) -> list[overview_scope.CheckinInfo]:
    with connection(path) as conn:
        return overview_scope.checkins(conn, _viewer)


def week_options(viewer: Viewer, checkin_id: int) -> list[str]:
    return _week_options(db_path(), viewer.key, viewer, checkin_id, now().date().isoformat())


@st.cache_data(ttl=TTL, show_spinner=False)
def _week_options(
    path: str, viewer_key: str, _viewer: Viewer, checkin_id: int, today: str
) -> list[str]:
    with connection(path) as conn:
        return overview_scope.week_options(conn, _viewer, checkin_id, now())


def members(viewer: Viewer, checkin_id: int) -> list[tuple[str, str]]:
    return _members(db_path(), viewer.key, viewer, checkin_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def _members(path: str, viewer_key: str, _viewer: Viewer, checkin_id: int) -> list[tuple[str, str]]:
    with connection(path) as conn:
        return overview_scope.members(conn, _viewer, checkin_id)


def channels(viewer: Viewer, checkin_id: int) -> list[str]:
    return _channels(db_path(), viewer.key, viewer, checkin_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def _channels(path: str, viewer_key: str, _viewer: Viewer, checkin_id: int) -> list[str]:
    with connection(path) as conn:
        return overview_scope.channels(conn, _viewer, checkin_id)


# --- Overview ----------------------------------------------------------------------------------


def overview(viewer: Viewer, scope: overview_scope.Scope) -> Overview:
    return _overview(
        db_path(), viewer.key, viewer, scope.checkin_id, scope.first, scope.last,
        scope.members, scope.channel,
    )  # fmt: skip


@st.cache_data(ttl=TTL, show_spinner=False)
def _overview(
    path: str,
    viewer_key: str,
    _viewer: Viewer,
    checkin_id: int,
    first: str,
    last: str,
    members: tuple[str, ...],
    channel: str | None,
) -> Overview:
    with connection(path) as conn:
        return figures.overview(conn, _viewer, overview_scope.Scope(checkin_id, first, last, members, channel))


# --- Weekly summary ----------------------------------------------------------------------------


def weekly_report(viewer: Viewer, checkin_id: int, week: str) -> model.Report:
    return _weekly_report(db_path(), viewer.key, viewer, checkin_id, week)


@st.cache_data(ttl=TTL, show_spinner=False)
def _weekly_report(
    path: str, viewer_key: str, _viewer: Viewer, checkin_id: int, week: str
) -> model.Report:
    with connection(path) as conn:
        return for_viewer.weekly_report(conn, _viewer, checkin_id, week, now())


def report_file(viewer: Viewer, checkin_id: int, week: str, fmt: str) -> bytes:
    """The weekly report as `python -m checkin report --format fmt` writes it."""
    return _report_file(db_path(), viewer.key, viewer, checkin_id, week, fmt)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def _report_file(
    path: str, viewer_key: str, _viewer: Viewer, checkin_id: int, week: str, fmt: str
) -> bytes:
    with connection(path) as conn:
        return for_viewer.report_file(conn, _viewer, checkin_id, week, fmt, now())


# --- answers, check-ins, operations ---
#
# The reads of the Answers, Check-ins and Operations pages. Each core read
# takes the viewer first; the cache is keyed on the database path and
# `viewer.key` (the Viewer itself is passed past the hash as `_viewer`).

from collections.abc import Callable  # noqa: E402
from contextlib import contextmanager  # noqa: E402

from checkin.answers import history, search  # noqa: E402
from checkin.checkins import actions, editing  # noqa: E402
from checkin.ops import status  # noqa: E402

ANSWERS_TTL = 30  # seconds: a new answer shows within half a minute
OPERATIONS_TTL = 10

_READS: dict[str, Callable] = {
    "members": history.members,
    "questions": history.questions,
    "member_history": history.member_history,
    "question_history": history.question_history,
    "question_wordings": history.question_wordings,
    "search": search.search_answers,
    "checkins": editing.checkins,
    "checkin_form": editing.checkin_form,
    "checkin_members": editing.checkin_members,
    "export_toml": editing.export_toml,
    "heartbeat": status.heartbeat,
    "daily_events": status.daily_events,
    "slack_errors": status.slack_errors,
    "rate_limit_waits": status.rate_limit_waits,
    "run_send_durations": status.run_send_durations,
    "answers_per_day": status.answers_per_day,
    "outbox_queue": status.outbox_queue,
    "failed_report_posts": status.failed_report_posts,
}


current_viewer = viewer  # the name the Answers, Check-ins and Operations pages use


@contextmanager
def _reading(path: str) -> Iterator[sqlite3.Connection]:
    try:
        conn = db_connection.connect(path)
    except db_connection.DatabaseError as exc:
        raise Unavailable(str(exc)) from None
    try:
        yield conn
    finally:
        conn.close()


def _call(path: str, viewer: Viewer, name: str, args: tuple, kwargs: tuple) -> object:
    with _reading(path) as conn:
        return _READS[name](conn, viewer, *args, **dict(kwargs))


@st.cache_data(ttl=ANSWERS_TTL, show_spinner=False)
def _cached(path: str, viewer_key: str, _viewer: Viewer, name: str, args: tuple, kwargs: tuple):  # noqa: ANN202
    return _call(path, _viewer, name, args, kwargs)


@st.cache_data(ttl=OPERATIONS_TTL, show_spinner=False)
def _cached_ops(path: str, viewer_key: str, _viewer: Viewer, name: str, args: tuple, kwargs: tuple):  # noqa: ANN202
    return _call(path, _viewer, name, args, kwargs)


def read(path: str, viewer: Viewer, name: str, *args: object, **kwargs: object) -> object:
    """A core read by name (see `_READS`), cached for `ANSWERS_TTL` seconds."""
    return _cached(path, viewer.key, viewer, name, args, tuple(sorted(kwargs.items())))


def read_ops(path: str, viewer: Viewer, name: str, *args: object, **kwargs: object) -> object:
    """An operations read by name, cached for `OPERATIONS_TTL` seconds."""
    return _cached_ops(path, viewer.key, viewer, name, args, tuple(sorted(kwargs.items())))


def outbox_status(path: str, viewer: Viewer, outbox_ids: tuple[int, ...]) -> list:
    """The outbox rows the page queued, read fresh on every run (no cache: it is the status)."""
    with _reading(path) as conn:
        return actions.outbox_status(conn, viewer, list(outbox_ids))


def recent_requests(path: str, viewer: Viewer, checkin_id: int) -> list:
    """The latest outbox rows of one check-in, whoever queued them (no cache: it is the status)."""
    with _reading(path) as conn:
        return actions.recent_requests(conn, viewer, checkin_id)


def write(path: str, viewer: Viewer, name: str, *args: object, **kwargs: object) -> object:
    """A change made from a page (save a check-in, queue a send); clears the cached reads."""
    with _reading(path) as conn:
        result = (getattr(editing, name, None) or getattr(actions, name))(conn, viewer, *args, **kwargs)
    _cached.clear()
    return result
