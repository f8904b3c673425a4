"""The Check-ins page's pickers: people by name, channels the bot has seen, IANA time zones.

The form shows names and stores what the TOML file holds (member ids, "#channel", a
channel id); a value the bot does not know is kept and shown as written.
"""

import json
from datetime import date
from pathlib import Path
from zoneinfo import available_timezones

import pytest
from streamlit.testing.v1 import AppTest

from checkin.checkins import model
from checkin.db import connection
from checkin.demo import build_demo
from checkin.people.members import upsert_member

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
PAGE = "dashboard/pages/checkins.py"


@pytest.fixture
def demo(tmp_path, monkeypatch, prepared):  # noqa: ANN001, ANN201
    path = tmp_path / "demo.db"
    prepared(build_demo, path, members=6, weeks=2, seed=3, until=date(2026, 11, 27))
    monkeypatch.setenv("CHECKIN_DB", str(path))
    conn = connection.connect(path)
    yield conn
    conn.close()


def _open() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _new(at: AppTest, name: str) -> AppTest:
    """Start a new check-in with one question."""
    at.selectbox(key="ci_choice").set_value(0).run()
    at.text_input(key="ci_name").set_value(name)
    [text_key] = [t.key for t in at.text_input if t.key.endswith("_text")]
    at.text_input(key=text_key).set_value("How was your week?")
    return at


def _set(conn, **columns) -> None:  # noqa: ANN001
    with connection.transaction(conn):
        for column, value in columns.items():
            conn.execute(f"UPDATE checkins SET {column} = ?", (value,))  # noqa: S608


def test_participants_are_shown_by_name_and_channels_with_whether_they_are_private(demo):
    at = _open()
    picker = at.multiselect(key="ci_participants")
    assert picker.value == ["#team"]
    assert picker.values == ["#team · private channel"]
    names = [
        r[0]
        for r in demo.execute("SELECT real_name FROM members ORDER BY real_name COLLATE NOCASE")
    ]
    people = [o for o in picker.options if "channel" not in o]
    assert [o.split(" (@")[0] for o in people] == names
    assert "#general · public channel" in picker.options
    assert not any(o.startswith("U0") for o in picker.options)  # nobody shown as an id


def test_members_picked_by_name_are_saved_as_their_ids(demo):
    ids = [r[0] for r in demo.execute("SELECT slack_id FROM members ORDER BY slack_id LIMIT 2")]
    at = _new(_open(), "retro")
    at.multiselect(key="ci_participants").set_value([*ids, "#team"])
    at.multiselect(key="ci_leads").set_value(ids[:1])
    at.button(key="ci_save").click().run()
    assert not at.exception
    row = model.get_checkin(demo, "retro")
    assert json.loads(row["participants"]) == [*ids, "#team"]
    assert json.loads(row["leads"]) == ids[:1]


def test_an_id_the_bot_does_not_know_is_kept_and_shown_as_the_id(demo):
    _set(demo, participants=json.dumps(["U0001000", "U0NOTSEEN1"]), report_channel="C0NOTSEEN")
    at = _open()
    picker = at.multiselect(key="ci_participants")
    assert picker.value == ["U0001000", "U0NOTSEEN1"]
    assert picker.values[1] == "U0NOTSEEN1"
    assert picker.values[0] == "Uma Moreau (@uma.moreau)"
    channel = at.selectbox(key="ci_report_channel")
    assert channel.value == "C0NOTSEEN"
    assert channel.format_func(channel.value) == "C0NOTSEEN · not seen by the bot yet"
    at.text_input(key="ci_time").set_value("09:30")
    at.button(key="ci_save").click().run()
    assert "Saved: updated." in [s.value.replace("\\", "") for s in at.success]
    row = model.get_checkin(demo, "wellbeing")
    assert json.loads(row["participants"]) == ["U0001000", "U0NOTSEEN1"]
    assert row["report_channel"] == "C0NOTSEEN"


def test_an_id_typed_in_for_someone_the_bot_has_not_seen_is_saved(demo):
    at = _open()
    at.multiselect(key="ci_participants").set_value(["#team", "U0TYPED01"]).run()
    at.button(key="ci_save").click().run()
    assert not at.exception
    assert json.loads(model.get_checkin(demo, "wellbeing")["participants"]) == [
        "#team",
        "U0TYPED01",
    ]


def test_a_known_channel_held_as_its_id_is_named_and_offered_once(demo):
    _set(demo, report_channel="C0DEMOTEAM")
    at = _open()
    channel = at.selectbox(key="ci_report_channel")
    assert channel.value == "C0DEMOTEAM"
    assert channel.options == [
        "(no report channel)",
        "#general · public channel",
        "#team · private channel (C0DEMOTEAM)",
    ]


def test_picking_the_report_channel_stores_its_name(demo):
    at = _open()
    at.selectbox(key="ci_report_channel").set_value("#general")
    at.button(key="ci_save").click().run()
    assert model.get_checkin(demo, "wellbeing")["report_channel"] == "#general"


def test_leads_from_a_public_report_channel_are_refused_under_the_channel(demo):
    at = _open()
    at.selectbox(key="ci_report_channel").set_value("#general")
    at.checkbox(key="ci_leads_from").check()
    at.button(key="ci_save").click().run()
    messages = [e.value.replace("\\", "") for e in at.error]
    assert any("#general is a public channel" in m for m in messages)
    assert model.get_checkin(demo, "wellbeing")["report_channel"] == "#team"


def test_leads_and_retention_set_in_toml_survive_a_save_from_the_page(demo):
    _set(demo, leads=json.dumps(["U0001002"]), leads_from_report_channel=1, retention_weeks=52)
    at = _open()
    assert at.multiselect(key="ci_leads").value == ["U0001002"]
    assert at.checkbox(key="ci_leads_from").value is True
    at.text_input(key="ci_time").set_value("10:00")
    at.button(key="ci_save").click().run()
    row = model.get_checkin(demo, "wellbeing")
    assert row["time"] == "10:00"
    assert json.loads(row["leads"]) == ["U0001002"]
    assert (row["leads_from_report_channel"], row["retention_weeks"]) == (1, 52)


def test_time_zones_are_the_iana_list(demo):
    at = _open()
    zones = at.selectbox(key="ci_timezone")
    assert zones.value == "Europe/Berlin"
    assert "UTC" in zones.options and "America/Sao_Paulo" in zones.options
    assert set(zones.options) <= available_timezones()
    assert len(zones.options) > 300


def test_a_new_checkins_zone_is_the_one_most_participants_live_in(demo):
    upsert_member(demo, "U0002000", real_name="Ama Owusu", tz="Europe/London")
    at = _new(_open(), "standup")
    assert at.selectbox(key="ci_timezone").value == "UTC"
    # U0001000 lives in Berlin, U0001001 and U0002000 in London
    at.multiselect(key="ci_participants").set_value(["U0001000", "U0001001", "U0002000"]).run()
    assert at.selectbox(key="ci_timezone").value == "Europe/London"
    at.button(key="ci_save").click().run()
    assert model.get_checkin(demo, "standup")["timezone"] == "Europe/London"


def test_a_zone_picked_by_hand_stays_and_the_common_one_is_offered(demo):
    at = _new(_open(), "standup")
    at.selectbox(key="ci_timezone").set_value("Asia/Tokyo").run()
    at.multiselect(key="ci_participants").set_value(["U0001000"]).run()
    assert at.selectbox(key="ci_timezone").value == "Asia/Tokyo"
    assert "1 of the 1 members picked live in Europe/Berlin." in [c.value for c in at.caption]
    at.button(key="ci_use_zone").click().run()
    assert at.selectbox(key="ci_timezone").value == "Europe/Berlin"
