"""The Operations page: heartbeat, what the bot counted, the outbox and failed posts."""

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from checkin.checkins import broadcast, model
from checkin.clock import FakeClock, system_clock
from checkin.db import connection
from checkin.demo import build_demo
from checkin.ops import events, heartbeat
from checkin.ops.outbox import claim_outbox, enqueue, finish_outbox
from checkin.people import channels
from checkin.people.viewer import Viewer

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "streamlit_app.py")
PAGE = "dashboard/pages/operations.py"


@pytest.fixture
def demo(tmp_path, monkeypatch, prepared):  # noqa: ANN001, ANN201
    path = tmp_path / "demo.db"
    prepared(build_demo, path, members=4, weeks=1, seed=3, until=date(2026, 11, 27))
    monkeypatch.setenv("CHECKIN_DB", str(path))
    conn = connection.connect(path)
    yield conn
    conn.close()


def _open(**state) -> AppTest:  # noqa: ANN003
    """The page through the frame; with a `viewer`, the page alone, as that viewer.

    The frame puts the signed-in viewer in the session itself (the local operator
    without sign-in), so a seeded viewer is tried on the page's own reads.
    """
    alone = "viewer" in state
    at = AppTest.from_file(str(ROOT / PAGE) if alone else APP, default_timeout=30)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if not alone:
        at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _ago(**kwargs) -> FakeClock:  # noqa: ANN003
    return FakeClock(system_clock() - timedelta(**kwargs))


def _chart_values(at: AppTest, title: str) -> list[dict]:
    """The rows a chart was given (Streamlit sends a chart's inline data as Arrow)."""
    import pyarrow as pa

    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        if spec.get("title") == title:
            return pa.ipc.open_stream(chart.proto.data.data).read_all().to_pylist()
    raise AssertionError(f"no chart titled {title!r}")


def test_a_live_bot_shows_its_heartbeat(demo):
    heartbeat.beat(
        demo,
        env="development",
        dev_users=["U0001001"],
        started_at=system_clock(),
        connected=True,
        pid=4321,
        host="box",
        clock=_ago(seconds=5),
    )
    at = _open()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Bot"] == "connected"
    assert metrics["Environment"] == "development"
    assert metrics["Process"] == "4321 on box"
    assert metrics["Last seen"].endswith("s ago")
    assert "DMs go only to U0001001" in at.text[0].value
    assert not at.error


def test_a_stale_heartbeat_says_what_to_do(demo):
    heartbeat.beat(
        demo,
        env="production",
        dev_users=[],
        started_at=system_clock(),
        connected=True,
        pid=4321,
        host="box",
        clock=_ago(minutes=10),
    )
    at = _open()
    assert {m.label: m.value for m in at.metric}["Bot"] == "stale"
    assert "restart it with `python -m bot`" in at.error[0].value


def test_no_bot_yet_says_how_to_start_one(demo):
    at = _open()
    assert "No bot has run on this database yet" in at.warning[0].value


def test_messages_per_day_chart_receives_what_the_bot_recorded(demo):
    for hours in (1, 2, 3):
        events.record_event(
            demo, "message_sent", method="chat.postMessage", clock=_ago(hours=hours, days=1)
        )
    at = _open()
    values = _chart_values(at, "Messages sent per day (UTC)")
    assert sum(v["messages"] for v in values) == 3
    assert {v["day"] for v in values} <= {
        (system_clock() - timedelta(days=1, hours=h)).date().isoformat() for h in (1, 2, 3)
    }


def test_slack_errors_and_rate_limit_waits_are_listed(demo):
    events.record_event(
        demo, "api_error", method="chat.postMessage", error="channel_not_found", clock=_ago(hours=1)
    )
    events.record_event(
        demo, "rate_limited", method="chat.postMessage", duration_ms=2500, clock=_ago(hours=1)
    )
    at = _open()
    tables = [d.value for d in at.dataframe]
    errors = next(t for t in tables if "error" in t.columns)
    assert errors.to_dict("records")[0] | {"last (UTC)": ""} == {
        "method": "chat.postMessage",
        "error": "channel_not_found",
        "times": 1,
        "last (UTC)": "",
    }
    waits = next(t for t in tables if "seconds waited" in t.columns)
    assert list(waits["seconds waited"]) == [2.5]


def test_the_outbox_shows_failures_with_their_reason(demo):
    ok = enqueue(demo, "send_checkin", {"checkin": "wellbeing", "members": []})
    bad = enqueue(
        demo, "post_report", {"checkin": "wellbeing", "week": "2026-W48", "channel": "#gone"}
    )
    claim_outbox(demo)
    finish_outbox(demo, ok, None)
    claim_outbox(demo)
    finish_outbox(demo, bad, "channel_not_found")
    at = _open()
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Done"], metrics["Failed"], metrics["Pending"]) == ("1", "1", "0")
    outbox = next(d.value for d in at.dataframe if "attempts" in d.value.columns)
    failed = outbox[outbox["status"] == "failed"].iloc[0]
    assert failed["reason"] == "channel_not_found"
    assert failed["what"] == "post the wellbeing summary of 2026-W48 to #gone"


def test_failed_report_posts_are_listed_with_their_error(demo):
    checkin = model.get_checkin(demo, "wellbeing")
    demo.execute(
        "INSERT INTO report_posts (checkin_id, week, channel, status, error) "
        "VALUES (?, '2026-W47', '#team', 'failed', 'not_in_channel')",
        (checkin["id"],),
    )
    at = _open()
    posts = next(d.value for d in at.dataframe if "week" in d.value.columns)
    assert posts.to_dict("records")[0]["reason"] == "not_in_channel"


def test_leads_from_a_report_channel_turned_public_are_named_with_what_to_do(demo):
    demo.execute(
        "UPDATE checkins SET report_channel = '#team', leads_from_report_channel = 1 "
        "WHERE name = 'wellbeing'"
    )
    channels.record_channels(demo, [{"id": "C0002", "name": "team", "is_private": False}])
    at = _open()
    (warning,) = [w.value for w in at.warning if "public channel" in w.value]
    assert "so its members do not lead wellbeing" in warning.replace("\\", "")
    assert "Use a private channel" in warning


def test_a_standup_channel_the_bot_is_not_in_is_named_with_how_to_invite_it(demo):
    demo.execute("UPDATE checkins SET visibility = 'team', broadcast = '#standup'")
    checkin = model.get_checkin(demo, "wellbeing")
    line = broadcast.not_member_line("#standup", "wellbeing")
    broadcast.record_check(demo, checkin["id"], "#standup", line)
    at = _open()
    assert [w.value.replace("\\", "") for w in at.warning if "standup" in w.value] == [line]
    assert "/invite @checkin" in line
    member = _open(viewer=Viewer(role="member", slack_id="U0001001"))
    assert not [w for w in member.warning if "standup" in w.value]


def test_answers_per_day_chart_counts_the_demo_answers(demo):
    at = _open(ops_days=90)
    values = _chart_values(at, "Answers stored per day (UTC)")
    assert (
        sum(v["answers"] for v in values)
        == demo.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    )


def test_a_member_does_not_see_operations(demo):
    events.record_event(demo, "api_error", method="chat.postMessage", error="x")
    at = _open(viewer=Viewer(role="member", slack_id="U0001001"))
    assert "only an admin sees them" in at.info[0].value
    assert not at.dataframe and not at.metric


def test_operations_page_shows_backups_deploys_and_member_data(tmp_path, monkeypatch):
    """The Operations page carries the data-ownership panels: last backup, deploy trail, a member's data."""
    from contextlib import closing

    from streamlit.testing.v1 import AppTest

    from checkin.config import Config
    from checkin.db import connection
    from checkin.demo import build_demo
    from checkin.ops import backup, deploys

    path = tmp_path / "ops.db"
    build_demo(path, members=6, weeks=2)
    with closing(connection.connect(path)) as conn:
        deploys.record_start(conn, "bot", Config(db_path=path, env="production"))
    backup.take_backup(Config(db_path=path), tmp_path / "copy.db")
    monkeypatch.setenv("CHECKIN_DB", str(path))
    st_cache_clear()
    at = AppTest.from_file(str(ROOT / "dashboard/pages/operations.py"), default_timeout=30).run()
    assert not at.exception
    headers = [h.value for h in at.header]
    assert "Backups" in headers and "A member's data" in headers
    assert any("bot" in str(df.value.to_dict()) for df in at.dataframe)


def st_cache_clear() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def _set_aside(conn, member: str = "U001") -> int:  # noqa: ANN001
    from checkin.ops import inbox

    row_id = inbox.inbox_add(conn, "on_answer_click", member, "{}")
    inbox.inbox_set_aside(conn, row_id, "OperationalError: database or disk is full")
    return row_id


def test_a_set_aside_request_is_listed_with_its_error_and_an_admin_asks_to_try_it_again(demo):  # noqa: ANN001
    row_id = _set_aside(demo)
    at = _open()
    table = next(d.value for d in at.dataframe if "set aside (UTC)" in list(d.value.columns))
    assert list(table["request"]) == [f"#{row_id}"]
    assert list(table["error"]) == ["OperationalError: database or disk is full"]
    assert list(table["kind"]) == ["on_answer_click"]
    at.selectbox(key="retry_id").set_value(row_id)
    at.button[[b.label for b in at.button].index("Try again")].click().run()
    assert not at.exception
    assert any("will be tried again" in s.value for s in at.success)
    asked = demo.execute("SELECT try_again_at FROM inbox WHERE id = ?", (row_id,)).fetchone()[0]
    assert asked is not None


def test_a_member_sees_no_set_aside_requests(demo):  # noqa: ANN001
    from checkin.ops import status

    _set_aside(demo)
    assert status.set_aside_requests(demo, Viewer(role="member", slack_id="U002")) == []
    with pytest.raises(Exception, match="only an admin"):
        status.try_again(demo, Viewer(role="member", slack_id="U002"), 1)
