"""The web app's frame: page config, sign-in and navigation over dashboard/ pages.

`st.session_state["viewer"]` holds the signed-in `Viewer` for the pages (see dashboard/auth.py).
"""

import streamlit as st

from dashboard import auth

st.set_page_config(page_title="checkin", page_icon=":material/fact_check:", layout="wide")
viewer = auth.current_viewer()  # stops with a sign-in or refusal page when nobody may look

pages = [
    st.Page("dashboard/overview.py", title="Overview", icon=":material/dashboard:", default=True),
]
pages = auth.pages_for(viewer, [(page, auth.EVERYONE) for page in pages])
st.navigation(pages).run()
