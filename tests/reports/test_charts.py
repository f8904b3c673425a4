"""Charts: the Vega-Lite specs carry the report's figures; the PNG renders offline."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from checkin import palette, weeks
from checkin.overview.charts import BRUSH, WEEKDAYS, _week_x, overview_chart
from checkin.reports.build import build_report
from checkin.reports.charts import (
    alt_text,
    distribution_chart,
    mood_chart,
    participation_chart,
    report_chart,
    to_png,
)
from tests.reports.test_reports_data import build_golden, utc


@pytest.fixture
def report(conn, clock):  # noqa: ANN001, ANN201
    golden = build_golden(conn, clock)
    return build_report(conn, golden.checkin, "2026-W44", utc(2026, 11, 2))


def datasets(spec: Any) -> list[list[dict]]:
    """Every inline data table in a spec (inline `values` or top-level `datasets`)."""
    found: list[list[dict]] = []
    if isinstance(spec, dict):
        if isinstance(spec.get("datasets"), dict):
            found += list(spec["datasets"].values())
        data = spec.get("data")
        if isinstance(data, dict) and isinstance(data.get("values"), list):
            found.append(data["values"])
        for key, value in spec.items():
            if key not in ("datasets", "data"):
                found += datasets(value)
    elif isinstance(spec, list):
        for item in spec:
            found += datasets(item)
    return found


def titles(spec: Any) -> list[str]:
    out: list[str] = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "title":
                out.append(value if isinstance(value, str) else value.get("text", ""))
            else:
                out += titles(value)
    elif isinstance(spec, list):
        for item in spec:
            out += titles(item)
    return out


def test_participation_chart_shows_each_week(report) -> None:  # noqa: ANN001
    spec = participation_chart(report.trend).to_dict()
    (rows,) = datasets(spec)
    assert [r["week"] for r in rows] == [p.week for p in report.trend]
    assert rows[-1]["answered_pct"] == pytest.approx(41.7)
    assert rows[-2]["answered_pct"] == 50.0
    assert rows[0]["answered_pct"] is None  # nobody asked: no bar rather than 0 %
    assert rows[-1]["week_start"] == "26 Oct"
    assert "Check-ins answered, last 8 weeks" in titles(spec)


def test_mood_chart_has_the_weekly_averages(report) -> None:  # noqa: ANN001
    spec = mood_chart(report.scale_trend, [p.week for p in report.trend]).to_dict()
    (rows,) = datasets(spec)
    assert [(r["week"], r["average"]) for r in rows] == [("2026-W43", 3.33), ("2026-W44", 3.6)]
    assert spec["encoding"]["y"]["scale"]["domain"] == [1, 5]
    assert spec["encoding"]["y"]["title"] == "Average answer (1 to 5)"


def test_distribution_chart_counts_each_answer(report) -> None:  # noqa: ANN001
    scale = next(q for q in report.questions if q.kind == "scale")
    spec = distribution_chart(scale, report.week).to_dict()
    (rows,) = datasets(spec)
    assert [(r["answer"], r["people"]) for r in rows] == [
        ("1 awful", 0),
        ("2 bad", 1),
        ("3 okay", 1),
        ("4 good", 2),
        ("5 great", 1),
    ]
    colour = spec["layer"][0]["encoding"]["color"]["scale"]
    assert colour["range"] == list(palette.SCALE_COLOURS)


def test_palette_is_okabe_ito() -> None:
    assert set(palette.SCALE_COLOURS) - {"#999999"} <= set(palette.OKABE_ITO)


def test_report_chart_combines_the_panels(report) -> None:  # noqa: ANN001
    spec = report_chart(report).to_dict()
    assert len(datasets(spec)) == 3  # participation, averages, one scale question
    assert any("golden: week 2026-W44" == t for t in titles(spec))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def urls(node: object, path: str = "") -> list[str]:
    """Every `url` key anywhere in a Vega-Lite spec: data or images it would fetch."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "url":
                found.append(f"{path}/{key}")
            found += urls(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += urls(value, f"{path}/{i}")
    return found


def test_chart_spec_fetches_nothing_its_data_is_inline(report) -> None:  # noqa: ANN001
    """vl-convert renders offline only if the spec names no URL: every dataset is in the spec."""
    spec = report_chart(report).to_dict()
    assert urls(spec) == []
    inline = spec.get("datasets", {})
    assert all(isinstance(rows, list) for rows in inline.values())

    def data_refs(node: object) -> list[dict]:
        if isinstance(node, dict):
            own = [node["data"]] if isinstance(node.get("data"), dict) else []
            return own + [d for v in node.values() for d in data_refs(v)]
        if isinstance(node, list):
            return [d for v in node for d in data_refs(v)]
        return []

    refs = data_refs(spec)
    assert refs
    for data in refs:
        assert isinstance(data.get("values"), list) or data.get("name") in inline, data


def test_png_renders(report) -> None:  # noqa: ANN001
    data = to_png(report_chart(report))
    width, height = png_size(data)
    assert 1000 <= width <= 2400 and 600 <= height <= 2400  # about 840 x 560 points at scale 2
    assert 10_000 < len(data) < 1_000_000


def test_alt_text_reads_the_figures(report) -> None:  # noqa: ANN001
    text = alt_text(report)
    assert "19 Oct 50%" in text and "26 Oct 42%" in text
    assert "average 3.6; awful 0, bad 1, okay 1, good 2, great 1" in text


def test_chart_of_a_week_without_answers_still_renders(conn, clock) -> None:  # noqa: ANN001
    golden = build_golden(conn, clock)
    empty = build_report(conn, golden.checkin, "2026-W20", utc(2026, 6, 1))
    png_size(to_png(report_chart(empty), scale=1))


# --- the web app's Overview ----------------------------------------------------------------------


@pytest.fixture
def overview(conn, clock):  # noqa: ANN001, ANN201
    from checkin.overview import figures, scope
    from checkin.people.viewer import OPERATOR

    golden = build_golden(conn, clock)
    return figures.overview(
        conn, OPERATOR, scope.Scope(golden.checkin["id"], "2026-W43", "2026-W44")
    )


def test_a_week_is_drawn_at_its_middle_and_labelled_with_its_monday() -> None:
    from datetime import UTC, datetime, timedelta

    mid = datetime.fromtimestamp(weeks.week_mid("2026-W44") / 1000, UTC)
    assert mid == datetime(2026, 10, 29, 12, tzinfo=UTC)  # Thursday noon
    axis = _week_x(["2026-W44"]).to_dict()["axis"]
    shift = int(axis["labelExpr"].split("- ")[1].split(",")[0])
    assert mid - timedelta(milliseconds=shift) == datetime(2026, 10, 26, tzinfo=UTC)  # Monday


def test_the_overview_chart_brushes_weeks_and_every_other_panel_follows(overview) -> None:  # noqa: ANN001
    spec = overview_chart(overview).to_dict()
    (brush,) = [p for p in spec["params"] if p["name"] == BRUSH]
    assert brush["select"] == {"type": "interval", "encodings": ["x"]}
    tables = datasets(spec)
    assert tables and all("week_mid" in row for table in tables for row in table)
    text = str(spec)
    followers = text.count("'filter': {'param': 'weeks'")
    panels = sum(len(row["hconcat"]) for row in spec["vconcat"])
    assert panels >= 6
    assert followers >= panels - 1, "every panel but the one with the brush filters on it"


def test_the_overview_panels_carry_the_views_figures(overview) -> None:  # noqa: ANN001
    spec = overview_chart(overview).to_dict()
    tables = datasets(spec)
    weekly = next(t for t in tables if t and "answered_pct" in t[0])
    assert [(r["week"], r["asked"], r["answered"]) for r in weekly] == [
        (p.week, p.asked, p.answered) for p in overview.participation
    ]
    heat = next(t for t in tables if t and "hour" in t[0])
    assert sum(r["count"] for r in heat) == sum(c.count for c in overview.heatmap)
    assert {r["weekday"] for r in heat} <= set(WEEKDAYS)


def test_the_overview_chart_renders_offline(overview) -> None:  # noqa: ANN001
    png = to_png(overview_chart(overview), scale=1)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert width > 600 and height > 500
