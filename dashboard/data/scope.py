"""The sidebar's choices (check-in, weeks, members, channels) and the Overview's figures for them."""

from __future__ import annotations

from checkin.overview import figures
from checkin.overview import scope as overview_scope
from checkin.overview.model import Overview
from checkin.overview.scope import CheckinInfo, Scope
from checkin.people.viewer import Viewer
from dashboard.data import source

TTL = 30  # seconds: a new answer shows within half a minute


def checkin_choices(viewer: Viewer) -> list[CheckinInfo]:
    """The check-ins the viewer may pick, active ones first."""
    return _checkin_choices(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _checkin_choices(path: str, viewer: Viewer) -> list[CheckinInfo]:
    with source.connection(path) as conn:
        return overview_scope.checkins(conn, viewer)


def week_options(viewer: Viewer, checkin_id: int) -> list[str]:
    """The ISO weeks of the check-in that can be picked, oldest first, up to this week."""
    return _week_options(source.db_path(), viewer, checkin_id, source.now().date().isoformat())


@source.cached(ttl=TTL)
def _week_options(path: str, viewer: Viewer, checkin_id: int, today: str) -> list[str]:
    with source.connection(path) as conn:
        return overview_scope.week_options(conn, viewer, checkin_id, source.now())


def member_choices(viewer: Viewer, checkin_id: int) -> list[tuple[str, str]]:
    """(slack id, name) of the members the viewer may narrow the check-in to."""
    return _member_choices(source.db_path(), viewer, checkin_id)


@source.cached(ttl=TTL)
def _member_choices(path: str, viewer: Viewer, checkin_id: int) -> list[tuple[str, str]]:
    with source.connection(path) as conn:
        return overview_scope.members(conn, viewer, checkin_id)


def channel_choices(viewer: Viewer, checkin_id: int) -> list[str]:
    """The channels among the check-in's participants the viewer may narrow it to."""
    return _channel_choices(source.db_path(), viewer, checkin_id)


@source.cached(ttl=TTL)
def _channel_choices(path: str, viewer: Viewer, checkin_id: int) -> list[str]:
    with source.connection(path) as conn:
        return overview_scope.channels(conn, viewer, checkin_id)


def overview(viewer: Viewer, scope: Scope) -> Overview:
    """The Overview's headline and chart data for the scope; `NotAllowed` when not asked in it."""
    return _overview(source.db_path(), viewer, scope)


@source.cached(ttl=TTL)
def _overview(path: str, viewer: Viewer, scope: Scope) -> Overview:
    with source.connection(path) as conn:
        return figures.overview(conn, viewer, scope)
