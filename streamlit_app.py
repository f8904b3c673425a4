"""The web app's frame: page config, sign-in, navigation over dashboard/pages, the bot banner,
the sidebar's filters on the pages they change.

`st.session_state["viewer"]` holds the signed-in `Viewer` for the pages (see dashboard/auth.py).
A page's URL is its file name (`/feedback_form`, `/feedback`): the bot's links depend on it.
"""

import sqlite3
from pathlib import Path

import streamlit as st

from dashboard import auth, components, data, filters

ICON = Path(__file__).parent / "dashboard" / "icon.png"  # served by the app, not fetched
ABOUT = (
    "**checkin** asks your team a few questions in Slack and shows the answers here. "
    "What Slack must do goes through the bot; this app never calls Slack."
)

st.set_page_config(
    page_title="checkin",
    page_icon=str(ICON),
    layout="wide",
    menu_items={"About": ABOUT, "Get help": None, "Report a bug": None},
)
# Tables show people's words; their toolbar's CSV would run typed formulas in a spreadsheet.
# .streamlit/config.toml says so too, and hides Streamlit's developer menu and Deploy button
# (client.toolbarMode = "viewer"); these hold where that file is not read.
st.set_option("client.disableDataExport", True)
st.set_option("client.toolbarMode", "viewer")
data.record_web_start()  # the deploy trail: once per process (st.cache_resource)


named: dict[str, st.Page] = {}


def page(name: str, title: str, icon: str, default: bool = False) -> st.Page:
    """dashboard/pages/NAME.py, at the URL /NAME."""
    named[name] = st.Page(
        f"dashboard/pages/{name}.py", title=title, icon=f":material/{icon}:", default=default
    )
    return named[name]


# The sidebar's filters, on the pages they change; the other pages have their own controls
# (Answers: member, question, week, search) or none.
SIDEBAR = {
    "overview": filters.ALL,
    "summary": (filters.CHECKIN,),  # one week, picked on the page; the whole team's report
}

feedback_form = st.Page(
    "dashboard/pages/feedback_form.py", title="Feedback form", visibility="hidden"
)
pages = [
    (page("overview", "Overview", "dashboard", default=True), auth.EVERYONE),
    (page("summary", "Weekly summary", "summarize"), auth.EVERYONE),
    (page("answers", "Answers", "forum"), auth.EVERYONE),
    (page("pool", "Question pool", "quiz"), auth.EVERYONE),
    (page("feedback", "Feedback", "reviews"), auth.EVERYONE),
    (page("checkins", "Check-ins", "edit_note"), auth.ADMINS),
    (page("operations", "Operations", "monitor_heart"), auth.ADMINS),
    (feedback_form, auth.EVERYONE),
]
# The feedback form is reached by its signed link alone, without signing in.
viewer = auth.current_viewer(public_pages=[feedback_form])
current = st.navigation(auth.pages_for(viewer, pages))
components.page_style()  # on a phone: charts scroll sideways, tables of words become cards
st.set_page_config(page_title=f"{current.title} · checkin")  # the browser tab names the page
shown = next((SIDEBAR.get(n, ()) for n, p in named.items() if p.url_path == current.url_path), ())

if current.url_path != feedback_form.url_path:  # the form shows nothing but itself
    try:
        components.bot_banner(data.bot_status())
        if data.is_demo():
            st.info(
                "This is a demo workspace with invented people. Connect Slack to use your own: "
                "`python -m checkin manifest`, put the tokens in `.env`, then `make run`.",
                icon=":material/science:",
            )
        if shown:
            filters.sidebar(viewer, shown)
    except data.Unavailable as exc:
        st.error(str(exc), icon=":material/database:")
        st.stop()

try:
    current.run()
except (data.Unavailable, sqlite3.Error) as exc:  # a page's read met a fault: one line, no trace
    st.error(
        str(exc)
        if isinstance(exc, data.Unavailable)
        else f"could not read the database just now ({exc}); please try again in a minute",
        icon=":material/database:",
    )
