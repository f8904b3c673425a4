"""Weekly summary: the report Slack and `python -m checkin report` give, for any week."""

from functools import partial

import streamlit as st

from checkin.reports import formats
from checkin.reports.charts import chart_filename, report_chart
from dashboard import auth, components, data, filters

st.title("Weekly summary")

picked = filters.current()
viewer = auth.viewer()
if picked.checkin is None:
    st.info(
        "There are no check-ins yet. Import one with "
        "`python -m checkin checkins import data/checkins.example.toml`.",
        icon=":material/add_task:",
    )
    st.stop()

weeks = list(reversed(picked.weeks))
left, right = st.columns([2, 1])
week = left.selectbox(
    "Week",
    weeks,
    index=weeks.index(picked.last) if picked.last in weeks else 0,
    format_func=filters.week_words,
    key=f"summary_week_{picked.checkin.id}",
)
group = right.radio("Answers in words", ["by question", "by member"], horizontal=True)

try:
    report = data.weekly_report(viewer, picked.checkin.id, week)
except data.NotAllowed as exc:
    st.error(str(exc))
    st.stop()

components.heading(f"{report.checkin}: week {formats.week_words(report)}", level=2)
if viewer.suppresses(picked.checkin.id):
    st.caption(
        f"Answers in words are yours only; a figure fewer than {viewer.min_group} people stand "
        "behind is held back (–), with the next-smallest and whatever would give it back "
        "(the question's average, how many answered, the answers nobody gave; in a week so "
        "small that it would give one away, how many answered the check-in), here and in "
        "the downloads. The median time to answer is not shown to members."
    )
h = report.headline
held_back = h.runs_answered is None  # a member's, in a week this small (formats says why)
cols = st.columns(4)
cols[0].metric(
    "Participation",
    formats.percent(h.participation),
    delta=components.points(h.participation_change, "points"),
    help=formats.PARTICIPATION_HELD_BACK.capitalize() if held_back else None,
)
cols[1].metric("Answered", f"{formats.number(h.runs_answered)} of {h.runs_asked}")
cols[2].metric("People who answered", f"{formats.number(h.members_answered)} of {h.members_asked}")
cols[3].metric("Median time to answer", formats.minutes_words(h.median_minutes_to_answer))
st.text("\n".join(formats.headline_lines(report)))
if report.missing_members:
    st.text("Not answered: " + ", ".join(report.missing_members))

downloads = st.columns(4)
stem = chart_filename(report).removesuffix(".png")
for col, (fmt, label, mime) in zip(
    downloads,
    [
        ("md", "Markdown", "text/markdown"),
        ("csv", "CSV", "text/csv"),
        ("json", "JSON", "application/json"),
        ("png", "Chart (PNG)", "image/png"),
    ],
    strict=True,
):
    col.download_button(
        label,
        data=partial(data.report_file, viewer, picked.checkin.id, week, fmt),
        file_name=f"{stem}.{fmt}",
        mime=mime,
        icon=":material/download:",
        on_click="ignore",
        key=f"download_{fmt}",
    )

if h.runs_asked:
    st.altair_chart(report_chart(report), key="summary_chart", theme=None)

for q in report.questions:
    if q.kind == "text":
        continue
    pool = " (from the question pool)" if q.from_pool else ""
    components.heading(q.text + pool, level=3)
    st.text(formats.question_line(q))


def notes(a) -> str:  # noqa: ANN001 - a TextAnswer
    return ", ".join(n for n, on in (("late", a.late), ("edited", a.edited)) if on)


st.subheader("Answers in words")
if not report.text_answers:
    st.text("No answers in words this week.")
elif group == "by member":
    # one table, member by member: a heading each would be thousands in a big workspace
    components.table(
        [
            {
                "member": name,
                "day": formats.day_words(a.local_date),
                "question": a.question,
                "answer": a.text,
                "notes": notes(a),
            }
            for _, name, answers in report.text_by_member()
            for a in answers
        ],
        key="summary_by_member",
        about=("member", "day", "question", "notes"),
        words="answer",
    )
else:
    for n, (q, answers) in enumerate(report.text_by_question()):
        components.heading(q.text, level=4)
        components.table(
            [
                {
                    "member": a.member,
                    "day": formats.day_words(a.local_date),
                    "answer": a.text,
                    "notes": notes(a),
                }
                for a in answers
            ],
            key=f"summary_question_{n}",
            about=("member", "day", "notes"),
            words="answer",
        )
