from datetime import UTC, date, datetime

import pytest

from checkin.checkins.timing import (
    MemberClock,
    Schedule,
    due_runs,
    next_run,
    reminder_due,
    report_due,
    report_slot,
    wall_time,
)
from checkin.clock import zone as tz
from checkin.weeks import parse_week, week_bounds

EVERY_DAY = Schedule(days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"), time="09:00")
MWF = Schedule(days=("mon", "wed", "fri"), time="09:00")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def member(zone_name: str, **kw) -> MemberClock:  # noqa: ANN003
    return MemberClock(slack_id="U1", tz=zone_name, **kw)


@pytest.mark.parametrize(
    ("day", "expected_utc"),
    [
        (date(2026, 10, 24), utc(2026, 10, 24, 7, 0)),  # Saturday, summer time (+2)
        (date(2026, 10, 25), utc(2026, 10, 25, 8, 0)),  # the change day itself (+1)
        (date(2026, 10, 26), utc(2026, 10, 26, 8, 0)),  # the day after: still 09:00 local
        (date(2026, 3, 28), utc(2026, 3, 28, 8, 0)),  # winter (+1)
        (date(2026, 3, 30), utc(2026, 3, 30, 7, 0)),  # the day after spring-forward (+2)
    ],
)
def test_nine_oclock_stays_nine_oclock_local_across_dst(day, expected_utc):
    assert wall_time(day, "09:00", tz("Europe/Berlin")) == expected_utc
    assert wall_time(day, "09:00", tz("Europe/Berlin")).astimezone(tz("Europe/Berlin")).hour == 9


def test_due_the_day_after_a_dst_change_at_local_nine_not_an_hour_early():
    m = member("America/New_York")  # DST ended Sunday 2026-11-01
    assert due_runs(MWF, [m], utc(2026, 11, 2, 13, 59)) == []  # 08:59 EST
    (run,) = due_runs(MWF, [m], utc(2026, 11, 2, 14, 0))  # 09:00 EST
    assert run.local_date == date(2026, 11, 2)
    assert run.due_at == utc(2026, 11, 2, 14, 0)


def test_time_inside_a_spring_forward_gap_moves_forward_not_a_day_early():
    at = wall_time(date(2026, 3, 29), "02:30", tz("Europe/Berlin"))
    assert at == utc(2026, 3, 29, 1, 30)  # 03:30 CEST, the same day
    assert at.astimezone(tz("Europe/Berlin")).date() == date(2026, 3, 29)


def test_half_hour_offset_kolkata():
    m = member("Asia/Kolkata")
    assert due_runs(MWF, [m], utc(2026, 11, 25, 3, 29)) == []
    (run,) = due_runs(MWF, [m], utc(2026, 11, 25, 3, 30))  # 09:00 IST = 03:30 UTC
    assert run.local_date == date(2026, 11, 25)
    assert run.closes_at == utc(2026, 11, 25, 18, 30)  # local midnight


def test_member_whose_local_date_is_ahead_of_the_server():
    m = member("Pacific/Auckland")  # UTC+13 in November
    # 2026-11-24 20:30 UTC is Tuesday on the server, Wednesday 09:30 in Auckland
    (run,) = due_runs(MWF, [m], utc(2026, 11, 24, 20, 30))
    assert run.local_date == date(2026, 11, 25)
    assert run.week == "2026-W48"


def test_member_whose_local_date_is_behind_the_server():
    m = member("America/Los_Angeles")
    # Wednesday 06:00 UTC is still Tuesday 22:00 in Los Angeles: nothing due
    assert due_runs(MWF, [m], utc(2026, 11, 25, 6, 0)) == []
    (run,) = due_runs(MWF, [m], utc(2026, 11, 25, 17, 0))  # Wednesday 09:00 PST
    assert run.local_date == date(2026, 11, 25)


def test_paused_member_is_not_due_until_the_day_after_the_pause():
    m = member("UTC", paused_until="2026-11-25")
    assert due_runs(MWF, [m], utc(2026, 11, 25, 10, 0)) == []
    assert next_run(MWF, m, utc(2026, 11, 25, 10, 0)).local_date == date(2026, 11, 27)
    (run,) = due_runs(MWF, [m], utc(2026, 11, 27, 9, 0))
    assert run.local_date == date(2026, 11, 27)


def test_inactive_and_bot_members_are_never_due():
    now = utc(2026, 11, 25, 10, 0)
    assert due_runs(MWF, [member("UTC", active=False), member("UTC", is_bot=True)], now) == []


def test_run_missed_while_down_is_still_due_later_that_local_day_but_not_the_next():
    m = member("Europe/Berlin")
    (run,) = due_runs(MWF, [m], utc(2026, 11, 25, 21, 0))  # Wednesday 22:00 local
    assert run.local_date == date(2026, 11, 25)
    assert due_runs(MWF, [m], utc(2026, 11, 25, 23, 30)) == []  # Thursday 00:30 local


def test_window_hours_can_reach_into_the_next_day():
    s = Schedule(days=("wed",), time="18:00", window_hours=12)
    (run,) = due_runs(s, [member("UTC")], utc(2026, 11, 26, 5, 0))
    assert run.local_date == date(2026, 11, 25)
    assert run.closes_at == utc(2026, 11, 26, 6, 0)


def test_next_run_skips_days_not_in_the_schedule():
    nxt = next_run(MWF, member("Asia/Kolkata"), utc(2026, 11, 25, 4, 0))  # Wed after 09:00 IST
    assert nxt.local_date == date(2026, 11, 27)
    assert nxt.due_at == utc(2026, 11, 27, 3, 30)


def test_reminder_once_after_delay_while_open():
    sent, closes = utc(2026, 11, 25, 9), utc(2026, 11, 26)
    assert not reminder_due(sent, closes, 120, utc(2026, 11, 25, 10, 59))
    assert reminder_due(sent, closes, 120, utc(2026, 11, 25, 11, 0))
    assert not reminder_due(sent, closes, 120, utc(2026, 11, 26, 0, 0))
    assert not reminder_due(sent, closes, 0, utc(2026, 11, 25, 12, 0))


def test_weeks():
    assert week_bounds("2026-W48") == (date(2026, 11, 23), date(2026, 11, 29))
    now = utc(2026, 11, 27, 12)
    assert parse_week("last week", now) == "2026-W47"
    assert parse_week("this", now) == "2026-W48"
    assert parse_week("2026-w01", now) == "2026-W01"
    assert parse_week("2020-W53", now) == "2020-W53"
    with pytest.raises(ValueError, match="2026-W48"):
        parse_week("the week before christmas", now)
    # Sunday 23:30 UTC is already Monday in Berlin: "this week" follows the reporting zone
    assert parse_week("this", utc(2026, 11, 29, 23, 30), "Europe/Berlin") == "2026-W49"


def test_report_due_from_its_slot_in_the_reporting_zone():
    s = Schedule(
        days=("mon",), time="09:00", timezone="Europe/Berlin", report_day="fri", report_time="16:00"
    )
    assert report_slot(s, "2026-W48") == utc(2026, 11, 27, 15, 0)
    assert report_due(s, utc(2026, 11, 27, 14, 59)) is None
    assert report_due(s, utc(2026, 11, 27, 15, 0)) == "2026-W48"
    assert report_due(s, utc(2026, 11, 30, 9, 0)) == "2026-W48"  # bot back on Monday
    assert report_due(s, utc(2026, 12, 1, 16, 0)) is None


def test_a_report_before_the_check_in_s_days_covers_the_week_before():
    monday_report = Schedule(
        days=("mon", "wed", "fri"),
        time="09:00",
        timezone="Europe/Berlin",
        report_day="mon",
        report_time="09:00",
    )
    # Monday 2026-11-30 09:00 in Berlin (W49 has barely begun): the report covers W48
    assert report_due(monday_report, utc(2026, 11, 30, 8, 0)) == "2026-W48"
    assert report_due(monday_report, utc(2026, 12, 2, 8, 0)) == "2026-W48", "within the grace"
    monday_evening = Schedule(
        days=("tue", "thu"), time="10:00", report_day="mon", report_time="18:00"
    )
    assert report_due(monday_evening, utc(2026, 11, 30, 18, 0)) == "2026-W48"
    friday_report = Schedule(
        days=("mon", "wed", "fri"), time="09:00", report_day="fri", report_time="16:00"
    )
    assert report_due(friday_report, utc(2026, 12, 4, 16, 0)) == "2026-W49", "after: its own week"
    same_day_later = Schedule(days=("mon",), time="09:00", report_day="mon", report_time="17:00")
    assert report_due(same_day_later, utc(2026, 11, 30, 17, 0)) == "2026-W49"
