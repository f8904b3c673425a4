"""Reads and writes of the question pool and feedback pages, behind short caches.

Every read takes the viewer first and is made by `checkin.pool` or
`checkin.feedback`; this module only opens the database, calls, and closes
it again. The viewer is the one the frame signed in (`dashboard.auth`); the
local operator only when sign-in is not configured, and nobody otherwise.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from typing import Any, TypeVar

import streamlit as st

from checkin.config import ConfigError, load_config, signing_secret
from checkin.db.connection import DatabaseError, connect
from checkin.feedback import listing as feedback_listing
from checkin.feedback import results
from checkin.people.viewer import Viewer
from checkin.pool import moderation
from checkin.pool.listing import answers_to, listing
from dashboard import data

T = TypeVar("T")


# One rule for every page: the same line for a database that cannot be shown, the
# same viewer (the local operator only while sign-in is not configured).
Unavailable = data.Unavailable
current_viewer = data.viewer
db_path = data.db_path


def admins() -> tuple[str, ...]:
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


@contextmanager
def connection(path: str) -> Iterator[sqlite3.Connection]:
    try:
        conn = connect(path)
    except DatabaseError as exc:
        raise Unavailable(str(exc)) from None
    with closing(conn):
        yield conn


def write(path: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A change (submit, moderate, request, answer): then the cached reads are dropped."""
    with connection(path) as conn:
        result = fn(conn, *args, **kwargs)
    clear()
    return result


def clear() -> None:
    pool_listing.clear()
    pool_answers.clear()
    feedback_requests.clear()
    people.clear()
    subjects.clear()


@st.cache_data(ttl=10, show_spinner=False)
def pool_listing(path: str, viewer_key: str, _viewer: Viewer) -> list[dict]:
    with connection(path) as conn:
        return listing(conn, _viewer)


@st.cache_data(ttl=10, show_spinner=False)
def pool_answers(path: str, viewer_key: str, _viewer: Viewer, question_id: int) -> list[dict]:
    with connection(path) as conn:
        return answers_to(conn, _viewer, question_id)


@st.cache_data(ttl=10, show_spinner=False)
def feedback_requests(path: str, viewer_key: str, _viewer: Viewer) -> list[dict]:
    with connection(path) as conn:
        return feedback_listing.requests_for(conn, _viewer)


def feedback_results(path: str, viewer: Viewer, request_id: int) -> results.Results:
    """Not cached: the free text is shuffled on each read."""
    with connection(path) as conn:
        return results.results(conn, viewer, request_id)


def feedback_undelivered(path: str, viewer: Viewer, request_id: int) -> list[dict]:
    with connection(path) as conn:
        return feedback_listing.undelivered(conn, viewer, request_id)


@st.cache_data(ttl=30, show_spinner=False)
def people(path: str, viewer_key: str, _viewer: Viewer) -> list[tuple[str, str]]:
    with connection(path) as conn:
        return feedback_listing.member_choices(conn, _viewer)


@st.cache_data(ttl=30, show_spinner=False)
def subjects(path: str, viewer_key: str, _viewer: Viewer) -> list[tuple[str, str]]:
    with connection(path) as conn:
        return feedback_listing.subject_choices(conn, _viewer, admins())


def is_admin(path: str, viewer: Viewer) -> bool:
    with connection(path) as conn:
        return moderation.viewer_moderates(conn, viewer, admins())
