"""The sidebar's filters, drawn by the frame on the pages they change and read by those pages.

`sidebar(viewer, shown)` draws the widgets a page reads (check-in; a range of
whole ISO weeks in the check-in's time zone; everyone, some members or a
channel) and keeps the choice in `st.session_state` for the whole session, so
it survives moving through pages that show none or fewer of them;
`current()` is what a page reads. Which page shows which filters is the
frame's `SIDEBAR` (streamlit_app.py).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import streamlit as st

from checkin.overview.scope import CheckinInfo, Scope, default_range
from checkin.people.viewer import Viewer
from checkin.weeks import week_label
from dashboard import data

STATE = "filters"
EVERYONE, SOME, CHANNEL = "Everyone", "Some members", "A channel"
CHECKIN, WEEKS, WHO = "check-in", "weeks", "who"  # the filters a page may show
ALL = (CHECKIN, WEEKS, WHO)
KEEP = "session"  # a choice outlives the pages that do not show it


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


def _held(key: str, offered: Collection, default: object) -> object:
    """The choice kept under `key` while it is still offered, else `default` (and a choice
    no longer offered is dropped, so its widget starts again from its default)."""
    value = st.session_state.get(key)
    if isinstance(value, list | tuple):
        fits = bool(value) and set(value) <= set(offered)
    else:
        fits = value in offered
    if value is not None and fits:
        return value
    st.session_state.pop(key, None)
    return default


def sidebar(viewer: Viewer, shown: Collection[str] = ALL) -> Filters:
    """Draw the `shown` filters in the sidebar and remember the choice for the pages; a
    filter not shown keeps its last choice (or its default) for when it is shown again."""
    side = st.sidebar
    choices = data.checkin_choices(viewer)
    if not choices:
        found = Filters()
        st.session_state[STATE] = found
        return found
    side.header("Filters")
    by_id = {c.id: c for c in choices}
    checkin_id = _held("filter_checkin", by_id, next(iter(by_id)))
    if CHECKIN in shown:
        checkin_id = side.selectbox(
            "Check-in",
            list(by_id),
            format_func=lambda i: by_id[i].name + ("" if by_id[i].active else " (inactive)"),
            key="filter_checkin",
            persist_state=KEEP,
        )
    checkin = by_id[checkin_id]
    weeks = data.week_options(viewer, checkin.id)
    key = f"filter_weeks_{checkin.id}"
    default = default_range(weeks)
    first, last = _held(key, weeks, default)
    if WEEKS in shown:
        if len(weeks) > 1:
            first, last = side.select_slider(
                "Weeks",
                options=weeks,
                value=default,
                key=key,
                format_func=week_words,
                help=f"Whole ISO weeks; {checkin.timezone} decides which week is this week.",
                persist_state=KEEP,
            )
        else:
            side.caption(f"Week {week_words(first)}")
    members: tuple[str, ...] = ()
    channel = None
    if WHO in shown:
        members, channel = _who(viewer, checkin)
    found = Filters(checkin, first, last, members, channel, weeks)
    st.session_state[STATE] = found
    return found


def _who(viewer: Viewer, checkin: CheckinInfo) -> tuple[tuple[str, ...], str | None]:
    """Everyone, some members or a channel, for those who may narrow the figures so."""
    side = st.sidebar
    people = data.member_choices(viewer, checkin.id)
    rooms = data.channel_choices(viewer, checkin.id)
    if not people and viewer.suppresses(checkin.id):
        side.caption(
            "Team figures for the whole check-in: narrowing to some people or a channel "
            "is for admins and the check-in's leads."
        )
    if not people:
        return (), None
    modes = [EVERYONE, SOME] + ([CHANNEL] if rooms else [])
    mode = side.radio("Who", modes, key="filter_who", horizontal=True, persist_state=KEEP)
    if mode == SOME:
        names = dict(people)
        members = side.multiselect(
            "Members",
            list(names),
            format_func=names.get,
            key=f"filter_members_{checkin.id}",
            placeholder="Pick one or more people",
            persist_state=KEEP,
        )
        return tuple(members), None
    if mode == CHANNEL:
        return (), side.selectbox(
            "Channel", rooms, key=f"filter_channel_{checkin.id}", persist_state=KEEP
        )
    return (), None


def current() -> Filters:
    """The filters the frame drew on this run (empty before the frame has run)."""
    found = st.session_state.get(STATE)
    return found if isinstance(found, Filters) else Filters()
