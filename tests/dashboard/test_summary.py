"""The Weekly summary page in AppTest: the report model's figures, answers as typed, downloads."""

from __future__ import annotations

import json

import pytest

from checkin import cli
from checkin.checkins.model import get_checkin
from checkin.config import Config
from checkin.db import connection
from checkin.people.viewer import OPERATOR
from checkin.reports import build, formats, model
from dashboard import data
from tests.dashboard.conftest import EVIL, LAST_WEEK, NOW, app


def open_summary(week: str | None = None):  # noqa: ANN201
    at = app().run()
    at.switch_page("dashboard/pages/summary.py").run()
    if week:
        at.selectbox(
            key=next(s.key for s in at.selectbox if s.key.startswith("summary_week"))
        ).set_value(week).run()
    assert not at.exception
    return at


def report_for(demo, week: str) -> model.Report:  # noqa: ANN001
    conn = connection.connect(demo.path)
    try:
        return build.build_report(conn, get_checkin(conn, "wellbeing"), week, NOW)
    finally:
        conn.close()


def all_answers_shown(at) -> list[str]:  # noqa: ANN001
    return [str(v) for df in at.dataframe for v in df.value["answer"]]


def test_the_page_shows_the_report_models_figures(demo) -> None:  # noqa: ANN001
    at = open_summary()
    report = report_for(demo, LAST_WEEK)
    h = report.headline
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Participation"] == formats.percent(h.participation)
    assert metrics["Answered"] == f"{h.runs_answered} of {h.runs_asked}"
    assert metrics["People who answered"] == f"{h.members_answered} of {h.members_asked}"
    texts = [t.value for t in at.text]
    assert "\n".join(formats.headline_lines(report)) in texts
    for q in report.questions:
        if q.kind != "text":
            assert formats.question_line(q) in texts


def test_another_week_shows_that_weeks_report(demo) -> None:  # noqa: ANN001
    at = open_summary("2026-W46")
    report = report_for(demo, "2026-W46")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Answered"] == (
        f"{report.headline.runs_answered} of {report.headline.runs_asked}"
    )
    shown = sorted(all_answers_shown(at))
    assert shown == sorted(a.text for a in report.text_answers)


def test_text_answers_are_grouped_by_question_or_by_member(demo) -> None:  # noqa: ANN001
    report = report_for(demo, LAST_WEEK)
    at = open_summary()
    assert len(at.dataframe) == len(report.text_by_question())
    at.radio[0].set_value("by member").run()
    (table,) = at.dataframe
    expected = [(name, a.text) for _, name, answers in report.text_by_member() for a in answers]
    assert list(zip(table.value["member"], table.value["answer"], strict=True)) == expected


def test_markup_and_formulas_in_answers_are_shown_as_typed(evil_demo) -> None:  # noqa: ANN001
    at = open_summary()
    shown = all_answers_shown(at)
    for text in EVIL:
        assert text in shown, f"{text!r} shown literally in the answers table"
    rendered = [m.value for m in at.markdown] + [t.value for t in at.text]
    for text in EVIL:
        assert not any(text in r for r in rendered), (
            "no answer reaches a markdown element unescaped"
        )


def test_the_chart_is_the_slack_posts_chart(demo) -> None:  # noqa: ANN001
    from checkin.reports.charts import report_chart

    at = open_summary()
    report = report_for(demo, LAST_WEEK)
    chart = at.get("vega_lite_chart")[0]
    spec = json.loads(chart.proto.spec)
    assert spec["title"]["text"] == f"{report.checkin}: week {report.week}"
    expected = report_chart(report).to_dict()
    assert spec["title"] == expected["title"]
    assert len(spec["vconcat"]) == len(expected["vconcat"])


def test_every_download_is_offered(demo) -> None:  # noqa: ANN001
    at = open_summary()
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Markdown", "CSV", "JSON", "Chart (PNG)"]


@pytest.mark.parametrize("fmt", ["md", "csv", "json"])
def test_downloads_are_what_the_command_line_writes(demo, tmp_path, fmt) -> None:  # noqa: ANN001
    conn = connection.connect(demo.path)
    checkin_id = get_checkin(conn, "wellbeing")["id"]
    conn.close()
    got = data.report_file(OPERATOR, checkin_id, LAST_WEEK, fmt)
    out = tmp_path / f"week.{fmt}"
    config = Config(db_path=demo.path)
    args = ["report", "--week", LAST_WEEK, "--format", fmt, "--out", str(out)]
    assert cli.main(args, config=config) == 0
    want = out.read_bytes()
    if fmt == "json":
        got_data, want_data = json.loads(got), json.loads(want)
        got_data.pop("generated_at"), want_data.pop("generated_at")
        assert got_data == want_data
    else:
        assert got == want


def test_the_csv_download_neutralises_formulas(evil_demo) -> None:  # noqa: ANN001
    conn = connection.connect(evil_demo.path)
    checkin_id = get_checkin(conn, "wellbeing")["id"]
    conn.close()
    csv = data.report_file(OPERATOR, checkin_id, LAST_WEEK, "csv").decode("utf-8")
    assert "'=HYPERLINK" in csv
    assert ",=HYPERLINK" not in csv and '"=HYPERLINK' not in csv


def test_the_png_download_is_a_png(demo) -> None:  # noqa: ANN001
    conn = connection.connect(demo.path)
    checkin_id = get_checkin(conn, "wellbeing")["id"]
    conn.close()
    assert data.report_file(OPERATOR, checkin_id, LAST_WEEK, "png").startswith(b"\x89PNG")


def test_no_check_ins_says_how_to_import_one(tmp_path, monkeypatch, fixed_now) -> None:  # noqa: ANN001
    path = tmp_path / "empty.db"
    connection.connect(path).close()
    monkeypatch.setenv("CHECKIN_DB", str(path))
    at = app().run()
    at.switch_page("dashboard/pages/summary.py").run()
    assert not at.exception
    assert any("checkins import" in i.value for i in at.info)
    assert not at.get("download_button")


def test_a_check_in_name_with_markup_is_shown_as_typed(demo) -> None:  # noqa: ANN001
    conn = connection.connect(demo.path)
    conn.execute("UPDATE checkins SET name = '**team** [x](http://evil)'")
    conn.close()
    at = open_summary()
    (heading,) = [m.value for m in at.markdown if "team" in m.value]
    assert heading.startswith("## \\*\\*team\\*\\* \\[x\\]\\(http\\:")
