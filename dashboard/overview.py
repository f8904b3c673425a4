"""Overview: what is in the database, and whether the bot is alive."""

import streamlit as st

from dashboard import data

st.title("checkin")

try:
    path = data.db_path()
    counts = data.table_counts(path)
except data.Unavailable as exc:
    st.error(str(exc))
    st.stop()

if data.is_demo(path):
    st.info(
        "This is a demo workspace with invented people. Connect Slack to use your own: "
        "`python -m checkin manifest`, put the tokens in `.env`, then `make run`.",
        icon=":material/science:",
    )

status = data.bot_status(path)
if status is None:
    st.caption("Bot: has never run on this database.")
elif status["stale"]:
    st.warning(
        f"Bot: last heartbeat {status['age_seconds']} s ago (pid {status['pid']} on {status['host']})."
    )
else:
    state = "connected" if status["connected"] else "not connected"
    st.caption(f"Bot: {state}, {status['env']}, heartbeat {status['age_seconds']} s ago.")

cols = st.columns(4)
cols[0].metric("Members", counts.get("members", 0))
cols[1].metric("Check-ins", counts.get("checkins", 0))
cols[2].metric("Check-ins sent", counts.get("runs", 0))
cols[3].metric("Answers", counts.get("answers", 0))

st.subheader("Participation by week")
weekly = data.weekly_participation(path)
if weekly.empty:
    st.write("No check-ins have been sent yet.")
else:
    st.dataframe(
        weekly,
        hide_index=True,
        column_config={
            "participation": st.column_config.ProgressColumn(
                format="percent", min_value=0, max_value=1
            )
        },
    )

st.subheader("Latest answers")
st.dataframe(data.latest_answers(path), hide_index=True)

st.subheader("Tables")
st.dataframe(
    [{"table": name, "rows": count} for name, count in counts.items()],
    hide_index=True,
)
