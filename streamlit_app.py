"""The web app's frame: page config and navigation over dashboard/ pages."""

import streamlit as st

st.set_page_config(page_title="checkin", page_icon=":material/fact_check:", layout="wide")

pages = [
    st.Page("dashboard/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("dashboard/answers.py", title="Answers", icon=":material/forum:"),
    st.Page("dashboard/checkins.py", title="Check-ins", icon=":material/edit_note:"),
    st.Page("dashboard/operations.py", title="Operations", icon=":material/monitor_heart:"),
]
st.navigation(pages).run()
