"""Every chart the web app draws says in words what it shows (Vega-Lite `description`, which
a screen reader reads for the chart)."""

import json

from streamlit.testing.v1 import AppTest

from checkin.db import connection
from checkin.reports import charts
from checkin.reports.build import build_report
from tests.dashboard.conftest import LAST_WEEK, NOW, app


def _descriptions(at: AppTest) -> list[str]:
    return [json.loads(c.proto.spec).get("description", "") for c in at.get("vega_lite_chart")]


def _open(page: str) -> AppTest:
    at = app().run()
    if page != "overview":
        at.switch_page(f"dashboard/pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def test_the_overview_chart_names_its_panels_and_the_weeks_participation(demo):
    at = _open("overview")
    [words] = _descriptions(at)
    assert words.startswith("Linked charts: Check-ins answered per week (drag to pick weeks);")
    assert "Check-ins answered by week: " in words
    assert "Drag across the weekly bars" in words


def test_the_weekly_summarys_chart_is_described_as_the_slack_posts_alt_text(demo):
    at = _open("summary")
    [words] = _descriptions(at)
    conn = connection.connect(demo.path)
    try:
        checkin = conn.execute("SELECT * FROM checkins WHERE id = ?", (demo.checkin_id,)).fetchone()
        report = build_report(conn, checkin, LAST_WEEK, NOW)
    finally:
        conn.close()
    assert words == charts.alt_text(report)
    assert words.startswith("Check-ins answered by week: ")


def test_the_operations_charts_say_what_they_count(demo):
    at = _open("operations")
    described = _descriptions(at)
    assert described, "the demo has messages and answers per day"
    assert all(" per day" in d and " from " in d for d in described), described
