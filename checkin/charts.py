"""Every chart of the reports, in one place: the Slack post's PNG and the web app.

Charts are Altair (Vega-Lite) specs built from the report model, with their
data inline, so a test can read what a chart shows from its spec and the web
app can hand the same spec to `st.altair_chart`. The web app's Overview gets
interactive variants (tooltips, a brushed week range that filters the other
panels) built from `checkin.views`. `to_png` renders offline with
vl-convert (no browser, no network). Colours are the Okabe-Ito palette, which
stays distinguishable with the common kinds of colour blindness; scale
answers go from vermillion (1) through grey (3) to blue (5). Titles and axes
say in plain words what is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import altair as alt
import pandas as pd

from checkin import views
from checkin.reports import QuestionSummary, Report, ScalePoint, WeekPoint
from checkin.timing import week_bounds

OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
SCALE_COLOURS = ("#D55E00", "#E69F00", "#999999", "#56B4E9", "#0072B2")  # answers 1..5
BAR_COLOUR = OKABE_ITO[0]
PANEL_WIDTH = 340
PANEL_HEIGHT = 170
FONT = "Liberation Sans"  # bundled with vl-convert, so the PNG looks the same everywhere
TITLE_MAX = 48


def week_label(week: str) -> str:
    """'2026-W47' → '16 Nov' (the Monday it starts)."""
    monday, _ = week_bounds(week)
    return f"{monday.day} {monday.strftime('%b')}"


def short(text: str, limit: int = TITLE_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def participation_chart(trend: Sequence[WeekPoint]) -> alt.LayerChart:
    """Bars: the share of check-ins answered, one per week, labelled with the percentage."""
    rows = [
        {
            "week": p.week,
            "week_start": week_label(p.week),
            "answered_pct": round(p.participation * 100, 1)
            if p.participation is not None
            else None,
            "answered": p.answered,
            "asked": p.asked,
        }
        for p in trend
    ]
    order = [r["week_start"] for r in rows]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("week_start:N", sort=order, title="Week starting", axis=alt.Axis(labelAngle=0)),
        y=alt.Y(
            "answered_pct:Q",
            title="Check-ins answered (%)",
            scale=alt.Scale(domain=[0, 100]),
        ),
        tooltip=[
            alt.Tooltip("week:N", title="Week"),
            alt.Tooltip("answered:Q", title="Answered"),
            alt.Tooltip("asked:Q", title="Asked"),
            alt.Tooltip("answered_pct:Q", title="Answered (%)"),
        ],
    )
    bars = base.mark_bar(color=BAR_COLOUR)
    labels = base.mark_text(dy=-8, fontSize=12, color="#333333").encode(
        text=alt.Text("answered_pct:Q", format=".0f")
    )
    return alt.layer(bars, labels).properties(
        title=f"Check-ins answered, last {len(rows)} weeks",
        width=PANEL_WIDTH,
        height=PANEL_HEIGHT,
    )


def mood_chart(points: Sequence[ScalePoint], weeks: Sequence[str]) -> alt.Chart:
    """Lines: each scale question's weekly average (1 to 5) over the given weeks."""
    order = [week_label(w) for w in weeks]
    rows = [
        {
            "week": p.week,
            "week_start": week_label(p.week),
            "question": short(p.question, 40),
            "average": p.mean,
            "answers": p.answers,
        }
        for p in points
        if p.week in weeks
    ]
    questions = list(dict.fromkeys(r["question"] for r in rows))
    single = len(questions) <= 1
    title = f"{short(questions[0])}: weekly average" if single and questions else "Weekly average"
    colour = alt.Color(
        "question:N",
        title="Question",
        scale=alt.Scale(domain=questions, range=list(OKABE_ITO[: max(1, len(questions))])),
        legend=None if single else alt.Legend(orient="bottom", direction="vertical"),
    )
    return (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=alt.OverlayMarkDef(size=60), strokeWidth=3)
        .encode(
            x=alt.X("week_start:N", sort=order, title="Week starting", axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "average:Q",
                title="Average answer (1 to 5)",
                scale=alt.Scale(domain=[1, 5]),
                axis=alt.Axis(values=[1, 2, 3, 4, 5]),
            ),
            color=colour,
            tooltip=[
                alt.Tooltip("question:N", title="Question"),
                alt.Tooltip("week:N", title="Week"),
                alt.Tooltip("average:Q", title="Average", format=".2f"),
                alt.Tooltip("answers:Q", title="Answers"),
            ],
        )
        .properties(title=title, width=PANEL_WIDTH, height=PANEL_HEIGHT)
    )


def distribution_chart(question: QuestionSummary, week: str) -> alt.LayerChart:
    """Bars: how many gave each answer 1..5 to one scale question this week."""
    labels = question.labels or [str(i) for i in range(1, 6)]
    counts = question.distribution or [0] * 5
    rows = [
        {"value": i + 1, "answer": f"{i + 1} {labels[i]}", "people": counts[i]} for i in range(5)
    ]
    order = [r["answer"] for r in rows]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("answer:N", sort=order, title="Answer", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("people:Q", title="Answers", axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip("answer:N", title="Answer"), alt.Tooltip("people:Q", title="Answers")],
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "answer:N",
            sort=order,
            scale=alt.Scale(domain=order, range=list(SCALE_COLOURS)),
            legend=None,
        )  # fmt: skip
    )
    text = base.mark_text(dy=-8, fontSize=12, color="#333333").encode(text="people:Q")
    return alt.layer(bars, text).properties(
        title=f"{short(question.text)}: answers in week of {week_label(week)}",
        width=PANEL_WIDTH,
        height=PANEL_HEIGHT,
    )


def report_chart(report: Report) -> alt.VConcatChart:
    """The Slack post's picture: participation and averages over 8 weeks, this week's answers."""
    weeks = [p.week for p in report.trend]
    panels: list[alt.TopLevelMixin] = [participation_chart(report.trend)]
    scale_questions = [q for q in report.questions if q.kind == "scale" and q.answers]
    if report.scale_trend:
        panels.append(mood_chart(report.scale_trend, weeks))
    panels += [distribution_chart(q, report.week) for q in scale_questions]
    rows = [
        alt.hconcat(*panels[i : i + 2], spacing=40).resolve_scale(color="independent")
        for i in range(0, len(panels), 2)
    ]
    return (
        alt.vconcat(*rows, spacing=30)
        .resolve_scale(color="independent")
        .properties(
            title=alt.Title(
                f"{report.checkin}: week {report.week}",
                subtitle=f"{report.start:%a %d %b} to {report.end:%a %d %b %Y}",
                fontSize=18,
                anchor="start",
            ),
            padding={"left": 16, "top": 16, "right": 16, "bottom": 16},
        )
        .configure(font=FONT, background="white")
        .configure_title(fontSize=15, anchor="start", subtitleFontSize=13)
        .configure_axis(labelFontSize=13, titleFontSize=13, grid=True, gridColor="#e6e6e6")
        .configure_legend(labelFontSize=13, titleFontSize=13, labelLimit=360)
        .configure_view(stroke=None)
    )


def alt_text(report: Report) -> str:
    """A description of the chart for people who cannot see it (Slack's alt text)."""
    parts = []
    answered = [
        f"{week_label(p.week)} {p.participation * 100:.0f}%"
        for p in report.trend
        if p.participation is not None
    ]
    if answered:
        parts.append("Check-ins answered by week: " + ", ".join(answered) + ".")
    for q in report.questions:
        if q.kind == "scale" and q.answers and q.distribution:
            labels = q.labels or [str(i) for i in range(1, 6)]
            counts = ", ".join(
                f"{labels[i]} {'–' if n is None else n}" for i, n in enumerate(q.distribution)
            )
            parts.append(f"{q.text}: average {q.mean}; {counts}.")
    return " ".join(parts) or f"No answers in week {report.week}."


def to_png(chart: alt.TopLevelMixin, scale: float = 2) -> bytes:
    """The chart as PNG bytes, rendered offline."""
    import vl_convert

    return vl_convert.vegalite_to_png(chart.to_json(validate=False), scale=scale)


def chart_filename(report: Report) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in report.checkin)
    return f"{safe}-{report.week}.png"


# --- the web app's Overview: interactive, a brushed week range filters every panel --------------

BRUSH = "weeks"  # the name of the week-range selection in the Overview's chart
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _frame(rows: list[dict]) -> pd.DataFrame:
    """Panel data as a table: Streamlit hands it to the browser as Arrow, not as JSON rows."""
    return pd.DataFrame(rows)


def week_mid(week: str) -> float:
    """The middle of an ISO week (Thursday 12:00 UTC) in epoch milliseconds: where a week is drawn.

    Every panel of the Overview carries this field, so the brush, which selects a
    range of it, filters each of them the same way. A float, because Arrow hands an
    integer column to the browser as BigInt, which Vega cannot place on a time axis.
    """
    monday, _ = week_bounds(week)
    noon = datetime(monday.year, monday.month, monday.day, 12, tzinfo=UTC) + timedelta(days=3)
    return noon.timestamp() * 1000.0


def _week_x(weeks: Sequence[str]) -> alt.X:
    """The week axis: one tick per week, labelled with its Monday ('16 Nov').

    Quantitative over epoch milliseconds rather than temporal: the browser gets the
    column from Arrow, and a plain number scale places it the same in every renderer.
    """
    if not weeks:
        return alt.X("week_mid:Q", title="Week starting")
    day = 86_400_000.0
    mids = [week_mid(w) for w in weeks]
    step = -(-len(mids) // 8)  # at most 8 labels, so long ranges stay readable
    return alt.X(
        "week_mid:Q",
        scale=alt.Scale(domain=[mids[0] - 4 * day, mids[-1] + 4 * day], nice=False, zero=False),
        axis=alt.Axis(
            values=mids[::-1][::step][::-1],  # the last week always labelled
            labelExpr=f"utcFormat(datum.value - {3.5 * day:.0f}, '%d %b')",
            labelAngle=0,
            labelOverlap="greedy",
            grid=False,
            title="Week starting",
        ),
    )


def _bar_size(weeks: Sequence[str], width: int = PANEL_WIDTH) -> float:
    return max(3.0, min(40.0, width / max(1, len(weeks) + 1) * 0.7))


def overview_chart(overview: views.Overview) -> alt.VConcatChart:
    """The Overview's panels as one chart: drag across the participation bars to pick weeks,
    and the averages, the 1–5 answers, the choices, the numbers and the heatmap show only
    those weeks. Double-click clears the selection."""
    weeks = overview.scope.weeks
    brush = alt.selection_interval(name=BRUSH, encodings=["x"], empty=True)
    panels: list[alt.TopLevelMixin] = [weekly_participation_panel(overview.participation, brush)]
    scale_questions = [q for q in overview.questions if q.kind == "scale"]
    if overview.scale:
        panels.append(scale_trend_panel(overview.scale, weeks, brush))
        panels += [
            scale_distribution_panel(q, [s for s in overview.scale if s.question_id == q.id], brush)
            for q in scale_questions
            if any(s.question_id == q.id for s in overview.scale)
        ]
    for q in overview.questions:
        if q.kind == "choice":
            rows = [c for c in overview.choice if c.question_id == q.id]
            if rows:
                panels.append(choice_panel(q, rows, weeks, brush))
        elif q.kind == "number":
            rows = [n for n in overview.number if n.question_id == q.id]
            if rows:
                panels.append(number_panel(q, rows, weeks, brush))
    if overview.heatmap:
        panels.append(heatmap_panel(overview.heatmap, brush))
    rows = [
        alt.hconcat(*panels[i : i + 2], spacing=40).resolve_scale(color="independent")
        for i in range(0, len(panels), 2)
    ]
    return (
        alt.vconcat(*rows, spacing=30)
        .resolve_scale(color="independent")
        .configure(font=FONT)
        .configure_title(fontSize=14, anchor="start")
        .configure_axis(labelFontSize=12, titleFontSize=12, grid=True, gridColor="#e6e6e6")
        .configure_legend(labelFontSize=12, titleFontSize=12, labelLimit=300, orient="bottom")
        .configure_view(stroke=None)
    )


def weekly_participation_panel(points: Sequence[WeekPoint], brush: alt.Parameter) -> alt.LayerChart:
    """Bars: the share of check-ins answered each week; the brush is drawn on this panel."""
    weeks = [p.week for p in points]
    rows = [
        {
            "week": p.week,
            "week_mid": week_mid(p.week),
            "answered_pct": round(p.participation * 100, 1)
            if p.participation is not None
            else None,
            "answered": p.answered,
            "asked": p.asked,
            "skipped": p.skipped,
        }
        for p in points
    ]
    base = alt.Chart(_frame(rows)).encode(
        x=_week_x(weeks),
        y=alt.Y("answered_pct:Q", title="Check-ins answered (%)", scale=alt.Scale(domain=[0, 100])),
        tooltip=[
            alt.Tooltip("week:N", title="Week"),
            alt.Tooltip("answered:Q", title="Answered"),
            alt.Tooltip("skipped:Q", title="Skipped"),
            alt.Tooltip("asked:Q", title="Asked"),
            alt.Tooltip("answered_pct:Q", title="Answered (%)"),
        ],
    )
    bars = (
        base.mark_bar(size=_bar_size(weeks))
        .encode(color=alt.condition(brush, alt.value(BAR_COLOUR), alt.value("#c7d7e8")))
        .add_params(brush)
    )
    return alt.layer(bars).properties(
        title="Check-ins answered per week (drag to pick weeks)",
        width=PANEL_WIDTH,
        height=PANEL_HEIGHT,
    )


def scale_trend_panel(
    points: Sequence[views.ScaleWeek], weeks: Sequence[str], brush: alt.Parameter
) -> alt.LayerChart:
    """Lines: each scale question's weekly average, with one standard deviation behind it."""
    rows = [
        {
            "week": p.week,
            "week_mid": week_mid(p.week),
            "question": short(p.question, 40),
            "average": p.mean,
            "low": max(1.0, round(p.mean - p.spread, 2)),
            "high": min(5.0, round(p.mean + p.spread, 2)),
            "spread": p.spread,
            "answers": p.answers,
        }
        for p in points
    ]
    questions = list(dict.fromkeys(r["question"] for r in rows))
    colour = alt.Color(
        "question:N",
        title="Question",
        scale=alt.Scale(domain=questions, range=list(OKABE_ITO[: max(1, len(questions))])),
        legend=None if len(questions) <= 1 else alt.Legend(orient="bottom", direction="vertical"),
    )
    y = alt.Y(
        "average:Q",
        title="Average answer (1 to 5)",
        scale=alt.Scale(domain=[1, 5]),
        axis=alt.Axis(values=[1, 2, 3, 4, 5]),
    )
    base = alt.Chart(_frame(rows)).transform_filter(brush).encode(x=_week_x(weeks))
    band = base.mark_area(opacity=0.18).encode(y=alt.Y("low:Q", scale=alt.Scale(domain=[1, 5])),
                                                y2="high:Q", color=colour)  # fmt: skip
    line = base.mark_line(point=alt.OverlayMarkDef(size=50), strokeWidth=3).encode(
        y=y,
        color=colour,
        tooltip=[
            alt.Tooltip("question:N", title="Question"),
            alt.Tooltip("week:N", title="Week"),
            alt.Tooltip("average:Q", title="Average", format=".2f"),
            alt.Tooltip("spread:Q", title="Spread (±)", format=".2f"),
            alt.Tooltip("answers:Q", title="Answers"),
        ],
    )
    title = f"{short(questions[0])}: weekly average" if len(questions) == 1 else "Weekly average"
    return alt.layer(band, line).properties(title=title, width=PANEL_WIDTH, height=PANEL_HEIGHT)


def scale_distribution_panel(
    question: views.QuestionInfo, points: Sequence[views.ScaleWeek], brush: alt.Parameter
) -> alt.LayerChart:
    """Bars: how many gave each answer 1..5 in the selected weeks."""
    labels = question.labels or [str(i) for i in range(1, 6)]
    order = [f"{i + 1} {labels[i]}" for i in range(5)]
    rows = [
        {"week": p.week, "week_mid": week_mid(p.week), "answer": order[i], "people": p.counts[i]}
        for p in points
        for i in range(5)
    ]
    base = (
        alt.Chart(_frame(rows))
        .transform_filter(brush)
        .transform_aggregate(people="sum(people)", groupby=["answer"])
        .encode(
            x=alt.X("answer:N", sort=order, title="Answer", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("people:Q", title="Answers", axis=alt.Axis(tickMinStep=1)),
            tooltip=[
                alt.Tooltip("answer:N", title="Answer"),
                alt.Tooltip("people:Q", title="Answers"),
            ],
        )
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "answer:N", sort=order, scale=alt.Scale(domain=order, range=list(SCALE_COLOURS)),
            legend=None,
        )
    )  # fmt: skip
    text = base.mark_text(dy=-8, fontSize=11, color="#333333").encode(text="people:Q")
    return alt.layer(bars, text).properties(
        title=f"{short(question.text)}: answers in the weeks picked",
        width=PANEL_WIDTH,
        height=PANEL_HEIGHT,
    )


def choice_panel(
    question: views.QuestionInfo,
    points: Sequence[views.ChoiceWeek],
    weeks: Sequence[str],
    brush: alt.Parameter,
) -> alt.Chart:
    """Stacked bars: how often each option was picked, per week."""
    options = list(dict.fromkeys([*(question.options or []), *(p.option for p in points)]))
    rows = [
        {
            "week": p.week,
            "week_mid": week_mid(p.week),
            "option": p.option,
            "order": options.index(p.option),
            "count": p.count,
        }
        for p in points
    ]
    return (
        alt.Chart(_frame(rows))
        .transform_filter(brush)
        .mark_bar(size=_bar_size(weeks))
        .encode(
            x=_week_x(weeks),
            y=alt.Y("count:Q", title="Answers", stack="zero"),
            color=alt.Color(
                "option:N",
                title=None,
                sort=options,
                scale=alt.Scale(domain=options, range=list(OKABE_ITO[: max(1, len(options))])),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("week:N", title="Week"),
                alt.Tooltip("option:N", title="Answer"),
                alt.Tooltip("count:Q", title="Answers"),
            ],
        )
        .properties(title=short(question.text), width=PANEL_WIDTH, height=PANEL_HEIGHT)
    )


def number_panel(
    question: views.QuestionInfo,
    points: Sequence[views.NumberWeek],
    weeks: Sequence[str],
    brush: alt.Parameter,
) -> alt.LayerChart:
    """Each week's range (lowest to highest) as a line, the median as a dot."""
    rows = [
        {
            "week": p.week,
            "week_mid": week_mid(p.week),
            "median": p.median,
            "low": p.low,
            "high": p.high,
            "average": p.mean,
            "answers": p.answers,
        }
        for p in points
    ]
    tooltip = [
        alt.Tooltip("week:N", title="Week"),
        alt.Tooltip("median:Q", title="Median"),
        alt.Tooltip("low:Q", title="Lowest"),
        alt.Tooltip("high:Q", title="Highest"),
        alt.Tooltip("average:Q", title="Average", format=".2f"),
        alt.Tooltip("answers:Q", title="Answers"),
    ]
    base = alt.Chart(_frame(rows)).transform_filter(brush).encode(x=_week_x(weeks))
    spread = base.mark_rule(strokeWidth=min(6.0, _bar_size(weeks) / 2), color="#c7d7e8").encode(
        y=alt.Y("low:Q", title="Median, lowest to highest"), y2="high:Q", tooltip=tooltip
    )
    median = base.mark_point(filled=True, size=70, color=OKABE_ITO[1]).encode(
        y="median:Q", tooltip=tooltip
    )
    return alt.layer(spread, median).properties(
        title=short(question.text), width=PANEL_WIDTH, height=PANEL_HEIGHT
    )


def heatmap_panel(cells: Sequence[views.HeatCell], brush: alt.Parameter) -> alt.Chart:
    """When people answer: weekday by hour of their own clock, in the weeks picked."""
    rows = [
        {
            "week": c.week,
            "week_mid": week_mid(c.week),
            "weekday": WEEKDAYS[c.weekday],
            "hour": c.hour,
            "count": c.count,
        }
        for c in cells
    ]
    return (
        alt.Chart(_frame(rows))
        .transform_filter(brush)
        .transform_aggregate(count="sum(count)", groupby=["weekday", "hour"])
        .mark_rect()
        .encode(
            x=alt.X(
                "hour:O",
                title="Hour (each member's own time)",
                scale=alt.Scale(domain=list(range(24))),
                axis=alt.Axis(labelAngle=0, values=list(range(0, 24, 3))),
            ),
            y=alt.Y(
                "weekday:O", title=None, sort=list(WEEKDAYS), scale=alt.Scale(domain=list(WEEKDAYS))
            ),
            color=alt.Color("count:Q", title="Check-ins answered", scale=alt.Scale(scheme="blues")),
            tooltip=[
                alt.Tooltip("weekday:O", title="Day"),
                alt.Tooltip("hour:O", title="Hour"),
                alt.Tooltip("count:Q", title="Check-ins answered"),
            ],
        )  # fmt: skip
        .properties(title="When people answer", width=PANEL_WIDTH, height=PANEL_HEIGHT)
    )


def daily_chart(
    rows: Sequence[dict],
    *,
    value: str,
    title: str,
    value_title: str = "",
    colour: str | None = None,
) -> alt.Chart:
    """Bars per UTC day for the Operations page; `rows` hold `day` (YYYY-MM-DD) and `value`.

    With `colour`, the bars of a day are stacked by that field (an event kind, a method).
    """
    encoding = {
        "x": alt.X(
            "day:O",
            title=None,
            sort="ascending",
            axis=alt.Axis(labelAngle=0, labelExpr="slice(datum.value, 5)"),  # MM-DD
        ),
        "y": alt.Y(f"{value}:Q", title=value_title or value, stack=True if colour else None),
        "tooltip": [alt.Tooltip("day:O", title="day (UTC)"), alt.Tooltip(f"{value}:Q")],
    }
    mark = {"color": BAR_COLOUR}
    if colour:
        encoding["color"] = alt.Color(
            f"{colour}:N", title=None, scale=alt.Scale(range=list(OKABE_ITO))
        )
        encoding["tooltip"].append(alt.Tooltip(f"{colour}:N"))
        mark = {}
    return (
        alt.Chart(alt.Data(values=list(rows)))
        .mark_bar(**mark)
        .encode(**encoding)
        .properties(title=title, height=PANEL_HEIGHT)
    )
