"""Owning the data, for admins: the last backup, the deploy trail, a member's export or erasure.

The Operations page calls `show_backups(viewer)`, `show_deploys(viewer)` and
`show_member_data(viewer)`; each shows nothing to a viewer who is not an
admin (the reads return nothing to them either). Erasing goes through the
same core function as `python -m checkin member forget`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import streamlit as st

from checkin.ops import privacy
from checkin.ops.deploys import Deploy
from checkin.people.viewer import Viewer
from dashboard import data

T = TypeVar("T")

BACKUP_COLUMNS = ["taken_at", "taken_by", "path", "bytes", "schema_version"]
TRAIL_COLUMNS = ["started_at", "process", "version", "commit", "environment", "host", "pid"]


def age_words(hours: float) -> str:
    if hours < 1:
        return f"{max(0, round(hours * 60))} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.1f} days"


def trail_table(trail: list[Deploy]) -> pd.DataFrame:
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
            for d in trail
        ],
        columns=TRAIL_COLUMNS,
    )


def _panel(viewer: Viewer, title: str, read: Callable[[], T]) -> T | None:
    """What every panel starts with: admins only; its reads, or one line saying why the
    database cannot be read; then its heading. None: show nothing more."""
    if not viewer.is_admin:
        return None
    try:
        found = read()
    except data.Unavailable as exc:
        st.error(str(exc))
        return None
    st.header(title)
    return found


def show_backups(viewer: Viewer) -> None:
    """The last backup and its age, with a warning when it is older than two days."""
    found = _panel(
        viewer, "Backups", lambda: (data.last_backup(viewer), data.recent_backups(viewer))
    )
    if found is None:
        return
    last, recent = found
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
    st.dataframe(pd.DataFrame(recent, columns=BACKUP_COLUMNS), hide_index=True)


def show_deploys(viewer: Viewer) -> None:
    """What runs now and every start before it: version, commit, environment, host."""
    found = _panel(viewer, "Deploys", lambda: (data.running_bot(viewer), data.deploy_trail(viewer)))
    if found is None:
        return
    running, trail = found
    if running is None:
        st.caption("Bot: no heartbeat on this database.")
    else:
        state = "last seen" if running["stale"] else "running"
        version = running["version"] or "unknown version"
        st.caption(f"Bot {state}: {version}, pid {running['pid']} on {running['host']}.")
    if not trail:
        st.write("No start has been recorded yet.")
    else:
        st.dataframe(trail_table(trail), hide_index=True)


def show_member_data(viewer: Viewer) -> None:
    """Export one member's data as JSON, or erase what they wrote after a typed confirmation."""
    members = _panel(viewer, "A member's data", lambda: data.privacy_members(viewer))
    if members is None:
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
    export = data.member_export(viewer, member_id)
    plan = data.forget_plan(viewer, member_id)
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
                done = data.forget_member(viewer, member_id)
                st.success(f"Forgot {member_id}: {done.total} rows changed.")
