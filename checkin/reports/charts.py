"""The weekly summary's charts: the Slack post's PNG and the web app's Weekly summary.

Charts are Altair (Vega-Lite) specs built from the report model, with their
data inline, so a test can read what a chart shows from its spec and the web
app can hand the same spec to `st.altair_chart`. `to_png` renders offline
with vl-convert (no browser, no network). Titles and axes say in plain words
what is shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt

from checkin.palette import (
    BAR_COLOUR,
    FONT,
    OKABE_ITO,
    PANEL_HEIGHT,
    PANEL_WIDTH,
    SCALE_COLOURS,
    short,
    two_columns,
)
from checkin.reports.model import QuestionSummary, Report, ScalePoint, WeekPoint
from checkin.weeks import week_label


def participation_rows(trend: Sequence[WeekPoint]) -> list[dict]:
    return [
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


def participation_chart(trend: Sequence[WeekPoint]) -> alt.LayerChart:
    """Bars: the share of check-ins answered, one per week, labelled with the percentage."""
    rows = participation_rows(trend)
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
    return alt.layer(
        bars,
        labels,
        title=f"Check-ins answered, last {len(rows)} weeks",
        width=PANEL_WIDTH,
        height=PANEL_HEIGHT,
    )


def mood_rows(points: Sequence[ScalePoint], weeks: Sequence[str]) -> list[dict]:
    return [
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


def mood_chart(points: Sequence[ScalePoint], weeks: Sequence[str]) -> alt.Chart:
    """Lines: each scale question's weekly average (1 to 5) over the given weeks."""
    order = [week_label(w) for w in weeks]
    rows = mood_rows(points, weeks)
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


def distribution_rows(question: QuestionSummary) -> list[dict]:
    """A count held back from a member is None: no bar, and – over it."""
    labels = question.labels or [str(i) for i in range(1, 6)]
    counts = question.distribution or [0] * 5
    return [
        {
            "answer": f"{i + 1} {labels[i]}",
            "people": counts[i],
            "shown": "–" if counts[i] is None else str(counts[i]),
            "at": counts[i] or 0,  # where the number (or –) is written
        }
        for i in range(5)
    ]


def distribution_chart(question: QuestionSummary, week: str) -> alt.LayerChart:
    """Bars: how many gave each answer 1..5 to one scale question this week."""
    rows = distribution_rows(question)
    order = [r["answer"] for r in rows]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("answer:N", sort=order, title="Answer", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("people:Q", title="Answers", axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip("answer:N", title="Answer"), alt.Tooltip("shown:N", title="Answers")],
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "answer:N",
            sort=order,
            scale=alt.Scale(domain=order, range=list(SCALE_COLOURS)),
            legend=None,
        )
    )
    text = base.mark_text(dy=-8, fontSize=12, color="#333333").encode(y="at:Q", text="shown:N")
    return alt.layer(
        bars,
        text,
        title=f"{short(question.text)}: answers in week of {week_label(week)}",
        width=PANEL_WIDTH,
        height=PANEL_HEIGHT,
    )


def distributions(report: Report) -> list[QuestionSummary]:
    """The scale questions with a count to draw this week (a member's held back are None)."""
    return [
        q
        for q in report.questions
        if q.kind == "scale" and q.distribution and any(n for n in q.distribution if n)
    ]


def report_chart_data(report: Report) -> list[list[dict]]:
    """The rows each panel of `report_chart` is drawn from, in its order."""
    weeks = [p.week for p in report.trend]
    out = [participation_rows(report.trend)]
    if report.scale_trend:
        out.append(mood_rows(report.scale_trend, weeks))
    return out + [distribution_rows(q) for q in distributions(report)]


def report_chart(report: Report) -> alt.VConcatChart:
    """The Slack post's picture: participation and averages over 8 weeks, this week's answers."""
    weeks = [p.week for p in report.trend]
    panels: list[alt.TopLevelMixin] = [participation_chart(report.trend)]
    if report.scale_trend:
        panels.append(mood_chart(report.scale_trend, weeks))
    panels += [distribution_chart(q, report.week) for q in distributions(report)]
    return two_columns(
        panels,
        config=alt.Config(
            font=FONT,
            background="white",
            title=alt.TitleConfig(fontSize=15, anchor="start", subtitleFontSize=13),
            axis=alt.AxisConfig(labelFontSize=13, titleFontSize=13, grid=True, gridColor="#e6e6e6"),
            legend=alt.LegendConfig(labelFontSize=13, titleFontSize=13, labelLimit=360),
            view=alt.ViewConfig(stroke=None),
        ),
        title=alt.Title(
            f"{report.checkin}: week {report.week}",
            subtitle=f"{report.start:%a %d %b} to {report.end:%a %d %b %Y}",
            fontSize=18,
            anchor="start",
        ),
        padding={"left": 16, "top": 16, "right": 16, "bottom": 16},
        description=alt_text(report),
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
    for q in distributions(report):
        labels = q.labels or [str(i) for i in range(1, 6)]
        counts = ", ".join(
            f"{labels[i]} {'–' if n is None else n}" for i, n in enumerate(q.distribution or [])
        )
        average = "held back" if q.mean is None else q.mean
        parts.append(f"{q.text}: average {average}; {counts}.")
    return " ".join(parts) or f"No answers in week {report.week}."


def to_png(chart: alt.TopLevelMixin, scale: float = 2) -> bytes:
    """The chart as PNG bytes, rendered offline."""
    import vl_convert

    return vl_convert.vegalite_to_png(chart.to_json(validate=False), scale=scale)


def chart_filename(report: Report) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in report.checkin)
    return f"{safe}-{report.week}.png"
