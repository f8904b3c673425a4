"""Slack channels as the bot last saw them, and whether each is private.

A check-in's report channel makes its members leads (`leads_from_report_channel`)
only while the channel is private: anyone in the workspace may join a public
channel and would become a lead. The web app and the CLI never call Slack, so
they decide from what the bot recorded here; a channel the bot has not seen
yet counts as not private (it grants nothing) until the bot has seen it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction

PUBLIC_LEADS_CHANNEL = (
    "{channel} is a public channel: anyone could join it and become a lead of {checkin}. "
    "Use a private channel for leads_from_report_channel, or name the leads with leads = [...]"
)


def record_channels(
    conn: sqlite3.Connection, channels: Iterable[Mapping], clock: Clock = system_clock
) -> None:
    """Keep what Slack said of these channels (`id`, `name`, `is_private`, as
    conversations.list and conversations.info return them)."""
    now = iso(clock())
    rows = [
        (str(c["id"]), str(c.get("name") or "").lower(), int(bool(c.get("is_private"))), now)
        for c in channels
        if c.get("id") and not c.get("is_im")
    ]
    if not rows:
        return
    with transaction(conn):
        conn.executemany(
            "INSERT INTO channels (id, name, is_private, seen_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
            "is_private = excluded.is_private, seen_at = excluded.seen_at",
            rows,
        )


def is_private(conn: sqlite3.Connection, ref: str | None) -> bool | None:
    """Whether a channel ("#name" or an id) is private: True, False, or None when the bot
    has not seen it."""
    if not ref:
        return None
    if ref.startswith("#"):
        row = conn.execute(
            "SELECT is_private FROM channels WHERE name = ? ORDER BY seen_at DESC LIMIT 1",
            (ref[1:].lower(),),
        ).fetchone()
    else:
        row = conn.execute("SELECT is_private FROM channels WHERE id = ?", (ref,)).fetchone()
    return None if row is None else bool(row[0])


# The SQL condition that a check-in `c`'s report channel is known to be private.
PRIVATE_REPORT_CHANNEL = """EXISTS (
    SELECT 1 FROM channels ch
    WHERE ch.is_private = 1
      AND (ch.id = c.report_channel OR '#' || ch.name = lower(c.report_channel))
)"""


def public_lead_channels(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(check-in, channel) for each check-in whose leads come from a report channel the bot
    saw public: its members lead nothing, and someone should know why."""
    rows = conn.execute(
        "SELECT c.name, c.report_channel FROM checkins c "
        "WHERE c.leads_from_report_channel = 1 AND c.active = 1 "
        "AND EXISTS (SELECT 1 FROM channels ch WHERE ch.is_private = 0 "
        "AND (ch.id = c.report_channel OR '#' || ch.name = lower(c.report_channel))) "
        "ORDER BY c.name"
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def problem_with_leads_channel(
    conn: sqlite3.Connection, checkin: str, report_channel: str | None, leads_from_channel: bool
) -> str | None:
    """One line when a definition takes its leads from a channel the bot saw public."""
    if leads_from_channel and is_private(conn, report_channel) is False:
        return PUBLIC_LEADS_CHANNEL.format(channel=report_channel, checkin=checkin)
    return None
