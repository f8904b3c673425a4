"""The Operations page's charts: bars per UTC day."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt

from checkin.palette import BAR_COLOUR, OKABE_ITO, PANEL_HEIGHT


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
        .properties(title=title, height=PANEL_HEIGHT, description=_in_words(rows, value, title))
    )


def _in_words(rows: Sequence[dict], value: str, title: str) -> str:
    """The chart in words, for people who cannot see it."""
    days = sorted({str(r["day"]) for r in rows})
    if not days:
        return f"{title}: nothing in these days."
    total = sum(r.get(value) or 0 for r in rows)
    return f"{title}: {total} {value} from {days[0]} to {days[-1]}, per day."
