"""The web app's frame: page config and navigation over dashboard/ pages."""

import streamlit as st

from dashboard import ownership

st.set_page_config(page_title="checkin", page_icon=":material/fact_check:", layout="wide")
ownership.record_web_start()  # the deploy trail: once per process (st.cache_resource)

pages = [
    st.Page("dashboard/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("dashboard/pool.py", title="Question pool", icon=":material/quiz:"),
    st.Page("dashboard/feedback.py", title="Feedback", icon=":material/reviews:"),
    st.Page("dashboard/feedback_form.py", title="Feedback form", visibility="hidden"),
]
st.navigation(pages).run()
