"""The web app's frame: page config, sign-in, navigation over dashboard/ pages, the bot banner, filters.

`st.session_state["viewer"]` holds the signed-in `Viewer` for the pages (see dashboard/auth.py).
"""

import streamlit as st

from dashboard import auth, components, data, filters, ownership

st.set_page_config(page_title="checkin", page_icon=":material/fact_check:", layout="wide")
ownership.record_web_start()  # the deploy trail: once per process (st.cache_resource)

feedback_form = st.Page(
    "dashboard/pages/feedback_form.py", title="Feedback form", visibility="hidden"
)
pages = [
    (
        st.Page(
            "dashboard/pages/overview.py",
            title="Overview",
            icon=":material/dashboard:",
            default=True,
        ),
        auth.EVERYONE,
    ),
    (
        st.Page("dashboard/pages/summary.py", title="Weekly summary", icon=":material/summarize:"),
        auth.EVERYONE,
    ),
    (
        st.Page("dashboard/pages/answers.py", title="Answers", icon=":material/forum:"),
        auth.EVERYONE,
    ),
    (
        st.Page("dashboard/pages/pool.py", title="Question pool", icon=":material/quiz:"),
        auth.EVERYONE,
    ),
    (
        st.Page("dashboard/pages/feedback.py", title="Feedback", icon=":material/reviews:"),
        auth.EVERYONE,
    ),
    (
        st.Page("dashboard/pages/checkins.py", title="Check-ins", icon=":material/edit_note:"),
        auth.ADMINS,
    ),
    (
        st.Page(
            "dashboard/pages/operations.py", title="Operations", icon=":material/monitor_heart:"
        ),
        auth.ADMINS,
    ),
    (feedback_form, auth.EVERYONE),
]
# The feedback form is reached by its signed link alone, without signing in.
viewer = auth.current_viewer(public_pages=[feedback_form])
page = st.navigation(auth.pages_for(viewer, pages))

if page.url_path != feedback_form.url_path:  # the form shows nothing but itself
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
