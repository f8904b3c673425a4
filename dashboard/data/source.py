"""Where the web app's data comes from: the configured database, the clock and the configuration.

`db_path()` finds and checks the database once for every read and change;
`connection()` opens it for one read or change and closes it again, so the web
app never holds a transaction open while the bot writes. `cached(ttl)` is how
a read is kept: per database path and per viewer (`Viewer.key`), for a few
seconds. `change()` is how a change is made: every cached read is dropped
after it, so the next run shows it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import ParamSpec, TypeVar

import streamlit as st

from checkin import errors
from checkin.clock import system_clock
from checkin.config import ConfigError, load_config, signing_secret
from checkin.db import check
from checkin.db import connection as db_connection
from checkin.people.viewer import Viewer

P = ParamSpec("P")
T = TypeVar("T")

Unavailable = check.Unavailable  # the database or the configuration cannot be used: one line why
NotAllowed = errors.NotAllowed  # the viewer may not see or do this


def now() -> datetime:
    """The web app's clock (tests replace it)."""
    return system_clock()


def today() -> date:
    """Today's date in UTC, by the web app's clock."""
    return now().date()


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


SAVE_LATER = "could not save, please try again in a minute"
READ_LATER = "could not read the database just now ({}); please try again in a minute"


@contextmanager
def connection(path: str | None = None) -> Iterator[sqlite3.Connection]:
    """A short-lived connection to the database, closed when the read is done.

    A cached read passes the path its cache is keyed on; everything else opens `db_path()`.
    """
    try:
        conn = db_connection.connect(db_path() if path is None else path)
    except db_connection.DatabaseError as exc:
        raise Unavailable(str(exc)) from None
    except sqlite3.OperationalError as exc:  # locked past the busy timeout, I/O: it may pass
        raise Unavailable(READ_LATER.format(exc)) from None
    try:
        yield conn
    except sqlite3.OperationalError as exc:
        raise Unavailable(READ_LATER.format(exc)) from None
    finally:
        conn.close()


@contextmanager
def change() -> Iterator[sqlite3.Connection]:
    """A connection for one change; after it succeeds every cached read is dropped.

    A change the database cannot take now (locked by another process past the
    busy timeout, a full disk, an I/O error) is Unavailable with one line
    saying to try again; it changed nothing, and the page keeps what was typed.
    """
    with connection() as conn:
        try:
            yield conn
        except sqlite3.OperationalError:
            raise Unavailable(SAVE_LATER) from None
    st.cache_data.clear()


def _viewer_key(viewer: Viewer) -> str:
    return viewer.key


def cached(ttl: int, max_entries: int | None = None) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """`st.cache_data` for a read: kept `ttl` seconds, a Viewer argument keyed by `Viewer.key`.

    The read's first argument is the database path, so each database has its own entries.
    """
    return st.cache_data(
        ttl=ttl, max_entries=max_entries, show_spinner=False, hash_funcs={Viewer: _viewer_key}
    )


def admins() -> tuple[str, ...]:
    """The Slack ids of CHECKIN_ADMINS, for the rules that also ask the configuration."""
    try:
        return load_config().admins
    except ConfigError as exc:
        raise Unavailable(str(exc)) from None


def secret() -> bytes:
    """The key that signs feedback links, as the bot uses it."""
    try:
        return signing_secret(load_config())
    except (ConfigError, OSError) as exc:
        raise Unavailable(f"cannot read the link-signing secret: {exc}") from None
