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

from checkin import db, report_formats, reports, store, views
from checkin.clock import system_clock
from checkin.config import ConfigError, load_config
from checkin.viewer import OPERATOR, Viewer

TTL = 30  # seconds a read is reused
Unavailable = views.Unavailable
NotAllowed = views.NotAllowed


def now() -> datetime:
    """The web app's clock (tests replace it)."""
    return system_clock()


def viewer() -> Viewer:
    """Who is looking; the local operator until sign-in is configured."""
    return OPERATOR


def db_path() -> str:
    """The configured database, checked: Unavailable says in one line what is wrong."""
    try:
        path = str(load_config().db_path)
    except ConfigError as exc:
        raise Unavailable(str(exc)) from None
    views.check_database(path)
    return path


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
        report = views.weekly_report(conn, _viewer, checkin_id, week, now())
        return report_formats.render(report, fmt, conn)


# --- answers, check-ins, operations ---
