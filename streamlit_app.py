"""The web app's frame: page config, sign-in and navigation over dashboard/ pages.

`st.session_state["viewer"]` holds the signed-in `Viewer` for the pages (see dashboard/auth.py).
"""

import streamlit as st

from dashboard import auth, ownership

st.set_page_config(page_title="checkin", page_icon=":material/fact_check:", layout="wide")
ownership.record_web_start()  # the deploy trail: once per process (st.cache_resource)

feedback_form = st.Page("dashboard/feedback_form.py", title="Feedback form", visibility="hidden")
pages = [
    (
        st.Page(
            "dashboard/overview.py", title="Overview", icon=":material/dashboard:", default=True
        ),
        auth.EVERYONE,
    ),
    (st.Page("dashboard/answers.py", title="Answers", icon=":material/forum:"), auth.EVERYONE),
    (st.Page("dashboard/pool.py", title="Question pool", icon=":material/quiz:"), auth.EVERYONE),
    (st.Page("dashboard/feedback.py", title="Feedback", icon=":material/reviews:"), auth.EVERYONE),
    (
        st.Page("dashboard/checkins.py", title="Check-ins", icon=":material/edit_note:"),
        auth.ADMINS,
    ),
    (
        st.Page("dashboard/operations.py", title="Operations", icon=":material/monitor_heart:"),
        auth.ADMINS,
    ),
    (feedback_form, auth.EVERYONE),
]
# The feedback form is reached by its signed link alone, without signing in.
viewer = auth.current_viewer(public_pages=[feedback_form])
st.navigation(auth.pages_for(viewer, pages)).run()
