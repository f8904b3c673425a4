"""Every read the web app makes, cached briefly; pages hold no SQL.

Each read opens the database, reads and closes it again, so the web app
never holds a transaction open while the bot writes.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pandas as pd
import streamlit as st

from checkin import db, store
from checkin.clock import system_clock
from checkin.config import ConfigError, load_config


class Unavailable(Exception):
    """The database cannot be shown; str() is the line for the page."""


def db_path() -> str:
    try:
        return str(load_config().db_path)
    except ConfigError as exc:
        raise Unavailable(str(exc)) from None


def _connect(path: str) -> sqlite3.Connection:
    try:
        return db.connect(path)
    except db.DatabaseError as exc:
        raise Unavailable(str(exc)) from None


@st.cache_data(ttl=10, show_spinner=False)
def table_counts(path: str) -> dict[str, int]:
    with closing(_connect(path)) as conn:
        return db.table_counts(conn)


@st.cache_data(ttl=10, show_spinner=False)
def is_demo(path: str) -> bool:
    with closing(_connect(path)) as conn:
        return db.get_meta(conn, "kind") == "demo"


@st.cache_data(ttl=10, show_spinner=False)
def weekly_participation(path: str) -> pd.DataFrame:
    """Per check-in and week: runs sent, answered, and the share answered."""
    with closing(_connect(path)) as conn:
        rows = conn.execute(
            "SELECT c.name AS checkin, r.week, "
            "SUM(r.status NOT IN ('due','dev_skipped','failed')) AS asked, "
            "SUM(r.status = 'answered') AS answered "
            "FROM runs r JOIN checkins c ON c.id = r.checkin_id "
            "GROUP BY c.name, r.week ORDER BY r.week"
        ).fetchall()
    frame = pd.DataFrame([dict(r) for r in rows], columns=["checkin", "week", "asked", "answered"])
    if not frame.empty:
        frame["participation"] = (
            frame["answered"] / frame["asked"].where(frame["asked"] > 0)
        ).round(3)
    return frame


@st.cache_data(ttl=10, show_spinner=False)
def latest_answers(path: str, limit: int = 50) -> pd.DataFrame:
    with closing(_connect(path)) as conn:
        rows = conn.execute(
            "SELECT a.answered_at, COALESCE(NULLIF(m.real_name, ''), m.slack_id) AS member, "
            "c.name AS checkin, a.question_text AS question, "
            "CASE WHEN a.skipped THEN '(skipped)' ELSE a.text END AS answer, a.late "
            "FROM answers a JOIN members m ON m.slack_id = a.member_id "
            "JOIN checkins c ON c.id = a.checkin_id ORDER BY a.answered_at DESC LIMIT ?",
            (limit,),
        ).fetchall()
    return pd.DataFrame([dict(r) for r in rows])


@st.cache_data(ttl=5, show_spinner=False)
def bot_status(path: str) -> dict | None:
    """The bot's last heartbeat, or None when no bot has run on this database."""
    with closing(_connect(path)) as conn:
        hb = store.read_heartbeat(conn)
    if hb is None:
        return None
    return {
        "pid": hb.pid,
        "host": hb.host,
        "env": hb.env,
        "connected": hb.connected,
        "age_seconds": int(hb.age(system_clock()).total_seconds()),
        "stale": hb.is_stale(system_clock()),
    }


# --- answers, check-ins, operations ---
#
# The reads of the Answers, Check-ins and Operations pages. Each core read
# takes the viewer first; the cache is keyed on the database path and
# `viewer.key` (the Viewer itself is passed past the hash as `_viewer`).

from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402

from checkin import history as _history  # noqa: E402
from checkin import manage as _manage  # noqa: E402
from checkin import operations as _operations  # noqa: E402
from checkin import search as _search  # noqa: E402
from checkin.viewer import OPERATOR, Viewer  # noqa: E402

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


def current_viewer() -> Viewer:
    """Who is looking: the viewer sign-in puts in the session, else the local operator."""
    viewer = st.session_state.get("viewer")
    return viewer if isinstance(viewer, Viewer) else OPERATOR


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
