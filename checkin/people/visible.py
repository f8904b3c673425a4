"""What a viewer may see of answers and of a check-in's figures, and the SQL that narrows to it.

An admin sees all answers, a lead the answers of the check-ins they lead, a
member their own. A check-in's team figures are for its admins and leads and
for the members who were asked in it.
"""

from __future__ import annotations

import sqlite3

from checkin.answers.runs import was_asked
from checkin.errors import NotAllowed
from checkin.people.viewer import Viewer


def visible_answers(viewer: Viewer, alias: str = "a") -> tuple[str, list]:
    """A SQL condition (starting with AND, or empty) that keeps the answers `viewer` may see."""
    if viewer.is_admin:
        return "", []
    parts = [f"{alias}.member_id = ?"]
    params: list = [viewer.slack_id or ""]
    if viewer.lead_of:
        leads = sorted(viewer.lead_of)
        parts.append(f"{alias}.checkin_id IN ({', '.join('?' for _ in leads)})")
        params.extend(leads)
    return " AND (" + " OR ".join(parts) + ")", params


def may_see_aggregates(conn: sqlite3.Connection, viewer: Viewer, checkin_id: int) -> bool:
    """Whether the viewer may see the check-in's team figures (suppressed for a member)."""
    if viewer.may_see_checkin(checkin_id):
        return True
    return viewer.slack_id is not None and was_asked(conn, checkin_id, viewer.slack_id)


def require_asked(conn: sqlite3.Connection, viewer: Viewer, checkin_id: int) -> None:
    if not may_see_aggregates(conn, viewer, checkin_id):
        raise NotAllowed("you may see only the check-ins you are asked in")
