""" "Send now" and "post this week's summary" from the web app, as outbox rows, and how they ended.

The web app never calls Slack: it writes a row the bot picks up within
seconds. An admin or the check-in's lead may queue work for it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from checkin import errors
from checkin.checkins import model
from checkin.checkins.editing import may_manage, require_manager
from checkin.clock import Clock, system_clock
from checkin.ops import outbox
from checkin.people.viewer import Viewer
from checkin.weeks import parse_week


@dataclass(frozen=True)
class OutboxStatus:
    """An outbox row as the page shows it: what was asked, and how it ended."""

    id: int
    kind: str
    payload: dict
    status: str  # pending | running | done | failed
    error: str | None
    attempts: int
    requested_by: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def what(self) -> str:
        """One line: what the row asks the bot to do."""
        p = self.payload
        if self.kind == "send_checkin":
            who = ", ".join(p.get("members") or []) or "everyone"
            return f"send {p.get('checkin')} now to {who}"
        if self.kind == "post_report":
            return f"post the {p.get('checkin')} summary of {p.get('week')} to {p.get('channel')}"
        return self.kind


def send_now(
    conn: sqlite3.Connection,
    viewer: Viewer,
    checkin_id: int,
    member_id: str | None = None,
    clock: Clock = system_clock,
) -> int:
    """Queue one `send_checkin` outbox row (everyone, or one member); returns its id."""
    require_manager(viewer, checkin_id, "send this check-in")
    c = model.get_checkin_by_id(conn, checkin_id)
    if c is None:
        raise errors.NotFound(f"there is no check-in #{checkin_id}")
    return outbox.enqueue(
        conn,
        "send_checkin",
        {"checkin": c["name"], "members": [member_id] if member_id else []},
        requested_by=viewer.slack_id or "dashboard",
        clock=clock,
    )


def post_summary(
    conn: sqlite3.Connection,
    viewer: Viewer,
    checkin_id: int,
    week: str = "this",
    clock: Clock = system_clock,
) -> int:
    """Queue one `post_report` outbox row for a week (default: this week in the check-in's zone)."""
    require_manager(viewer, checkin_id, "post this check-in's summary")
    c = model.get_checkin_by_id(conn, checkin_id)
    if c is None:
        raise errors.NotFound(f"there is no check-in #{checkin_id}")
    if not c["report_channel"]:
        raise errors.NotFound(f"{c['name']} has no report channel: set one in the form first")
    try:
        iso_week = parse_week(week, clock(), c["timezone"] or "UTC")
    except ValueError as exc:
        raise errors.NotFound(str(exc)) from None
    return outbox.enqueue(
        conn,
        "post_report",
        {"checkin": c["name"], "week": iso_week, "channel": c["report_channel"]},
        requested_by=viewer.slack_id or "dashboard",
        clock=clock,
    )


def _status(row: sqlite3.Row) -> OutboxStatus:
    return OutboxStatus(
        id=row["id"],
        kind=row["kind"],
        payload=json.loads(row["payload"] or "{}"),
        status=row["status"],
        error=row["error"],
        attempts=row["attempts"],
        requested_by=row["requested_by"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


def outbox_status(
    conn: sqlite3.Connection, viewer: Viewer, outbox_ids: list[int]
) -> list[OutboxStatus]:
    """The listed outbox rows, newest first, as far as the viewer may see their check-ins."""
    if not outbox_ids:
        return []
    marks = ", ".join("?" for _ in outbox_ids)
    rows = conn.execute(
        f"SELECT * FROM outbox WHERE id IN ({marks}) ORDER BY id DESC",  # noqa: S608
        list(outbox_ids),
    ).fetchall()
    return [s for s in map(_status, rows) if _may_see_row(conn, viewer, s)]


def recent_requests(
    conn: sqlite3.Connection, viewer: Viewer, checkin_id: int, limit: int = 10
) -> list[OutboxStatus]:
    """The latest outbox rows for one check-in (from any page or the CLI), newest first."""
    require_manager(viewer, checkin_id, "see this check-in's requests")
    c = model.get_checkin_by_id(conn, checkin_id)
    if c is None:
        return []
    rows = conn.execute(
        "SELECT * FROM outbox WHERE json_extract(payload, '$.checkin') = ? "
        "ORDER BY id DESC LIMIT ?",
        (c["name"], limit),
    ).fetchall()
    return [_status(r) for r in rows]


def _may_see_row(conn: sqlite3.Connection, viewer: Viewer, status: OutboxStatus) -> bool:
    if viewer.is_admin:
        return True
    name = status.payload.get("checkin")
    row = conn.execute("SELECT id FROM checkins WHERE name = ?", (name,)).fetchone()
    return row is not None and may_manage(viewer, row["id"])
