"""The web app's frame: page config, navigation over dashboard/ pages, the bot banner, filters."""

import streamlit as st

from dashboard import components, data, filters

st.set_page_config(page_title="checkin", page_icon=":material/fact_check:", layout="wide")

pages = [
    st.Page("dashboard/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("dashboard/summary.py", title="Weekly summary", icon=":material/summarize:"),
]
page = st.navigation(pages)

try:
    path = data.db_path()
    components.bot_banner(data.bot_status(path))
    if data.is_demo(path):
        st.info(
            "This is a demo workspace with invented people. Connect Slack to use your own: "
            "`python -m checkin manifest`, put the tokens in `.env`, then `make run`.",
            icon=":material/science:",
        )
    filters.sidebar(data.viewer())
except data.Unavailable as exc:
    st.error(str(exc), icon=":material/database:")
    st.stop()

page.run()
