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

from checkin import db, reports, store, views
from checkin.clock import system_clock
from checkin.config import ConfigError, load_config
from checkin.viewer import OPERATOR, Viewer

TTL = 30  # seconds a read is reused
Unavailable = views.Unavailable
NotAllowed = views.NotAllowed


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
        views.check_database(path)
    except Unavailable as exc:
        return str(exc)
    return None


@contextmanager
def connection(path: str) -> Iterator[sqlite3.Connection]:
    """A short-lived connection, closed when the read is done."""
    try:
        conn = db.connect(path)
    except db.DatabaseError as exc:
        raise Unavailable(str(exc)) from None
    try:
        yield conn
    finally:
        conn.close()


# --- the frame ---------------------------------------------------------------------------------


@st.cache_data(ttl=TTL, show_spinner=False)
def table_counts(path: str) -> dict[str, int]:
    with connection(path) as conn:
        return db.table_counts(conn)


@st.cache_data(ttl=TTL, show_spinner=False)
def is_demo(path: str) -> bool:
    with connection(path) as conn:
        return db.get_meta(conn, "kind") == "demo"


@st.cache_data(ttl=5, show_spinner=False)
def bot_status(path: str) -> dict | None:
    """The bot's last heartbeat, or None when no bot has run on this database."""
    with connection(path) as conn:
        hb = store.read_heartbeat(conn)
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


def checkins(viewer: Viewer) -> list[views.CheckinInfo]:
    return _checkins(db_path(), viewer.key, viewer)


@st.cache_data(ttl=TTL, show_spinner=False)
def _checkins(path: str, viewer_key: str, _viewer: Viewer) -> list[views.CheckinInfo]:
    with connection(path) as conn:
        return views.checkins(conn, _viewer)


def week_options(viewer: Viewer, checkin_id: int) -> list[str]:
    return _week_options(db_path(), viewer.key, viewer, checkin_id, now().date().isoformat())


@st.cache_data(ttl=TTL, show_spinner=False)
def _week_options(
    path: str, viewer_key: str, _viewer: Viewer, checkin_id: int, today: str
) -> list[str]:
    with connection(path) as conn:
        return views.week_options(conn, _viewer, checkin_id, now())


def members(viewer: Viewer, checkin_id: int) -> list[tuple[str, str]]:
    return _members(db_path(), viewer.key, viewer, checkin_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def _members(path: str, viewer_key: str, _viewer: Viewer, checkin_id: int) -> list[tuple[str, str]]:
    with connection(path) as conn:
        return views.members(conn, _viewer, checkin_id)


def channels(viewer: Viewer, checkin_id: int) -> list[str]:
    return _channels(db_path(), viewer.key, viewer, checkin_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def _channels(path: str, viewer_key: str, _viewer: Viewer, checkin_id: int) -> list[str]:
    with connection(path) as conn:
        return views.channels(conn, _viewer, checkin_id)


# --- Overview ----------------------------------------------------------------------------------


def overview(viewer: Viewer, scope: views.Scope) -> views.Overview:
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
) -> views.Overview:
    with connection(path) as conn:
        return views.overview(conn, _viewer, views.Scope(checkin_id, first, last, members, channel))


# --- Weekly summary ----------------------------------------------------------------------------


def weekly_report(viewer: Viewer, checkin_id: int, week: str) -> reports.Report:
    return _weekly_report(db_path(), viewer.key, viewer, checkin_id, week)


@st.cache_data(ttl=TTL, show_spinner=False)
def _weekly_report(
    path: str, viewer_key: str, _viewer: Viewer, checkin_id: int, week: str
) -> reports.Report:
    with connection(path) as conn:
        return views.weekly_report(conn, _viewer, checkin_id, week, now())


def report_file(viewer: Viewer, checkin_id: int, week: str, fmt: str) -> bytes:
    """The weekly report as `python -m checkin report --format fmt` writes it."""
    return _report_file(db_path(), viewer.key, viewer, checkin_id, week, fmt)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def _report_file(
    path: str, viewer_key: str, _viewer: Viewer, checkin_id: int, week: str, fmt: str
) -> bytes:
    with connection(path) as conn:
        return views.report_file(conn, _viewer, checkin_id, week, fmt, now())


# --- answers, check-ins, operations ---
#
# The reads of the Answers, Check-ins and Operations pages. Each core read
# takes the viewer first; the cache is keyed on the database path and
# `viewer.key` (the Viewer itself is passed past the hash as `_viewer`).

from collections.abc import Callable  # noqa: E402
from contextlib import contextmanager  # noqa: E402

from checkin import history as _history  # noqa: E402
from checkin import manage as _manage  # noqa: E402
from checkin import operations as _operations  # noqa: E402
from checkin import search as _search  # noqa: E402

ANSWERS_TTL = 30  # seconds: a new answer shows within half a minute
OPERATIONS_TTL = 10

_READS: dict[str, Callable] = {
    "members": _history.members,
    "questions": _history.questions,
    "member_history": _history.member_history,
    "question_history": _history.question_history,
    "question_wordings": _history.question_wordings,
    "search": _search.search_answers,
    "checkins": _manage.checkins,
    "checkin_form": _manage.checkin_form,
    "checkin_members": _manage.checkin_members,
    "export_toml": _manage.export_toml,
    "heartbeat": _operations.heartbeat,
    "daily_events": _operations.daily_events,
    "slack_errors": _operations.slack_errors,
    "rate_limit_waits": _operations.rate_limit_waits,
    "run_send_durations": _operations.run_send_durations,
    "answers_per_day": _operations.answers_per_day,
    "outbox_queue": _operations.outbox_queue,
    "failed_report_posts": _operations.failed_report_posts,
}


current_viewer = viewer  # the name the Answers, Check-ins and Operations pages use


@contextmanager
def _reading(path: str) -> Iterator[sqlite3.Connection]:
    try:
        conn = db.connect(path)
    except db.DatabaseError as exc:
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
        return _manage.outbox_status(conn, viewer, list(outbox_ids))


def recent_requests(path: str, viewer: Viewer, checkin_id: int) -> list:
    """The latest outbox rows of one check-in, whoever queued them (no cache: it is the status)."""
    with _reading(path) as conn:
        return _manage.recent_requests(conn, viewer, checkin_id)


def write(path: str, viewer: Viewer, name: str, *args: object, **kwargs: object) -> object:
    """A change made from a page (save a check-in, queue a send); clears the cached reads."""
    with _reading(path) as conn:
        result = getattr(_manage, name)(conn, viewer, *args, **kwargs)
    _cached.clear()
    return result
