"""Who may see what: a check-in's visibility, and the SQL that narrows answers to a viewer.

Each check-in says how much its people see of each other (`visibility`):

- `private` (the default, for mood and wellbeing): a member sees their own
  answers in full and the team's figures with small groups held back
  (`checkin.people.suppression`); the check-in's leads and admins see every
  answer by name.
- `team` (for standups, where sharing is the point): everyone asked in the
  check-in sees every answer by name, as its leads do.

The viewer carries the outcome (`Viewer.lead_of`, `Viewer.shared`), so every
read (the web app's pages, Slack's commands and posts, downloads) asks the
same `Viewer` methods. A member's check-ins with `team` visibility are found
here (`shared_checkins`) when the viewer is made, for sign-in and for Slack
alike.
"""

from __future__ import annotations

import sqlite3

from checkin.people.viewer import Viewer

VISIBILITIES = ("private", "team")
VISIBILITY_LABELS = {
    "private": "Private: each member sees their own answers and team figures; "
    "leads and admins see everyone's",
    "team": "Team: everyone asked sees everyone's answers by name (standups)",
}

# Run statuses that count as asked (`checkin.answers.asked` says why).
ASKED_STATUSES = ("open", "answered", "skipped", "closed")
ASKED_SQL = "(" + ", ".join(f"'{status}'" for status in ASKED_STATUSES) + ")"


def shared_checkins(conn: sqlite3.Connection, slack_id: str | None) -> frozenset[int]:
    """The `team` check-ins the person was asked in: they see every answer of those."""
    if not slack_id:
        return frozenset()
    rows = conn.execute(
        "SELECT c.id FROM checkins c WHERE c.visibility = 'team' AND EXISTS ("  # noqa: S608
        "SELECT 1 FROM runs r WHERE r.checkin_id = c.id AND r.member_id = ? "
        f"AND r.status IN {ASKED_SQL})",
        (slack_id,),
    ).fetchall()
    return frozenset(r[0] for r in rows)


def visible_answers(viewer: Viewer, alias: str = "a") -> tuple[str, list]:
    """A SQL condition (starting with AND, or empty) that keeps the answers `viewer` may see:
    all for an admin, every answer of the check-ins they see in full, and their own."""
    if viewer.is_admin:
        return "", []
    parts = [f"{alias}.member_id = ?"]
    params: list = [viewer.slack_id or ""]
    full = sorted(viewer.sees_all_of)
    if full:
        parts.append(f"{alias}.checkin_id IN ({', '.join('?' for _ in full)})")
        params.extend(full)
    return " AND (" + " OR ".join(parts) + ")", params
