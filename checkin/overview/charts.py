"""The Overview's interactive chart: linked panels with tooltips and a brushed week range
that filters the other panels, built from the Overview's model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import altair as alt
import pandas as pd

from checkin.overview import model
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
from checkin.reports.model import WeekPoint
from checkin.weeks import week_label, week_mid

BRUSH = "weeks"  # the name of the week-range selection in the Overview's chart


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _frame(rows: list[dict]) -> pd.DataFrame:
    """Panel data as a table: Streamlit hands it to the browser as Arrow, not as JSON rows."""
    return pd.DataFrame(rows)


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


Panel = tuple[list[dict], Callable[[alt.Parameter], alt.TopLevelMixin]]


def _panels(overview: model.Overview) -> list[Panel]:
    """The Overview's panels in order, each as (the rows it is drawn from, how to draw it
    with the week brush)."""
    weeks = overview.scope.weeks
    panels: list[Panel] = [
        (
            participation_rows(overview.participation),
            partial(weekly_participation_panel, overview.participation),
        )
    ]
    if overview.scale:
        panels.append(
            (
                scale_trend_rows(overview.scale),
                partial(scale_trend_panel, overview.scale, weeks),
            )
        )
        for q in overview.questions:
            points = [s for s in overview.scale if s.question_id == q.id]
            if q.kind == "scale" and points:
                panels.append(
                    (distribution_rows(q, points), partial(scale_distribution_panel, q, points))
                )
    for q in overview.questions:
        if q.kind == "choice":
            choices = [c for c in overview.choice if c.question_id == q.id]
            if choices:
                panels.append((choice_rows(q, choices), partial(choice_panel, q, choices, weeks)))
        elif q.kind == "number":
            numbers = [n for n in overview.number if n.question_id == q.id]
            if numbers:
                panels.append((number_rows(numbers), partial(number_panel, q, numbers, weeks)))
    if overview.heatmap:
        panels.append((heatmap_rows(overview.heatmap), partial(heatmap_panel, overview.heatmap)))
    return panels


def chart_data(overview: model.Overview) -> list[list[dict]]:
    """The rows each panel of `overview_chart` is drawn from, in its order: everything of the
    figures the browser receives with the chart (its data, its tooltips)."""
    return [rows for rows, _ in _panels(overview)]


def overview_chart(overview: model.Overview) -> alt.VConcatChart:
    """The Overview's panels as one chart: drag across the participation bars to pick weeks,
    and the averages, the 1–5 answers, the choices, the numbers and the heatmap show only
    those weeks. Double-click clears the selection."""
    brush = alt.selection_interval(name=BRUSH, encodings=["x"], empty=True)
    panels = [draw(brush) for _, draw in _panels(overview)]
    return two_columns(
        panels,
        config=alt.Config(
            font=FONT,
            title=alt.TitleConfig(fontSize=14, anchor="start"),
            axis=alt.AxisConfig(labelFontSize=12, titleFontSize=12, grid=True, gridColor="#e6e6e6"),
            legend=alt.LegendConfig(
                labelFontSize=12, titleFontSize=12, labelLimit=300, orient="bottom"
            ),
            view=alt.ViewConfig(stroke=None),
        ),
        description=description(overview, panels),
    )


def description(overview: model.Overview, panels: Sequence[alt.TopLevelMixin]) -> str:
    """The chart in words, for people who cannot see it (a screen reader reads it first)."""
    answered = [
        f"{week_label(p.week)} {p.participation * 100:.0f}%"
        for p in overview.participation
        if p.participation is not None
    ]
    titles = [t for t in (getattr(p, "title", None) for p in panels) if isinstance(t, str)]
    words = [f"Linked charts: {'; '.join(titles)}."] if titles else []
    if answered:
        words.append("Check-ins answered by week: " + ", ".join(answered) + ".")
    words.append("Drag across the weekly bars to show only those weeks in the other charts.")
    return " ".join(words)


def participation_rows(points: Sequence[WeekPoint]) -> list[dict]:
    return [
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


def weekly_participation_panel(points: Sequence[WeekPoint], brush: alt.Parameter) -> alt.LayerChart:
    """Bars: the share of check-ins answered each week; the brush is drawn on this panel."""
    weeks = [p.week for p in points]
    base = alt.Chart(_frame(participation_rows(points))).encode(
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
    return alt.layer(
        bars,
        title="Check-ins answered per week (drag to pick weeks)",
        width=PANEL_WIDTH,
        height=PANEL_HEIGHT,
    )


def scale_trend_rows(points: Sequence[model.ScaleWeek]) -> list[dict]:
    """A week whose mean is held back (with a count) has no point."""
    return [
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
        if p.mean is not None and p.spread is not None
    ]


def scale_trend_panel(
    points: Sequence[model.ScaleWeek], weeks: Sequence[str], brush: alt.Parameter
) -> alt.LayerChart:
    """Lines: each scale question's weekly average, with one standard deviation behind it."""
    rows = scale_trend_rows(points)
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
    band = base.mark_area(opacity=0.18).encode(
        y=alt.Y("low:Q", scale=alt.Scale(domain=[1, 5])), y2="high:Q", color=colour
    )
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
    return alt.layer(band, line, title=title, width=PANEL_WIDTH, height=PANEL_HEIGHT)


def _answer_words(question: model.QuestionInfo) -> list[str]:
    labels = question.labels or [str(i) for i in range(1, 6)]
    return [f"{i + 1} {labels[i]}" for i in range(5)]


def distribution_rows(
    question: model.QuestionInfo, points: Sequence[model.ScaleWeek]
) -> list[dict]:
    """A count held back from a member is None (not drawn, not added in)."""
    order = _answer_words(question)
    return [
        {"week_mid": week_mid(p.week), "answer": order[i], "people": p.counts[i]}
        for p in points
        for i in range(5)
    ]


def scale_distribution_panel(
    question: model.QuestionInfo, points: Sequence[model.ScaleWeek], brush: alt.Parameter
) -> alt.LayerChart:
    """Bars: how many gave each answer 1..5 in the selected weeks."""
    order = _answer_words(question)
    base = (
        alt.Chart(_frame(distribution_rows(question, points)))
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
            "answer:N",
            sort=order,
            scale=alt.Scale(domain=order, range=list(SCALE_COLOURS)),
            legend=None,
        )
    )
    text = base.mark_text(dy=-8, fontSize=11, color="#333333").encode(text="people:Q")
    return alt.layer(
        bars,
        text,
        title=f"{short(question.text)}: answers in the weeks picked",
        width=PANEL_WIDTH,
        height=PANEL_HEIGHT,
    )


def _options(question: model.QuestionInfo, points: Sequence[model.ChoiceWeek]) -> list[str]:
    return list(dict.fromkeys([*(question.options or []), *(p.option for p in points)]))


def choice_rows(question: model.QuestionInfo, points: Sequence[model.ChoiceWeek]) -> list[dict]:
    """An option held back from a member has no row, as one nobody picked."""
    options = _options(question, points)
    return [
        {
            "week": p.week,
            "week_mid": week_mid(p.week),
            "option": p.option,
            "order": options.index(p.option),
            "count": p.count,
        }
        for p in points
    ]


def choice_panel(
    question: model.QuestionInfo,
    points: Sequence[model.ChoiceWeek],
    weeks: Sequence[str],
    brush: alt.Parameter,
) -> alt.Chart:
    """Stacked bars: how often each option was picked, per week."""
    options = _options(question, points)
    return (
        alt.Chart(_frame(choice_rows(question, points)))
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


def number_rows(points: Sequence[model.NumberWeek]) -> list[dict]:
    """A week held back from a member has no row; a member's rows have no lowest and highest."""
    return [
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


def number_panel(
    question: model.QuestionInfo,
    points: Sequence[model.NumberWeek],
    weeks: Sequence[str],
    brush: alt.Parameter,
) -> alt.LayerChart:
    """Each week's range (lowest to highest) as a line, the median as a dot."""
    rows = number_rows(points)
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
    return alt.layer(
        spread, median, title=short(question.text), width=PANEL_WIDTH, height=PANEL_HEIGHT
    )


def heatmap_rows(cells: Sequence[model.HeatCell]) -> list[dict]:
    """An hour held back from a member has no row, as one nobody answered in."""
    return [
        {
            "week_mid": week_mid(c.week),
            "weekday": WEEKDAYS[c.weekday],
            "hour": c.hour,
            "count": c.count,
        }
        for c in cells
    ]


def heatmap_panel(cells: Sequence[model.HeatCell], brush: alt.Parameter) -> alt.Chart:
    """When people answer: weekday by hour of their own clock, in the weeks picked."""
    return (
        alt.Chart(_frame(heatmap_rows(cells)))
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
        )
        .properties(title="When people answer", width=PANEL_WIDTH, height=PANEL_HEIGHT)
    )
