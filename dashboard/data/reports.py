"""The weekly summary, as Slack and `python -m checkin report` give it, and its downloads."""

from __future__ import annotations

from checkin.people.viewer import Viewer
from checkin.reports import for_viewer, model
from dashboard.data import source

TTL = 30


def weekly_report(viewer: Viewer, checkin_id: int, week: str) -> model.Report:
    """The week's report with what the viewer may see; `NotAllowed` when not asked in it."""
    return _weekly_report(source.db_path(), viewer, checkin_id, week)


@source.cached(ttl=TTL)
def _weekly_report(path: str, viewer: Viewer, checkin_id: int, week: str) -> model.Report:
    with source.connection(path) as conn:
        return for_viewer.weekly_report(conn, viewer, checkin_id, week, source.now())


def report_file(viewer: Viewer, checkin_id: int, week: str, fmt: str) -> bytes:
    """The weekly report as `python -m checkin report --format fmt` writes it."""
    return _report_file(source.db_path(), viewer, checkin_id, week, fmt)


@source.cached(ttl=TTL, max_entries=64)
def _report_file(path: str, viewer: Viewer, checkin_id: int, week: str, fmt: str) -> bytes:
    with source.connection(path) as conn:
        return for_viewer.report_file(conn, viewer, checkin_id, week, fmt, source.now())
