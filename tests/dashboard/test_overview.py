"""The Overview page in AppTest on a demo database: figures, filters, empty states, banners."""

from __future__ import annotations

import json
import sqlite3

from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.checkins.model import get_checkin
from checkin.clock import iso
from checkin.db import connection
from checkin.reports import build, formats, model
from dashboard import components
from tests.dashboard.charts_util import panels
from tests.dashboard.conftest import LAST_WEEK, NOW, app

PARTICIPATION = "Check-ins answered per week (drag to pick weeks)"


def report_for(demo, week: str) -> model.Report:  # noqa: ANN001
    conn = connection.connect(demo.path)
    try:
        return build.build_report(conn, get_checkin(conn, "wellbeing"), week, NOW)
    finally:
        conn.close()


def test_one_week_shows_the_weekly_reports_figures(demo) -> None:  # noqa: ANN001
    at = app()
    at.session_state[f"filter_weeks_{demo.checkin_id}"] = (LAST_WEEK, LAST_WEEK)
    at.run()
    assert not at.exception
    report = report_for(demo, LAST_WEEK)
    metrics = {m.label: m for m in at.metric}
    assert metrics["Participation"].value == formats.percent(report.headline.participation)
    assert metrics["Participation"].delta == components.points(
        report.headline.participation_change, "points"
    )
    assert metrics["Median time to answer"].value == formats.minutes_words(
        report.headline.median_minutes_to_answer
    )
    for q in report.questions:
        if q.kind == "scale" and q.answers:
            assert metrics[components.plain(q.text)].value == f"{q.mean:.2f} of 5"


def test_the_weekly_bars_hold_the_reports_trend(demo) -> None:  # noqa: ANN001
    at = app().run()
    bars = panels(at.get("vega_lite_chart")[0])[PARTICIPATION]
    report = report_for(demo, LAST_WEEK)
    got = {r.week: (r.asked, r.answered) for r in bars.itertuples()}
    for point in report.trend:
        if point.week in got:
            assert got[point.week] == (point.asked, point.answered)
    assert got[LAST_WEEK] == (report.headline.runs_asked, report.headline.runs_answered)


def test_picking_one_member_changes_what_every_chart_receives(demo) -> None:  # noqa: ANN001
    at = app().run()
    before = panels(at.get("vega_lite_chart")[0])
    conn = sqlite3.connect(demo.path)
    member, asked = conn.execute(
        "SELECT member_id, COUNT(*) FROM runs WHERE week = ? AND status != 'due' "
        "GROUP BY member_id ORDER BY member_id LIMIT 1",
        (LAST_WEEK,),
    ).fetchone()
    conn.close()

    at.sidebar.radio(key="filter_who").set_value("Some members").run()
    at.sidebar.multiselect(key=f"filter_members_{demo.checkin_id}").set_value([member]).run()
    assert not at.exception
    after = panels(at.get("vega_lite_chart")[0])
    assert set(after) == set(before) or set(after) <= set(before)
    bars = after[PARTICIPATION].set_index("week")
    assert bars.loc[LAST_WEEK, "asked"] == asked
    assert bars["asked"].sum() < before[PARTICIPATION]["asked"].sum()
    heat_title = "When people answer"
    assert after[heat_title]["count"].sum() < before[heat_title]["count"].sum()


def test_a_narrower_week_range_sends_fewer_weeks(demo) -> None:  # noqa: ANN001
    at = app().run()
    weeks_before = list(panels(at.get("vega_lite_chart")[0])[PARTICIPATION]["week"])
    at.sidebar.select_slider(key=f"filter_weeks_{demo.checkin_id}").set_value(
        ("2026-W47", LAST_WEEK)
    ).run()
    weeks_after = list(panels(at.get("vega_lite_chart")[0])[PARTICIPATION]["week"])
    assert len(weeks_before) > 2
    assert weeks_after == ["2026-W47", LAST_WEEK]


def test_the_brush_is_on_the_week_field_and_filters_the_other_panels(demo) -> None:  # noqa: ANN001
    import json

    at = app().run()
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    brush = next(p for p in spec["params"] if p["name"] == "weeks")
    assert brush["select"]["type"] == "interval" and brush["select"]["encodings"] == ["x"]
    filters = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for step in node.get("transform", []):
                if isinstance(step.get("filter"), dict) and step["filter"].get("param") == "weeks":
                    filters.append(step)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    text = json.dumps(spec)
    assert len(filters) >= 5, (
        "the averages, 1-5 answers, choices, numbers and heatmap follow the brush"
    )
    assert '"field": "week_mid"' in text


def test_no_check_ins_says_how_to_import_one(tmp_path, monkeypatch, fixed_now) -> None:  # noqa: ANN001
    path = tmp_path / "empty.db"
    connection.connect(path).close()
    monkeypatch.setenv("CHECKIN_DB", str(path))
    at = app().run()
    assert not at.exception
    assert any("checkins import" in i.value for i in at.info)


def test_weeks_with_nobody_asked_say_to_widen_the_range(tmp_path, monkeypatch, fixed_now) -> None:  # noqa: ANN001
    path = tmp_path / "new.db"
    conn = connection.connect(path)
    import_definitions(
        conn,
        parse_toml(
            '[[checkin]]\nname = "fresh"\ndays = ["mon"]\ntime = "09:00"\n'
            'participants = ["U001"]\n[[checkin.question]]\ntext = "Hi?"\nkind = "text"\n'
        ),
    )
    conn.close()
    monkeypatch.setenv("CHECKIN_DB", str(path))
    at = app().run()
    assert not at.exception
    assert any("Widen the week range" in i.value for i in at.info)


def test_a_missing_database_is_one_clear_line(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    missing = tmp_path / "nowhere" / "checkin.db"
    monkeypatch.setenv("CHECKIN_DB", str(missing))
    at = app().run()
    assert not at.exception
    assert len(at.error) == 1
    assert at.error[0].value.startswith(f"no database at {missing}")
    assert not missing.exists(), "the web app does not create a database"


def test_another_programs_database_is_one_clear_line(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.commit()
    conn.close()
    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_text("just some text, not SQLite at all" * 10)
    for path in (other, not_sqlite):
        monkeypatch.setenv("CHECKIN_DB", str(path))
        at = app().run()
        assert not at.exception
        assert "is not a checkin database" in at.error[0].value
    conn = sqlite3.connect(other)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert tables == {"invoices"}, "nothing was added to it"


def test_a_database_from_the_future_shows_one_clear_line(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE schema_migrations (version INTEGER, description TEXT, applied_at TEXT)"
    )
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'x', 'y')")
    conn.commit()
    conn.close()
    monkeypatch.setenv("CHECKIN_DB", str(path))
    at = app().run()
    assert not at.exception
    assert "newer than this checkin knows" in at.error[0].value


def beat(demo, *, env: str, seconds_ago: int, dev_users: str = "[]") -> None:  # noqa: ANN001
    from datetime import timedelta

    conn = connection.connect(demo.path)
    at = iso(NOW - timedelta(seconds=seconds_ago))
    conn.execute(
        "INSERT OR REPLACE INTO heartbeat (id, pid, host, env, dev_users, started_at, beat_at, "
        "connected) VALUES (1, 4242, 'box', ?, ?, ?, ?, 1)",
        (env, dev_users, at, at),
    )
    conn.close()


def test_banner_when_no_bot_has_run(demo) -> None:  # noqa: ANN001
    at = app().run()
    assert any("No bot has run on this database" in w.value for w in at.warning)


def test_banner_when_the_heartbeat_is_stale(demo) -> None:  # noqa: ANN001
    beat(demo, env="production", seconds_ago=600)
    at = app().run()
    warnings = [w.value for w in at.warning]
    assert any("last heartbeat was 10 min ago" in w and "python -m bot" in w for w in warnings)
    assert not any("development mode" in i.value for i in at.info)


def test_banner_in_development_mode_names_who_gets_dms(demo) -> None:  # noqa: ANN001
    beat(demo, env="development", seconds_ago=5, dev_users='["U0DEV"]')
    at = app().run()
    assert not at.warning
    info = [i.value for i in at.info if "development mode" in i.value]
    assert info and "U0DEV" in info[0] and "CHECKIN_ENV=production" in info[0]


def test_a_fresh_production_heartbeat_shows_no_banner(demo) -> None:  # noqa: ANN001
    beat(demo, env="production", seconds_ago=5)
    at = app().run()
    assert not at.warning
    assert not any("development mode" in i.value for i in at.info)


def test_a_channel_narrows_to_the_members_asked_through_it(demo) -> None:  # noqa: ANN001
    at = app().run()
    everyone = panels(at.get("vega_lite_chart")[0])[PARTICIPATION]
    at.sidebar.radio(key="filter_who").set_value("A channel").run()
    assert at.sidebar.selectbox(key=f"filter_channel_{demo.checkin_id}").value == "#team"
    assert not at.exception
    team = panels(at.get("vega_lite_chart")[0])[PARTICIPATION]
    assert list(team["asked"]) == list(everyone["asked"]), "the demo asks everyone through #team"
    assert "#team" in at.caption[0].value


def test_picking_another_check_in_shows_its_figures(demo) -> None:  # noqa: ANN001
    conn = connection.connect(demo.path)
    import_definitions(
        conn,
        parse_toml(
            '[[checkin]]\nname = "retro"\ndays = ["fri"]\ntime = "15:00"\n'
            'participants = ["U001"]\n[[checkin.question]]\ntext = "What went well?"\n'
            'kind = "text"\n'
        ),
    )
    retro = get_checkin(conn, "retro")["id"]
    conn.close()
    at = app().run()
    picker = at.sidebar.selectbox(key="filter_checkin")
    assert picker.value == retro, "check-ins are offered by name"
    assert not at.get("vega_lite_chart")
    assert any("Widen the week range" in i.value for i in at.info)
    picker.set_value(demo.checkin_id).run()
    assert not at.exception
    assert panels(at.get("vega_lite_chart")[0])[PARTICIPATION]["asked"].sum() > 0


def test_banner_names_the_loop_a_running_bot_has_stopped_completing(demo) -> None:  # noqa: ANN001
    beat(demo, env="production", seconds_ago=5)
    loops = {
        "scheduler": {"last": "2026-11-30T08:50:00.000000Z", "allowed_s": 300, "alive": True},
        "heartbeat": {"last": "2026-11-30T08:59:55.000000Z", "allowed_s": 300, "alive": True},
    }
    conn = connection.connect(demo.path)
    conn.execute("UPDATE heartbeat SET detail = ?", (json.dumps({"loops": loops}),))
    conn.close()
    at = app().run()
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1
    assert (
        "is running, but its scheduler tick loop has not completed since 2026-11-30 08:50 UTC"
        in warnings[0]
    )
    assert "10 min ago" in warnings[0]


def test_banner_says_which_loop_stopped_a_bot_that_exited(demo) -> None:  # noqa: ANN001
    beat(demo, env="production", seconds_ago=120)
    unwell = {"unwell": {"loop": "outbox", "since": "2026-11-30T08:57:00.000000Z"}}
    conn = connection.connect(demo.path)
    conn.execute("UPDATE heartbeat SET detail = ?", (json.dumps(unwell),))
    conn.close()
    warnings = [w.value for w in app().run().warning]
    assert any(
        "stopped because its outbox loop had not completed since 2026-11-30 08:57 UTC" in w
        for w in warnings
    )
