"""Overview: how the team is doing in the weeks picked, and how that changed."""

import streamlit as st

from checkin import palette
from checkin.overview.charts import overview_chart
from checkin.reports import formats
from dashboard import auth, components, data, filters

st.title("Overview")

picked = filters.current()
if picked.checkin is None:
    st.info(
        "There are no check-ins yet. Import one with "
        "`python -m checkin checkins import data/checkins.example.toml` "
        "(edit its participants first), or create one on the Check-ins page.",
        icon=":material/add_task:",
    )
    st.stop()

viewer = auth.viewer()
try:
    ov = data.overview(viewer, picked.scope)
except data.NotAllowed as exc:
    st.error(str(exc))
    st.stop()
h = ov.headline
span = f"{filters.week_words(picked.first)} to {filters.week_words(picked.last)}"
st.caption(
    components.plain(f"{picked.checkin.name}, {picked.who}: {span}")
    + ", compared with as many weeks before."
)

if ov.empty and viewer.suppresses(picked.checkin.id):
    st.info(
        f"No team figures for {span}: nobody was asked, or fewer than {viewer.min_group} "
        "people answered, so they are held back. Widen the week range in the sidebar."
    )
    st.stop()
if ov.empty:
    st.info(
        f"Nobody was asked in {span}. Widen the week range in the sidebar"
        + (
            ", or pick everyone instead of some members."
            if picked.members or picked.channel
            else "."
        )
    )
    st.stop()

restricted = viewer.suppresses(picked.checkin.id)
cols = st.columns(2 + len(h.scales))
if h.participation is None and h.weeks_held_back:
    answered_help = formats.PARTICIPATION_HELD_BACK.capitalize()
else:
    answered_help = f"{h.runs_answered} of {h.runs_asked} check-ins answered" + (
        f", leaving out {h.weeks_held_back} week{'s' if h.weeks_held_back != 1 else ''} "
        "whose participation is held back"
        if h.weeks_held_back
        else ""
    )
cols[0].metric(
    "Participation",
    formats.percent(h.participation),
    delta=components.points(h.participation_change, "points"),
    help=answered_help,
)
cols[1].metric(
    "Median time to answer",
    formats.minutes_words(h.median_minutes),
    delta=components.points(h.median_change, "min"),
    delta_color="inverse",
    help=(
        "Not shown to members: it is one or two answers' times"
        if restricted
        else "From the check-in being sent to its first answer"
    ),
)
for col, scale in zip(cols[2:], h.scales, strict=True):
    col.metric(
        components.plain(palette.short(scale.question, 60)),
        "–" if scale.mean is None else f"{scale.mean:.2f} of 5",
        delta=None if scale.change is None else f"{scale.change:+.2f}",
        help=(
            f"Average of {scale.answers} answers"
            + (", in the weeks whose figures are shown" if restricted else "")
            if scale.mean is not None
            else "Held back: some answers were given by too few people"
        ),
    )

st.altair_chart(overview_chart(ov), key="overview_chart", theme=None)
if restricted:
    st.caption(
        f"Team figures only: a week, an answer or an hour fewer than {viewer.min_group} people "
        "stand behind is left out, with the next-smallest, so no one can be singled out; "
        "where an answer is left out, so are the week's average, spread, number of answers "
        "and the answers nobody gave, which would give it back, and in a week so small that "
        "how many answered would give it away, that too (no bar, no hours)."
    )
st.caption(
    "Drag across the weekly bars to pick weeks; the other charts follow. Double-click to clear."
)
