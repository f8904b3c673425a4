"""Scheduling rules: which runs are due, for which local date, until when.

Pure functions over zoneinfo: no Slack, no `schedule`, no database, and `now`
always passed in. A check-in's `time` is wall-clock time in each member's own
time zone, so "09:00" is 09:00 local on both sides of a daylight-saving
change; a time that does not exist that day (inside a spring-forward gap) is
moved forward by the gap, and an ambiguous one (fall-back) is the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from checkin.checkins.definitions import DAYS
from checkin.checkins.model import json_list
from checkin.clock import zone
from checkin.weeks import iso_week, week_bounds

LOOKBACK_DAYS = 4  # a window of up to 72 hours can still be open from 3 local days ago


@dataclass(frozen=True)
class Schedule:
    days: tuple[str, ...]
    time: str
    window_hours: int | None = None
    timezone: str = "UTC"
    report_day: str | None = None
    report_time: str | None = None

    @classmethod
    def of(cls, checkin: object) -> Schedule:
        """From a `CheckinDef` or a `checkins` row (whose days are JSON text)."""
        get = checkin.__getitem__ if hasattr(checkin, "keys") else checkin.__getattribute__
        days = json_list(get("days"))
        return cls(
            days=tuple(days),
            time=get("time"),
            window_hours=get("window_hours"),
            timezone=get("timezone") or "UTC",
            report_day=get("report_day"),
            report_time=get("report_time"),
        )


@dataclass(frozen=True)
class MemberClock:
    """What the rules need to know about a member."""

    slack_id: str
    tz: str = "UTC"
    paused_until: str | None = None  # local date, inclusive
    active: bool = True
    is_bot: bool = False

    @classmethod
    def of(cls, row: object) -> MemberClock:
        get = row.__getitem__
        return cls(
            slack_id=get("slack_id"),
            tz=get("tz") or "UTC",
            paused_until=get("paused_until"),
            active=bool(get("active")),
            is_bot=bool(get("is_bot")),
        )


@dataclass(frozen=True)
class DueRun:
    member_id: str
    local_date: date
    due_at: datetime  # UTC
    closes_at: datetime  # UTC

    @property
    def week(self) -> str:
        year, week, _ = self.local_date.isocalendar()
        return f"{year}-W{week:02d}"


def wall_time(day: date, hhmm: str, tz: ZoneInfo) -> datetime:
    """The UTC instant of `hhmm` on `day` in `tz` (gap times move forward)."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    local = datetime.combine(day, time(hour, minute), tzinfo=tz)
    # Round-trip through UTC: a non-existent local time comes back shifted.
    return local.astimezone(UTC)


def window_close(schedule: Schedule, local_date: date, tz: ZoneInfo) -> datetime:
    """When a run stops being open: the end of the member's local day, or after window_hours."""
    if schedule.window_hours:
        return wall_time(local_date, schedule.time, tz) + timedelta(hours=schedule.window_hours)
    next_day = datetime.combine(local_date + timedelta(days=1), time(0, 0), tzinfo=tz)
    return next_day.astimezone(UTC)


def is_paused(member: MemberClock, local_date: date) -> bool:
    return bool(member.paused_until) and local_date.isoformat() <= member.paused_until


def is_askable(member: MemberClock) -> bool:
    return member.active and not member.is_bot


def run_for(schedule: Schedule, member: MemberClock, local_date: date) -> DueRun | None:
    """The run a member has on `local_date`, if that is one of the check-in's days."""
    if DAYS[local_date.weekday()] not in schedule.days:
        return None
    tz = zone(member.tz)
    return DueRun(
        member_id=member.slack_id,
        local_date=local_date,
        due_at=wall_time(local_date, schedule.time, tz),
        closes_at=window_close(schedule, local_date, tz),
    )


def due_runs(schedule: Schedule, members: Iterable[MemberClock], now: datetime) -> list[DueRun]:
    """Runs whose time has come and whose window is still open at `now`.

    The caller creates each one unless it exists already (runs are unique per
    check-in, member and local date), which is what makes a restart, a second
    tick or a missed tick harmless.
    """
    now = now.astimezone(UTC)
    out = []
    for member in members:
        if not is_askable(member):
            continue
        today = now.astimezone(zone(member.tz)).date()
        for back in range(LOOKBACK_DAYS):
            run = run_for(schedule, member, today - timedelta(days=back))
            if run and run.due_at <= now < run.closes_at and not is_paused(member, run.local_date):
                out.append(run)
    return out


def next_run(
    schedule: Schedule, member: MemberClock, now: datetime, horizon_days: int = 400
) -> DueRun | None:
    """The member's next run that starts after `now` (skipping paused days)."""
    now = now.astimezone(UTC)
    today = now.astimezone(zone(member.tz)).date()
    for ahead in range(horizon_days):
        run = run_for(schedule, member, today + timedelta(days=ahead))
        if run and run.due_at > now and not is_paused(member, run.local_date):
            return run
    return None


def reminder_due(
    sent_at: datetime, closes_at: datetime, reminder_minutes: int, now: datetime
) -> bool:
    """A reminder is due once `reminder_minutes` after sending, while the run is open."""
    if reminder_minutes <= 0:
        return False
    return sent_at + timedelta(minutes=reminder_minutes) <= now < closes_at


def report_slot(schedule: Schedule, week: str) -> datetime | None:
    """The UTC instant the check-in's report for `week` is due, in its reporting zone."""
    if not schedule.report_day or not schedule.report_time:
        return None
    monday, _ = week_bounds(week)
    day = monday + timedelta(days=DAYS.index(schedule.report_day))
    return wall_time(day, schedule.report_time, zone(schedule.timezone))


def report_comes_first(schedule: Schedule) -> bool:
    """True when the report's slot comes before the check-in's first run of its week
    (a Monday 09:00 report of a Monday-to-Friday 09:00 check-in, a Sunday report of a
    Monday one): that week has barely begun, so the report covers the week before."""
    if not schedule.report_day or not schedule.report_time or not schedule.days:
        return False
    first = min(DAYS.index(d) for d in schedule.days)
    report = DAYS.index(schedule.report_day)
    return (report, schedule.report_time) <= (first, schedule.time)


def report_week(schedule: Schedule, slot_week: str) -> str:
    """The week a report posted in `slot_week` covers (see docs/reports.md)."""
    if report_comes_first(schedule):
        monday, _ = week_bounds(slot_week)
        return iso_week(monday - timedelta(days=7))
    return slot_week


def report_due(schedule: Schedule, now: datetime, grace_days: int = 3) -> str | None:
    """The week whose report is due at `now`: from its slot until `grace_days` after it.

    A bot that was down at report time still posts when it comes back within the grace.
    The week returned is the one the report covers (`report_week`).
    """
    tz = zone(schedule.timezone)
    today = now.astimezone(tz).date()
    for week in (iso_week(today), iso_week(today - timedelta(days=7))):
        slot = report_slot(schedule, week)
        if slot and slot <= now < slot + timedelta(days=grace_days):
            return report_week(schedule, week)
    return None


def weekdays(days: Sequence[str]) -> str:
    """'mon, wed, fri' → 'Mon, Wed, Fri' for people."""
    return ", ".join(d.capitalize() for d in days)


def local_today(tz: str | None, now: datetime) -> date:
    """The member's own date at `now`."""
    return now.astimezone(zone(tz)).date()


def adhoc_run(schedule: Schedule, member: MemberClock, now: datetime) -> DueRun:
    """A run started by hand (`send NAME`) now, for the member's local today.

    It is open until the usual close of that day's window, or to the end of
    the member's day when that window has already passed.
    """
    tz = zone(member.tz)
    today = now.astimezone(tz).date()
    closes_at = window_close(schedule, today, tz)
    if closes_at <= now:
        closes_at = window_close(Schedule(days=schedule.days, time=schedule.time), today, tz)
    return DueRun(member_id=member.slack_id, local_date=today, due_at=now, closes_at=closes_at)
