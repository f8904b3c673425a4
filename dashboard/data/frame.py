"""What the frame shows above every page: the bot's heartbeat, whether this is the demo,
and the web app's own start in the deploy trail. Facts about the database, the same for
every viewer."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import streamlit as st

from checkin.config import ConfigError, load_config
from checkin.db import connection as db_connection
from checkin.ops import deploys, heartbeat
from dashboard.data import source


def bot_status() -> dict | None:
    """The bot's last heartbeat, or None when no bot has run on this database."""
    return _bot_status(source.db_path())


@source.cached(ttl=5)
def _bot_status(path: str) -> dict | None:
    with source.connection(path) as conn:
        hb = heartbeat.read_heartbeat(conn)
    if hb is None:
        return None
    at = source.now()
    return {
        "pid": hb.pid,
        "host": hb.host,
        "env": hb.env,
        "dev_users": list(hb.dev_users),
        "connected": hb.connected,
        "age_seconds": int(hb.age(at).total_seconds()),
        "stale": hb.is_stale(at),
        # which of its loops stopped completing, and since when (the bot restarts on it)
        "stale_loops": [
            {
                "name": loop.name,
                "since": loop.since.strftime("%Y-%m-%d %H:%M UTC"),
                "age_seconds": max(0, int((at - loop.since).total_seconds())),
            }
            for loop in heartbeat.stale_loops(hb, at)
        ],
    }


def is_demo() -> bool:
    """Whether the database is the demo workspace `python -m checkin demo` made."""
    return _is_demo(source.db_path())


@source.cached(ttl=30)
def _is_demo(path: str) -> bool:
    with source.connection(path) as conn:
        return db_connection.get_meta(conn, "kind") == "demo"


def record_web_start() -> deploys.Deploy | None:
    """Add this web app's start to the deploy trail, once per process and database."""
    try:
        return _record_start(source.db_path())
    except source.Unavailable:
        return None  # the page itself shows why the database cannot be used


@st.cache_resource(show_spinner=False)
def _record_start(path: str) -> deploys.Deploy | None:
    try:
        config = load_config()
        with closing(db_connection.connect(path)) as conn:
            return deploys.record_start(conn, "web", config)
    except (ConfigError, db_connection.DatabaseError, sqlite3.Error):
        return None
