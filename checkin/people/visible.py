"""The SQL that narrows an answers read to what a viewer may see.

An admin sees all answers, a lead the answers of the check-ins they lead, a
member their own. (Who may see a check-in's team figures is
`checkin.answers.asked`: the members who were asked in it, its leads, admins.)
"""

from __future__ import annotations

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
