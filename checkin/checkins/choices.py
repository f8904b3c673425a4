"""What the check-in form offers to pick: the members and the channels the bot knows, and
IANA time zones, with the zone most of the picked members live in.

The form stores what the TOML file holds (member ids, "#channel" or a channel id); these
are the names it shows for them. A value the bot does not know (a member it has not
looked up yet, a channel it has not seen) is kept as it is and shown as written.
Only an admin manages check-ins (`editing.may_manage`), so only an admin gets the lists.
"""

from __future__ import annotations

import sqlite3
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from checkin.checkins.editing import require_manager
from checkin.people.members import MEMBER_NAME
from checkin.people.viewer import Viewer

# IANA's "Area/Location" names; the old aliases (US/Pacific, GB, EST5EDT) still validate
# and a check-in that has one keeps it, but they are not offered.
AREAS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


@dataclass(frozen=True)
class Person:
    """A member as the picker shows them; `tz` is Slack's zone for them."""

    id: str
    name: str
    handle: str = ""
    tz: str = ""
    active: bool = True

    @property
    def label(self) -> str:
        words = self.name if self.name != self.id else self.id
        if self.handle and self.handle != self.name:
            words += f" (@{self.handle})"
        return words if self.active else f"{words}, deactivated"


@dataclass(frozen=True)
class Room:
    """A channel the bot has seen: its id, its name without '#', whether it is private."""

    id: str
    name: str
    private: bool

    @property
    def ref(self) -> str:
        """How the TOML file names it."""
        return f"#{self.name}" if self.name else self.id

    @property
    def label(self) -> str:
        return f"{self.ref} · {'private' if self.private else 'public'} channel"


def people(conn: sqlite3.Connection, viewer: Viewer) -> list[Person]:
    """Every member the bot knows, bots left out, by name."""
    require_manager(viewer, None, "pick participants")
    rows = conn.execute(
        f"SELECT m.slack_id, {MEMBER_NAME} AS shown, m.name, m.tz, m.active "  # noqa: S608
        "FROM members m WHERE m.is_bot = 0 ORDER BY shown COLLATE NOCASE, m.slack_id"
    ).fetchall()
    return [
        Person(r["slack_id"], r["shown"], r["name"] or "", r["tz"] or "", bool(r["active"]))
        for r in rows
    ]


def rooms(conn: sqlite3.Connection, viewer: Viewer) -> list[Room]:
    """Every channel the bot has seen, by name."""
    require_manager(viewer, None, "pick channels")
    rows = conn.execute("SELECT id, name, is_private FROM channels ORDER BY name, id").fetchall()
    return [Room(r["id"], r["name"], bool(r["is_private"])) for r in rows]


@cache
def time_zones() -> tuple[str, ...]:
    """UTC and the IANA zones named Area/Location, sorted."""
    return (
        "UTC",
        *sorted(z for z in zoneinfo.available_timezones() if z.split("/", 1)[0] in AREAS),
    )


@dataclass(frozen=True)
class CommonZone:
    zone: str
    members: int  # how many of the picked members live in it
    of: int  # how many picked members have a zone at all


def common_zone(everyone: Iterable[Person], picked: Sequence[str]) -> CommonZone | None:
    """The zone most of the members picked by id live in (a tie: the one picked first);
    None when no picked member is known. Members of a picked channel are not counted:
    the web app does not know who is in a channel."""
    by_id = {p.id: p for p in everyone}
    zones = [by_id[i].tz for i in dict.fromkeys(picked) if i in by_id and by_id[i].tz]
    if not zones:
        return None
    counts = Counter(zones)
    top = max(counts.values())
    zone = next(z for z in zones if counts[z] == top)
    return CommonZone(zone, top, len(zones))


def channel_label(known: Iterable[Room], value: str) -> str:
    """A channel reference ("#team" or an id) with what the bot knows of it."""
    if not value:
        return value
    for room in known:
        if value == room.id:
            return room.label if room.ref == room.id else f"{room.label} ({room.id})"
        if value.startswith("#") and value[1:].lower() == room.name:
            return room.label
    return f"{value} · not seen by the bot yet"
