"""Who is an admin: listed in `CHECKIN_ADMINS`, or a Slack workspace admin or owner.

The one rule every surface asks (Slack commands, the pool's moderation, the
web app's sign-in), so that a listed admin is an admin everywhere.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


def admin_ids(conn: sqlite3.Connection, configured: Iterable[str] = ()) -> list[str]:
    """Who moderates: the configured ids (CHECKIN_ADMINS) and members Slack says are admins."""
    ids = list(dict.fromkeys(configured))
    for (slack_id,) in conn.execute(
        "SELECT slack_id FROM members WHERE is_admin = 1 AND active = 1 AND is_bot = 0 "
        "ORDER BY slack_id"
    ):
        if slack_id not in ids:
            ids.append(slack_id)
    return ids


def is_admin(
    conn: sqlite3.Connection, slack_id: str | None, configured: Iterable[str] = ()
) -> bool:
    """Whether `slack_id` is an admin: listed in `configured` (CHECKIN_ADMINS), or an active
    member Slack marks as a workspace admin or owner (recorded by the bot's profile reads)."""
    if not slack_id:
        return False
    if slack_id in set(configured):
        return True
    row = conn.execute(
        "SELECT is_admin FROM members WHERE slack_id = ? AND active = 1", (slack_id,)
    ).fetchone()
    return bool(row and row[0])
