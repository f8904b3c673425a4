"""Owning the data, for admins: the last backup, the deploy trail, a member's export or erasure.

The Operations page calls `show_backups(viewer)`, `show_deploys(viewer)` and
`show_member_data(viewer)`; each shows nothing to a viewer who is not an
admin (the core reads return nothing to them either). Reads are cached
briefly, keyed by the database and the viewer; erasing goes through the same
core function as `python -m checkin member forget`.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pandas as pd
import streamlit as st

from checkin.clock import system_clock
from checkin.config import ConfigError, load_config
from checkin.db import connection
from checkin.ops import backup, deploys, privacy
from checkin.people.viewer import Viewer
from dashboard import data


def _connect(path: str) -> sqlite3.Connection:
    try:
        return connection.connect(path)
    except connection.DatabaseError as exc:
        raise data.Unavailable(str(exc)) from None


@st.cache_resource(show_spinner=False)
def _record_start(path: str) -> deploys.Deploy | None:
    try:
        config = load_config()
        with closing(connection.connect(path)) as conn:
            return deploys.record_start(conn, "web", config)
    except (ConfigError, connection.DatabaseError, sqlite3.Error):
        return None  # the page itself shows why the database cannot be used


def record_web_start() -> deploys.Deploy | None:
    """Add this web app's start to the deploy trail, once per process and database."""
    try:
        return _record_start(data.db_path())
    except data.Unavailable:
        return None


@st.cache_data(ttl=10, show_spinner=False)
def _last_backup(path: str, viewer_key: str, _viewer: Viewer) -> dict | None:
    with closing(_connect(path)) as conn:
        return backup.last_backup(_viewer, conn, system_clock())


@st.cache_data(ttl=10, show_spinner=False)
def _recent_backups(path: str, viewer_key: str, _viewer: Viewer) -> pd.DataFrame:
    with closing(_connect(path)) as conn:
        rows = backup.recent_backups(_viewer, conn)
    return pd.DataFrame(rows, columns=["taken_at", "taken_by", "path", "bytes", "schema_version"])


@st.cache_data(ttl=10, show_spinner=False)
def _trail(path: str, viewer_key: str, _viewer: Viewer) -> pd.DataFrame:
    with closing(_connect(path)) as conn:
        rows = deploys.trail(_viewer, conn)
    return pd.DataFrame(
        [
            {
                "started_at": d.started_at.strftime("%Y-%m-%d %H:%M:%SZ"),
                "process": d.process,
                "version": d.version,
                "commit": (d.git_commit or "")[:12],
                "environment": d.env,
                "host": d.host,
                "pid": d.pid,
            }
            for d in rows
        ],
        columns=["started_at", "process", "version", "commit", "environment", "host", "pid"],
    )


@st.cache_data(ttl=5, show_spinner=False)
def _running_bot(path: str, viewer_key: str, _viewer: Viewer) -> dict | None:
    if not _viewer.is_admin:
        return None
    with closing(_connect(path)) as conn:
        found = deploys.running_bot(conn)
    if found is None:
        return None
    holder, start = found
    return {
        "pid": holder.pid,
        "host": holder.host,
        "stale": holder.is_stale(system_clock()),
        "version": start.label if start else None,
    }


@st.cache_data(ttl=10, show_spinner=False)
def _members(path: str, viewer_key: str, _viewer: Viewer) -> list[dict]:
    with closing(_connect(path)) as conn:
        return privacy.members_for(_viewer, conn)


def _path() -> str | None:
    try:
        return data.db_path()
    except data.Unavailable as exc:
        st.error(str(exc))
        return None


def age_words(hours: float) -> str:
    if hours < 1:
        return f"{max(0, round(hours * 60))} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.1f} days"


def show_backups(viewer: Viewer) -> None:
    """The last backup and its age, with a warning when it is older than two days."""
    if not viewer.is_admin:
        return
    path = _path()
    if path is None:
        return
    st.subheader("Backups")
    try:
        last = _last_backup(path, viewer.key, viewer)
        recent = _recent_backups(path, viewer.key, viewer)
    except data.Unavailable as exc:
        st.error(str(exc))
        return
    if last is None:
        st.warning(
            "No backup has been taken of this database. Set CHECKIN_BACKUP_DIR for a daily one "
            "by the bot, or run `python -m checkin backup`.",
            icon=":material/backup:",
        )
        return
    ago = age_words(last["age_hours"])
    if last["stale"]:
        st.warning(
            f"The last backup is {ago} old (older than two days): check the bot's daily job "
            "or run `python -m checkin backup`.",
            icon=":material/warning:",
        )
    cols = st.columns(3)
    cols[0].metric("Last backup", f"{ago} ago")
    cols[1].metric("Size", last["size"])
    cols[2].metric("Taken by", last["taken_by"])
    st.caption(f"{last['path']} at {last['taken_at']}, schema {last['schema_version']}")
    st.dataframe(recent, hide_index=True)


def show_deploys(viewer: Viewer) -> None:
    """What runs now and every start before it: version, commit, environment, host."""
    if not viewer.is_admin:
        return
    path = _path()
    if path is None:
        return
    st.subheader("Deploys")
    try:
        running = _running_bot(path, viewer.key, viewer)
        trail = _trail(path, viewer.key, viewer)
    except data.Unavailable as exc:
        st.error(str(exc))
        return
    if running is None:
        st.caption("Bot: no heartbeat on this database.")
    else:
        state = "last seen" if running["stale"] else "running"
        version = running["version"] or "unknown version"
        st.caption(f"Bot {state}: {version}, pid {running['pid']} on {running['host']}.")
    if trail.empty:
        st.write("No start has been recorded yet.")
    else:
        st.dataframe(trail, hide_index=True)


def show_member_data(viewer: Viewer) -> None:
    """Export one member's data as JSON, or erase what they wrote after a typed confirmation."""
    if not viewer.is_admin:
        return
    path = _path()
    if path is None:
        return
    st.subheader("A member's data")
    try:
        members = _members(path, viewer.key, viewer)
    except data.Unavailable as exc:
        st.error(str(exc))
        return
    if not members:
        st.write("No members yet.")
        return
    names = {m["slack_id"]: m["name"] for m in members}
    member_id = st.selectbox(
        "Member",
        list(names),
        format_func=lambda uid: f"{names[uid]} ({uid})",
        key="ownership_member",
    )
    with closing(_connect(path)) as conn:
        export = privacy.export_member(viewer, conn, member_id)
        plan = privacy.forget_plan(conn, member_id)
    st.download_button(
        "Export as JSON",
        data=privacy.export_json(export).encode("utf-8"),
        file_name=f"checkin-{member_id}.json",
        mime="application/json",
        key="ownership_export",
    )
    st.caption(
        f"{len(export['answers'])} answers, {len(export['runs'])} check-ins sent, "
        f"{len(export['pool_questions_submitted'])} pool questions; feedback responses are "
        "anonymous and never part of it."
    )
    with st.expander("Forget this member"):
        st.text(plan.summary() + ". Backups taken before keep their copy until pruned.")
        typed = st.text_input(
            f"Type {member_id} to confirm", key="ownership_forget_confirm", max_chars=40
        )
        if st.button("Forget", type="primary", key="ownership_forget"):
            if typed.strip() != member_id:
                st.error(f"Type {member_id} exactly to confirm; nothing was erased.")
            else:
                with closing(_connect(path)) as conn:
                    done = privacy.forget_member(viewer, conn, member_id)
                _members.clear()
                st.success(f"Forgot {member_id}: {done.total} rows changed.")
