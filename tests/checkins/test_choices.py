"""What the check-in form offers to pick: members and channels by name, IANA time zones."""

import zoneinfo

import pytest

from checkin.checkins import choices
from checkin.checkins.choices import Person, Room
from checkin.errors import NotAllowed
from checkin.people import channels, members
from checkin.people.viewer import OPERATOR, Viewer


def test_members_come_by_name_without_bots_and_say_when_deactivated(conn):
    members.upsert_member(conn, "U002", name="bo", real_name="Bo Berg", tz="Europe/Oslo")
    members.upsert_member(conn, "U001", name="ada", real_name="Ada Lind", tz="Europe/Berlin")
    members.upsert_member(conn, "U003", name="gone", real_name="Cy Dahl", active=False)
    members.upsert_member(conn, "B001", name="somebot", is_bot=True)
    members.ensure_member(conn, "U004")  # not looked up yet: known by id only
    found = choices.people(conn, OPERATOR)
    assert [p.label for p in found] == [
        "Ada Lind (@ada)",
        "Bo Berg (@bo)",
        "Cy Dahl (@gone), deactivated",
        "U004",
    ]
    assert found[0] == Person("U001", "Ada Lind", "ada", "Europe/Berlin", True)


def test_channels_come_by_name_with_whether_they_are_private(conn):
    channels.record_channels(
        conn,
        [
            {"id": "C2", "name": "team", "is_private": True},
            {"id": "C1", "name": "general", "is_private": False},
        ],
    )
    found = choices.rooms(conn, OPERATOR)
    assert [r.label for r in found] == ["#general · public channel", "#team · private channel"]
    assert choices.channel_label(found, "#TEAM") == "#team · private channel"
    assert choices.channel_label(found, "C2") == "#team · private channel (C2)"
    assert choices.channel_label(found, "#later") == "#later · not seen by the bot yet"


def test_only_an_admin_gets_the_lists(conn):
    member = Viewer(role="member", slack_id="U001")
    with pytest.raises(NotAllowed):
        choices.people(conn, member)
    with pytest.raises(NotAllowed):
        choices.rooms(conn, member)


def test_the_common_zone_counts_the_members_picked_and_a_tie_goes_to_the_first():
    everyone = [
        Person("U1", "A", tz="Europe/Berlin"),
        Person("U2", "B", tz="Asia/Tokyo"),
        Person("U3", "C", tz="Asia/Tokyo"),
        Person("U4", "D", tz="Europe/Berlin"),
    ]
    assert choices.common_zone(everyone, ["U1", "U2", "U3"]) == choices.CommonZone(
        "Asia/Tokyo", 2, 3
    )
    assert choices.common_zone(everyone, ["U4", "U2", "#team", "U9"]).zone == "Europe/Berlin"
    assert choices.common_zone(everyone, ["#team", "U9"]) is None


def test_the_time_zones_are_utc_and_the_iana_area_names():
    zones = choices.time_zones()
    assert zones[0] == "UTC"
    assert "Europe/Berlin" in zones and "America/Argentina/Buenos_Aires" in zones
    assert "US/Pacific" not in zones and "localtime" not in zones
    assert set(zones) <= zoneinfo.available_timezones()
    assert list(zones[1:]) == sorted(zones[1:])


def test_a_room_without_a_name_is_named_by_its_id():
    assert Room("C9", "", True).ref == "C9"
