"""Moderating the pool: approve, edit, reject, and the admins' moderation DMs the bot keeps.

The first admin to moderate wins; every admin's DM is then updated in place.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction
from checkin.errors import Refused
from checkin.people.admins import is_admin
from checkin.people.viewer import Viewer
from checkin.pool.duplicates import normalise, refuse_duplicate
from checkin.pool.submit import check_text, get


@dataclass(frozen=True)
class Moderated:
    """The outcome of a moderation click or form: `changed` False when someone was first."""

    id: int
    status: str
    changed: bool
    reviewed_by: str | None
    text: str
    submitted_by: str | None


def moderate(
    conn: sqlite3.Connection,
    question_id: int,
    action: str,
    by: str,
    *,
    text: str | None = None,
    only_pending: bool = True,
    clock: Clock = system_clock,
) -> Moderated:
    """Approve, reject or edit (then approve) a question.

    With `only_pending` (the Slack buttons) only the first moderation counts:
    a later click returns `changed=False` with the earlier outcome. The web
    page may also change an approved or rejected question's status.
    """
    if action not in ("approve", "reject", "edit"):
        raise ValueError(f"unknown moderation {action!r}")
    status = "rejected" if action == "reject" else "approved"
    now = iso(clock())
    with transaction(conn):
        row = get(conn, question_id)
        if row is None:
            raise Refused(f"There is no pool question #{question_id}.")
        if only_pending and row["status"] != "pending":
            return _moderated(row, changed=False)
        new_text = row["text"]
        if action == "edit":
            new_text = check_text(text)
            if new_text != row["text"]:
                refuse_duplicate(conn, new_text, exclude_id=question_id)
        elif status == "approved":
            refuse_duplicate(conn, row["text"], exclude_id=question_id)
        conn.execute(
            "UPDATE pool_questions SET status = ?, reviewed_by = ?, reviewed_at = ?, text = ?, "
            "normalized = ?, original_text = CASE WHEN text != ? THEN COALESCE(original_text, "
            "text) ELSE original_text END, outcome_told_at = NULL WHERE id = ?",
            (status, by, now, new_text, normalise(new_text), new_text, question_id),
        )
        after = get(conn, question_id)
    return _moderated(after, changed=True)


def edit_text(
    conn: sqlite3.Connection, question_id: int, text: str, by: str, clock: Clock = system_clock
) -> Moderated:
    """Change a question's wording and keep its status (the web page's edit)."""
    new_text = check_text(text)
    with transaction(conn):
        row = get(conn, question_id)
        if row is None:
            raise Refused(f"There is no pool question #{question_id}.")
        if new_text != row["text"]:
            refuse_duplicate(conn, new_text, exclude_id=question_id)
            conn.execute(
                "UPDATE pool_questions SET text = ?, normalized = ?, "
                "original_text = COALESCE(original_text, text), reviewed_by = ?, "
                "reviewed_at = ? WHERE id = ?",
                (new_text, normalise(new_text), by, iso(clock()), question_id),
            )
        after = get(conn, question_id)
    return _moderated(after, changed=new_text != row["text"])


def _moderated(row: sqlite3.Row, changed: bool) -> Moderated:
    return Moderated(
        id=row["id"],
        status=row["status"],
        changed=changed,
        reviewed_by=row["reviewed_by"],
        text=row["text"],
        submitted_by=row["submitted_by"],
    )


def viewer_moderates(
    conn: sqlite3.Connection, viewer: Viewer, configured: Iterable[str] = ()
) -> bool:
    """Whether the web app's viewer may moderate: an admin, by role or as recorded."""
    return viewer.is_admin or is_admin(conn, viewer.slack_id, configured)


def moderate_as(
    conn: sqlite3.Connection,
    viewer: Viewer,
    question_id: int,
    action: str,
    *,
    text: str | None = None,
    configured: Iterable[str] = (),
    clock: Clock = system_clock,
) -> Moderated:
    """The web page's moderation (approve, reject, or a new wording that keeps the status),
    for admins only: `Refused` for anyone else."""
    if not viewer_moderates(conn, viewer, configured):
        raise Refused("Only admins moderate the question pool.")
    by = viewer.slack_id or "operator"
    if action == "edit":
        return edit_text(conn, question_id, text or "", by, clock=clock)
    return moderate(conn, question_id, action, by, only_pending=False, clock=clock)


def awaiting_moderation_dms(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Pending questions whose admins have not been DMed yet (submitted on the web, say)."""
    return conn.execute(
        "SELECT * FROM pool_questions WHERE status = 'pending' AND moderation_sent_at IS NULL "
        "ORDER BY id"
    ).fetchall()


def claim_moderation_dms(
    conn: sqlite3.Connection, question_id: int, clock: Clock = system_clock
) -> bool:
    """Mark a question's admin DMs as being sent; False when another pass did it."""
    with transaction(conn):
        return (
            conn.execute(
                "UPDATE pool_questions SET moderation_sent_at = ? WHERE id = ? "
                "AND moderation_sent_at IS NULL",
                (iso(clock()), question_id),
            ).rowcount
            == 1
        )


def keep_moderation_message(
    conn: sqlite3.Connection,
    question_id: int,
    admin_id: str,
    channel_id: str,
    ts: str,
    text: str | None = None,
) -> None:
    """An admin's moderation DM as posted, with the wording it shows (default: the current)."""
    with transaction(conn):
        conn.execute(
            "INSERT OR REPLACE INTO pool_moderation_messages (pool_question_id, admin_id, "
            "channel_id, message_ts, updated, shown_text) VALUES (?, ?, ?, ?, 0, "
            "COALESCE(?, (SELECT text FROM pool_questions WHERE id = ?)))",
            (question_id, admin_id, channel_id, ts, text, question_id),
        )


def reworded_moderation_messages(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Admin DMs of a still pending question that show an earlier wording (edited on the web)."""
    return conn.execute(
        "SELECT m.*, q.text FROM pool_moderation_messages m JOIN pool_questions q "
        "ON q.id = m.pool_question_id WHERE m.updated = 0 AND q.status = 'pending' "
        "AND m.shown_text IS NOT q.text ORDER BY m.pool_question_id, m.admin_id"
    ).fetchall()


def mark_message_shows(
    conn: sqlite3.Connection, question_id: int, admin_id: str, text: str
) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE pool_moderation_messages SET shown_text = ? WHERE pool_question_id = ? "
            "AND admin_id = ?",
            (text, question_id, admin_id),
        )


def moderation_messages(conn: sqlite3.Connection, question_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM pool_moderation_messages WHERE pool_question_id = ? ORDER BY admin_id",
        (question_id,),
    ).fetchall()


def mark_message_updated(conn: sqlite3.Connection, question_id: int, admin_id: str) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE pool_moderation_messages SET updated = 1 WHERE pool_question_id = ? "
            "AND admin_id = ?",
            (question_id, admin_id),
        )


def outcomes_to_tell(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Moderated questions whose submitter (known, not anonymous) has not been told."""
    return conn.execute(
        "SELECT * FROM pool_questions WHERE status != 'pending' AND outcome_told_at IS NULL "
        "AND reviewed_at IS NOT NULL ORDER BY id"
    ).fetchall()


def stale_moderation_messages(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Admin DMs still showing buttons for a question someone has moderated."""
    return conn.execute(
        "SELECT m.*, q.status FROM pool_moderation_messages m JOIN pool_questions q "
        "ON q.id = m.pool_question_id WHERE m.updated = 0 AND q.status != 'pending' "
        "ORDER BY m.pool_question_id, m.admin_id"
    ).fetchall()


def mark_outcome_told(
    conn: sqlite3.Connection, question_id: int, clock: Clock = system_clock
) -> bool:
    with transaction(conn):
        return (
            conn.execute(
                "UPDATE pool_questions SET outcome_told_at = ? WHERE id = ? "
                "AND outcome_told_at IS NULL",
                (iso(clock()), question_id),
            ).rowcount
            == 1
        )
