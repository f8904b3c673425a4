"""A check-in's broadcast channel (standup mode): when it was set, and whether the bot is in it.

`broadcast = "#standup"` posts each member's answers to that channel as they
finish. Runs finished before the channel was set are never posted (they were
answered when nothing was shared): `broadcast_since` is set by every save that
sets or moves the channel. The CLI and the web app never call Slack, so the bot
looks at the channel (at its start, when a check-in's channel is new, and again
while something is wrong) and records what it found here; they show it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction
from checkin.manifest import BOT_DISPLAY_NAME


def invite_hint(channel: str) -> str:
    """How a person adds the bot to a channel, in Slack's own words."""
    return f"type `/invite @{BOT_DISPLAY_NAME}` in {channel}"


def not_member_line(channel: str, checkin: str) -> str:
    return (
        f"The bot is not in {channel}, so {checkin}'s answers cannot be posted there: "
        f"{invite_hint(channel)}."
    )


def not_visible_line(channel: str, checkin: str) -> str:
    return (
        f"The bot cannot see {channel} (no such channel, or a private one it is not in), so "
        f"{checkin}'s answers cannot be posted there: if it exists, {invite_hint(channel)}."
    )


def archived_line(channel: str, checkin: str) -> str:
    return f"{channel} is archived, so {checkin}'s answers cannot be posted there: pick another."


def note_saved(conn: sqlite3.Connection, checkin_id: int, before: str | None, now: str) -> None:
    """After a save (inside its transaction): a channel set or moved starts being posted to now."""
    row = conn.execute("SELECT broadcast FROM checkins WHERE id = ?", (checkin_id,)).fetchone()
    if row is not None and row["broadcast"] and row["broadcast"] != before:
        conn.execute("UPDATE checkins SET broadcast_since = ? WHERE id = ?", (now, checkin_id))


def record_check(
    conn: sqlite3.Connection,
    checkin_id: int,
    channel: str,
    problem: str | None,
    clock: Clock = system_clock,
) -> bool:
    """What the bot found in the channel (None: it is in it); True when that changed."""
    with transaction(conn):
        before = conn.execute(
            "SELECT broadcast_checked, broadcast_problem FROM checkins WHERE id = ?",
            (checkin_id,),
        ).fetchone()
        conn.execute(
            "UPDATE checkins SET broadcast_checked = ?, broadcast_checked_at = ?, "
            "broadcast_problem = ? WHERE id = ?",
            (channel, iso(clock()), problem, checkin_id),
        )
    return before is None or tuple(before) != (channel, problem)


def problem(checkin: Mapping) -> str | None:
    """The recorded problem with the check-in's current channel, if the bot found one."""
    if checkin["broadcast"] and checkin["broadcast_checked"] == checkin["broadcast"]:
        return checkin["broadcast_problem"]
    return None


def status_line(checkin: Mapping) -> str | None:
    """One line for a person about the check-in's channel: a problem the bot found, or that it
    has not looked yet; None when it has no channel or the bot is in it."""
    channel = checkin["broadcast"]
    if not channel:
        return None
    if checkin["broadcast_checked"] != channel:
        return (
            f"{checkin['name']} posts each member's answers to {channel}: the bot checks that "
            f"it is in {channel} at its next start (within seconds while it runs); if it is "
            f"not, {invite_hint(channel)}."
        )
    return checkin["broadcast_problem"]


def problems(conn: sqlite3.Connection) -> list[str]:
    """The problem of every active check-in whose channel the bot found it cannot post to."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT broadcast_problem FROM checkins WHERE active = 1 AND broadcast IS NOT NULL "
            "AND broadcast_checked = broadcast AND broadcast_problem IS NOT NULL ORDER BY name"
        )
    ]
