"""The Check-ins page's standup channel: set through the validator, the bot's finding shown."""

from datetime import date

import pytest

from checkin.checkins import broadcast, model
from checkin.db import connection
from checkin.demo import build_demo
from checkin.people import channels
from tests.dashboard.test_checkins import _open, _shown


@pytest.fixture
def demo(tmp_path, monkeypatch, prepared):  # noqa: ANN001, ANN201
    path = tmp_path / "demo.db"
    prepared(build_demo, path, members=6, weeks=2, seed=3, until=date(2026, 11, 27))
    monkeypatch.setenv("CHECKIN_DB", str(path))
    conn = connection.connect(path)
    channels.record_channels(conn, [{"id": "C0STANDUP", "name": "standup", "is_private": False}])
    yield conn
    conn.close()


def test_a_standup_channel_needs_a_team_checkin_then_saves_with_its_thread_choice(demo):
    at = _open()
    at.selectbox(key="ci_broadcast").set_value("#standup")
    at.checkbox(key="ci_broadcast_thread").uncheck()
    at.button(key="ci_save").click().run()
    assert any('so the check-in is "team"' in _shown(e) for e in at.error)
    assert model.get_checkin(demo, "wellbeing")["broadcast"] is None

    at.radio(key="ci_visibility").set_value("team")
    at.button(key="ci_save").click().run()
    assert not at.exception
    assert "Saved: updated." in [_shown(s) for s in at.success]
    saved = model.get_checkin(demo, "wellbeing")
    assert (saved["broadcast"], saved["broadcast_thread"], saved["visibility"]) == (
        "#standup",
        0,
        "team",
    )
    assert any("/invite @checkin` in #standup" in _shown(w) for w in at.warning)


def test_the_page_shows_that_the_bot_is_not_in_the_channel_and_how_to_invite_it(demo):
    demo.execute("UPDATE checkins SET visibility = 'team', broadcast = '#standup'")
    checkin = model.get_checkin(demo, "wellbeing")
    line = broadcast.not_member_line("#standup", "wellbeing")
    broadcast.record_check(demo, checkin["id"], "#standup", line)
    at = _open()
    assert at.selectbox(key="ci_broadcast").value == "#standup"
    assert [_shown(w) for w in at.warning if "#standup" in _shown(w)] == [line]
