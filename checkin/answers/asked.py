"""Who was asked: the run statuses that count as asked, whether a member was asked in a
check-in, and so whether they may see its team figures.

A run was asked once it was sent: development-mode runs never sent
(`dev_skipped`), failed sends and runs not sent yet do not count. The weekly
report, the Overview and the operations figures all count with
`ASKED_STATUSES` (kept beside the visibility rule in `checkin.people.visible`,
which finds the `team` check-ins a member was asked in); a member who was asked in a check-in sees its team figures
(held back for small groups), as its admins and leads do.
"""

from __future__ import annotations

import sqlite3

from checkin.errors import NotAllowed
from checkin.people.viewer import Viewer
from checkin.people.visible import ASKED_SQL, ASKED_STATUSES

__all__ = ["ASKED_SQL", "ASKED_STATUSES", "may_see_aggregates", "require_asked", "was_asked"]


def was_asked(conn: sqlite3.Connection, checkin_id: int, member_id: str) -> bool:
    """Whether the member was ever asked in the check-in: a participant who may see its summary."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM runs WHERE member_id = ? AND checkin_id = ? "  # noqa: S608
        f"AND status IN {ASKED_SQL})",
        (member_id, checkin_id),
    ).fetchone()
    return bool(row[0])


def may_see_aggregates(conn: sqlite3.Connection, viewer: Viewer, checkin_id: int) -> bool:
    """Whether the viewer may see the check-in's team figures (suppressed for a member)."""
    if viewer.may_see_checkin(checkin_id):
        return True
    return viewer.slack_id is not None and was_asked(conn, checkin_id, viewer.slack_id)


def require_asked(conn: sqlite3.Connection, viewer: Viewer, checkin_id: int) -> None:
    """Refuse (NotAllowed) a viewer who may not see the check-in's team figures."""
    if not may_see_aggregates(conn, viewer, checkin_id):
        raise NotAllowed("you may see only the check-ins you are asked in")
