"""ISO weeks: naming, bounds, parsing `last|this|2026-W48`, ranges and labels.

A run belongs to the ISO week of the member's own local date; every feature
that counts by week (reports, the Overview, operations) names weeks here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from checkin.clock import zone


def weeks_between(first: str, last: str) -> list[str]:
    """ISO weeks from `first` to `last`, oldest first."""
    monday, _ = week_bounds(first)
    end, _ = week_bounds(last)
    out = []
    while monday <= end:
        out.append(iso_week(monday))
        monday += timedelta(days=7)
    return out


def previous_week(week: str) -> str:
    monday, _ = week_bounds(week)
    return iso_week(monday - timedelta(days=7))


def week_label(week: str) -> str:
    """'2026-W47' → '16 Nov' (the Monday it starts)."""
    monday, _ = week_bounds(week)
    return f"{monday.day} {monday.strftime('%b')}"


def week_mid(week: str) -> float:
    """The middle of an ISO week (Thursday 12:00 UTC) in epoch milliseconds: where a week is drawn.

    Every panel of the Overview carries this field, so the brush, which selects a
    range of it, filters each of them the same way. A float, because Arrow hands an
    integer column to the browser as BigInt, which Vega cannot place on a time axis.
    """
    monday, _ = week_bounds(week)
    noon = datetime(monday.year, monday.month, monday.day, 12, tzinfo=UTC) + timedelta(days=3)
    return noon.timestamp() * 1000.0


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(week: str) -> tuple[date, date]:
    """First (Monday) and last (Sunday) dates of an ISO week like 2026-W48."""
    year, num = week.split("-W")
    monday = date.fromisocalendar(int(year), int(num), 1)
    return monday, monday + timedelta(days=6)


def parse_week(text: str, now: datetime, timezone: str = "UTC") -> str:
    """'this', 'last', 'this week', 'last week' or '2026-W48' → an ISO week string."""
    spec = text.strip().lower().removesuffix(" week").removesuffix("week").strip() or "this"
    today = now.astimezone(zone(timezone)).date()
    if spec in ("this", "current"):
        return iso_week(today)
    if spec in ("last", "previous"):
        return iso_week(today - timedelta(days=7))
    try:
        year, num = spec.upper().split("-W")
        monday = date.fromisocalendar(int(year), int(num), 1)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a week; say 'last week', 'this week' or 2026-W48"
        ) from None
    return iso_week(monday)
