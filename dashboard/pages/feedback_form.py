"""The feedback form a reviewer reaches from their Slack link: no sign-in, nothing about the viewer.

The token is read from the address, kept in this browser session only, and
cleared from the address bar at once.
"""

import streamlit as st

from checkin import errors
from checkin.feedback import requests, tokens
from checkin.feedback.form import ANONYMITY_NOTE, MAX_TEXT
from dashboard import components, data

token = st.query_params.get("token")
if token:
    st.session_state["feedback_token"] = token
    st.session_state.pop("feedback_done", None)
    st.query_params.clear()
token = st.session_state.get("feedback_token")

if st.session_state.get("feedback_done"):
    st.success(
        "Thank you: your answers were stored anonymously, without your name or the time. They "
        "are shown once, when the request closes, and only if at least "
        f"{st.session_state['feedback_done']} people answered."
    )
    st.stop()

try:
    form = data.feedback_form(token)
except tokens.BadToken as exc:
    st.error(str(exc))
    st.stop()
except data.Unavailable as exc:
    st.error(str(exc))
    st.stop()

st.title(f"Feedback about {components.label(form.subject_name)}")
st.info(ANONYMITY_NOTE.format(n=form.min_responses), icon=":material/lock:")
st.caption(f"Due {form.due_on.isoformat()}. The link works once.")

given: dict[str, object] = {}
with st.form("feedback_form"):
    for q in form.questions:
        if q["kind"] == "scale":
            labels = q.get("labels") or requests.RATING_LABELS
            given[q["key"]] = st.radio(
                components.label(q["text"]),
                [1, 2, 3, 4, 5],
                index=None,
                horizontal=True,
                key=f"fb_{q['key']}",
                format_func=lambda n, labels=labels: components.label(f"{n} · {labels[n - 1]}"),
            )
        else:
            given[q["key"]] = st.text_area(
                components.label(q["text"]), max_chars=MAX_TEXT, key=f"fb_{q['key']}"
            )
    sent = st.form_submit_button("Send my feedback")

if sent:
    try:
        data.submit_feedback(token, given)
    except (errors.Refused, tokens.BadToken) as exc:
        st.error(str(exc))
    except data.Unavailable as exc:  # what was typed stays in the form for another try
        st.error(str(exc), icon=":material/database:")
    else:
        st.session_state["feedback_done"] = form.min_responses
        st.session_state.pop("feedback_token", None)
        st.rerun()
