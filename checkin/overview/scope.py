"""What the Overview looks at: a check-in, a range of whole ISO weeks, maybe some members or a channel.

The check-in's time zone decides which week is "this" and "last". A channel
narrows to the members asked by check-ins that name that channel among their
participants: the web app never calls Slack, so a channel's members are the
ones the bot asked through it. The choices offered are the viewer's.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from checkin.answers.asked import may_see_aggregates, require_asked
from checkin.checkins import model
from checkin.clock import zone
from checkin.people.viewer import Viewer
from checkin.weeks import iso_week, week_bounds, weeks_between

DEFAULT_WEEKS = 8


@dataclass(frozen=True)
class CheckinInfo:
    id: int
    name: str
    timezone: str
    participants: tuple[str, ...]
    active: bool


@dataclass(frozen=True)
class Scope:
    """One check-in, ISO weeks `first`..`last` (inclusive), and optionally who."""

    checkin_id: int
    first: str
    last: str
    members: tuple[str, ...] = ()  # empty: everyone
    channel: str | None = None

    def __post_init__(self) -> None:
        if self.first > self.last:
            first, last = self.last, self.first
            object.__setattr__(self, "first", first)
            object.__setattr__(self, "last", last)

    @property
    def weeks(self) -> list[str]:
        return weeks_between(self.first, self.last)

    def with_previous(self) -> Scope:
        """This range and the one before it, as one range."""
        return Scope(self.checkin_id, self.previous().first, self.last, self.members, self.channel)

    def previous(self) -> Scope:
        """The same number of weeks just before this range."""
        count = len(self.weeks)
        monday, _ = week_bounds(self.first)
        return Scope(
            self.checkin_id,
            iso_week(monday - timedelta(days=7 * count)),
            iso_week(monday - timedelta(days=7)),
            self.members,
            self.channel,
        )


def checkins(conn: sqlite3.Connection, viewer: Viewer) -> list[CheckinInfo]:
    """The check-ins the viewer may look at, active ones first, then by name."""
    rows = conn.execute(
        "SELECT id, name, timezone, participants, active FROM checkins "
        "ORDER BY active DESC, name COLLATE NOCASE"
    ).fetchall()
    out = []
    for r in rows:
        if not may_see_aggregates(conn, viewer, r["id"]):
            continue
        out.append(
            CheckinInfo(
                id=r["id"],
                name=r["name"],
                timezone=r["timezone"] or "UTC",
                participants=tuple(model.participants(r)),
                active=bool(r["active"]),
            )
        )
    return out


def week_options(
    conn: sqlite3.Connection, viewer: Viewer, checkin_id: int, now: datetime
) -> list[str]:
    """Every ISO week from the check-in's first run to this week (in its time zone)."""
    require_asked(conn, viewer, checkin_id)
    tz = conn.execute("SELECT timezone FROM checkins WHERE id = ?", (checkin_id,)).fetchone()
    this_week = iso_week(now.astimezone(zone(tz[0] if tz else "UTC")).date())
    first = conn.execute(
        "SELECT MIN(week) FROM runs WHERE checkin_id = ?", (checkin_id,)
    ).fetchone()[0]
    first = min(first or this_week, this_week)
    return weeks_between(first, this_week)


def default_range(weeks: list[str], count: int = DEFAULT_WEEKS) -> tuple[str, str]:
    """The last `count` complete weeks of `weeks` (this week is still running)."""
    if len(weeks) < 2:
        return weeks[0], weeks[-1]
    done = weeks[:-1]
    return done[max(0, len(done) - count)], done[-1]


def members(conn: sqlite3.Connection, viewer: Viewer, checkin_id: int) -> list[tuple[str, str]]:
    """(Slack id, name) of everyone asked in the check-in, by name; empty for a member viewer."""
    if not viewer.may_see_checkin(checkin_id):
        return []
    rows = conn.execute(
        "SELECT m.slack_id, COALESCE(NULLIF(m.real_name, ''), NULLIF(m.name, ''), m.slack_id) "
        "AS member FROM members m WHERE m.slack_id IN "
        "(SELECT DISTINCT member_id FROM runs WHERE checkin_id = ?) ORDER BY member COLLATE NOCASE",
        (checkin_id,),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def channels(conn: sqlite3.Connection, viewer: Viewer, checkin_id: int) -> list[str]:
    """Channels the check-in names among its participants ('#team', 'C0123')."""
    row = conn.execute("SELECT participants FROM checkins WHERE id = ?", (checkin_id,)).fetchone()
    if row is None or not viewer.may_see_checkin(checkin_id):
        return []
    return [p for p in model.participants(row) if not p.startswith(("U", "W"))]
