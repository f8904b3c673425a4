"""Pickers for people, channels and time zones: searchable, showing names, storing what the
TOML file holds.

Each picker reads and writes `st.session_state[key]` (the page puts the stored value there
first) and offers what the bot knows plus whatever the value already holds, so an id the
bot has not seen is kept and shown as written. A Slack id or "#channel" the bot does not
know yet can be typed in; the check-in validator says when it is not one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import streamlit as st

from checkin.checkins.choices import Person, Room, channel_label, time_zones

NO_CHANNEL = ""


def _is_channel(value: str) -> bool:
    return value.startswith("#") or value[:1] in ("C", "G")


def people_picker(
    label: str,
    key: str,
    people: Sequence[Person],
    *,
    rooms: Sequence[Room] = (),
    help: str | None = None,
    on_change: Callable[[], None] | None = None,
) -> list[str]:
    """Members by name (their ids are stored), and with `rooms` channels too ("#name")."""
    held = [str(v) for v in st.session_state.get(key) or []]
    offered = [p.id for p in people] + [r.ref for r in rooms]
    options = list(dict.fromkeys([*offered, *held]))

    named = {p.id: p.label for p in people}
    labels = {
        v: named.get(v) or (channel_label(rooms, v) if _is_channel(v) else v) for v in options
    }
    twice = {label for label, n in Counter(labels.values()).items() if n > 1}

    def shown(value: str) -> str:  # the widget tells options apart by label: never two alike
        label = labels.get(value) or value
        return f"{label} · {value}" if label in twice and label != value else label

    picked = st.multiselect(
        label,
        options,
        format_func=shown,
        key=key,
        help=help,
        on_change=on_change,
        placeholder="Type a name" + (" or a #channel" if rooms else ""),
        accept_new_options=True,
    )
    return [str(v).strip() for v in picked if str(v).strip()]


def channel_picker(
    label: str,
    key: str,
    rooms: Sequence[Room],
    *,
    none: str = "none",
    help: str | None = None,
) -> str:
    """One channel ("#name" for one the bot has seen; an id or "#name" it has not seen is
    kept as written), or "" for none: the report channel, and any other channel field."""
    held = str(st.session_state.get(key) or NO_CHANNEL)

    def held_as(room: Room) -> bool:  # the stored value names this room: offered as stored
        return held in (room.id, room.ref) or held.lower() == room.ref.lower()

    options = list(dict.fromkeys([NO_CHANNEL, *(held if held_as(r) else r.ref for r in rooms)]))
    if held not in options:
        options.append(held)
    st.session_state[key] = held
    picked = st.selectbox(
        label,
        options,
        format_func=lambda v: f"({none})" if v == NO_CHANNEL else channel_label(rooms, v),
        key=key,
        help=help,
        placeholder="Type a channel's name",
        accept_new_options=True,
    )
    return str(picked or NO_CHANNEL).strip()


def zone_picker(
    label: str,
    key: str,
    *,
    help: str | None = None,
    on_change: Callable[[], None] | None = None,
) -> str:
    """An IANA time zone, searched by any part of its name ("berlin")."""
    held = str(st.session_state.get(key) or "UTC")
    zones = time_zones()
    options = list(zones) if held in zones else [held, *zones]
    st.session_state[key] = held
    return st.selectbox(
        label,
        options,
        key=key,
        help=help,
        on_change=on_change,
        filter_mode="contains",
    )
