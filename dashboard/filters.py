"""The sidebar's filters, drawn once by the frame and read by every page.

`sidebar(viewer)` draws the widgets (check-in; a range of whole ISO weeks in
the check-in's time zone; everyone, some members or a channel) and keeps the
choice in `st.session_state`, so it survives moving between pages;
`current()` is what a page reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from checkin.overview.scope import CheckinInfo, Scope, default_range
from checkin.people.viewer import Viewer
from checkin.weeks import week_label
from dashboard import data

STATE = "filters"
EVERYONE, SOME, CHANNEL = "Everyone", "Some members", "A channel"


@dataclass(frozen=True)
class Filters:
    """What the sidebar selects; `checkin` is None when there are no check-ins to pick."""

    checkin: CheckinInfo | None = None
    first: str | None = None
    last: str | None = None
    members: tuple[str, ...] = ()
    channel: str | None = None
    weeks: list[str] = field(default_factory=list)  # every week that can be picked

    @property
    def scope(self) -> Scope | None:
        if self.checkin is None or self.first is None or self.last is None:
            return None
        return Scope(self.checkin.id, self.first, self.last, self.members, self.channel)

    @property
    def who(self) -> str:
        if self.members:
            return f"{len(self.members)} member{'s' if len(self.members) != 1 else ''}"
        return self.channel or "everyone"


def week_words(week: str) -> str:
    """'2026-W47 (16 Nov)'."""
    return f"{week} ({week_label(week)})"


def sidebar(viewer: Viewer) -> Filters:
    """Draw the filters in the sidebar and remember the choice for the pages."""
    side = st.sidebar
    choices = data.checkin_choices(viewer)
    if not choices:
        found = Filters()
        st.session_state[STATE] = found
        return found
    side.header("Filters")
    by_id = {c.id: c for c in choices}
    checkin_id = side.selectbox(
        "Check-in",
        list(by_id),
        format_func=lambda i: by_id[i].name + ("" if by_id[i].active else " (inactive)"),
        key="filter_checkin",
    )
    checkin = by_id[checkin_id]
    weeks = data.week_options(viewer, checkin.id)
    default = default_range(weeks)
    key = f"filter_weeks_{checkin.id}"
    chosen = st.session_state.get(key)
    if chosen is not None and not (
        isinstance(chosen, tuple | list) and len(chosen) == 2 and set(chosen) <= set(weeks)
    ):
        del st.session_state[key]  # a week that is no longer offered: start again
    if len(weeks) > 1:
        first, last = side.select_slider(
            "Weeks",
            options=weeks,
            value=default,
            key=key,
            format_func=week_words,
            help=f"Whole ISO weeks; {checkin.timezone} decides which week is this week.",
        )
    else:
        first = last = weeks[0]
        side.caption(f"Week {week_words(first)}")
    members: tuple[str, ...] = ()
    channel = None
    people = data.member_choices(viewer, checkin.id)
    rooms = data.channel_choices(viewer, checkin.id)
    if not people and viewer.suppresses(checkin.id):
        side.caption(
            "Team figures for the whole check-in: narrowing to some people or a channel "
            "is for admins and the check-in's leads."
        )
    if people:
        modes = [EVERYONE, SOME] + ([CHANNEL] if rooms else [])
        mode = side.radio("Who", modes, key="filter_who", horizontal=True)
        if mode == SOME:
            names = dict(people)
            members = tuple(
                side.multiselect(
                    "Members",
                    list(names),
                    format_func=names.get,
                    key=f"filter_members_{checkin.id}",
                    placeholder="Pick one or more people",
                )
            )
        elif mode == CHANNEL:
            channel = side.selectbox("Channel", rooms, key=f"filter_channel_{checkin.id}")
    found = Filters(checkin, first, last, members, channel, weeks)
    st.session_state[STATE] = found
    return found


def current() -> Filters:
    """The filters the frame drew on this run (empty before the frame has run)."""
    found = st.session_state.get(STATE)
    return found if isinstance(found, Filters) else Filters()
