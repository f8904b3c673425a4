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
