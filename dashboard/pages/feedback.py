"""Feedback: ask peers for anonymous feedback about someone; results for the subject,
the requester and admins, once, when the request closes with enough answers."""

import streamlit as st

from checkin import errors
from checkin.feedback.requests import DEFAULT_DUE, MIN_RESPONSES, NeedsConfirmation
from dashboard import auth, components, data

st.title("Feedback")
st.caption(
    "Reviewers get a Slack DM with a one-time link to a short form. Answers are stored without "
    "names or times, and shown once, when the request closes (on its due date, or when everyone "
    f"asked has answered), if at least {MIN_RESPONSES} answered."
)

try:
    viewer = auth.viewer()
    people = data.feedback_people(viewer)
    subjects = dict(data.feedback_subjects(viewer))
    requests = data.feedback_requests(viewer)
except data.Unavailable as exc:
    st.error(str(exc))
    st.stop()

names = dict(people)
today = data.today()

with st.form("feedback_request"):
    st.header("Ask for feedback")
    subject = st.selectbox(
        "About",
        list(subjects),
        index=None,
        format_func=subjects.get,
        key="fb_subject",
        placeholder="Choose a person",
        help="Yourself, someone in a check-in you lead, or anyone for an admin.",
    )
    reviewers = st.multiselect(
        "Reviewers (at least 3)",
        list(names),
        format_func=names.get,
        key="fb_reviewers",
        help="Never the subject nor whoever asks: both would know who wrote the rest.",
    )
    due = st.date_input("Due", value=today + DEFAULT_DUE, min_value=today, key="fb_due")
    if viewer.slack_id:
        requester = viewer.slack_id
    else:
        requester = st.selectbox(
            "Requested by",
            list(names),
            index=None,
            format_func=names.get,
            key="fb_requester",
            placeholder="Choose a person",
        )
    share = st.checkbox("Also tell the subject when results are ready", key="fb_share")
    asked = st.form_submit_button("Send the invites")

pending = st.session_state.get("fb_confirm")
if asked:
    pending = {
        "subject": subject,
        "reviewers": reviewers,
        "due": due,
        "share": share,
        "requester": requester,
        "confirmed": False,
    }
if pending and (asked or st.session_state.get("fb_confirm_clicked")):
    st.session_state.pop("fb_confirm_clicked", None)
    if not pending["requester"]:
        st.error("Choose who is asking (the subject or their lead).")
    else:
        try:
            request_id = data.request_feedback(
                viewer,
                subject=pending["subject"],
                requested_by=pending["requester"],
                reviewers=pending["reviewers"],
                due=pending["due"],
                today=today,
                notify_subject=pending["share"],
                confirmed=pending["confirmed"],
            )
        except NeedsConfirmation as exc:
            st.session_state["fb_confirm"] = {**pending, "confirmed": True}
            st.warning(components.plain(exc))  # these messages name people
        except (errors.Refused, data.Unavailable) as exc:
            st.session_state.pop("fb_confirm", None)
            st.error(components.plain(exc))
        else:
            st.session_state.pop("fb_confirm", None)
            st.success(
                f"Request #{request_id} sent, due {pending['due']}: the bot DMs each "
                "reviewer their link."
            )
            requests = data.feedback_requests(viewer)
if st.session_state.get("fb_confirm") and st.button("Send anyway", key="fb_send_anyway"):
    st.session_state["fb_confirm_clicked"] = True
    st.rerun()

st.header("Requests")
if not requests:
    st.write("No feedback requests you may see yet.")
    st.stop()

wanted = st.query_params.get("request")
for r in requests:
    state = "closed" if r["closed"] else f"due {r['due']}"
    label = (
        f"About {r['subject']}, asked by {r['requested_by']}, {state}: "
        f"{r['answered']} of {r['invited']} answered"
    )
    with st.expander(components.label(label), expanded=str(r["id"]) == wanted):
        try:
            shown = data.feedback_results(viewer, r["id"])
        except errors.NotAllowed as exc:
            st.text(str(exc))
            continue
        if r["declined"]:
            st.caption(f"{r['declined']} declined.")
        for miss in data.feedback_undelivered(viewer, r["id"]):
            if miss["state"] in ("refused", "expired"):
                st.text(f"Not invited: {miss['reviewer']}: {miss['reason']}.")  # never Markdown
            else:
                st.text(f"Not invited yet: {miss['reviewer']}: {miss['reason']}.")
        if not shown.ready:
            st.info(shown.progress)
            continue
        st.dataframe(
            [
                {
                    "question": rating.question,
                    "mean (1–5)": rating.mean,
                    "spread (sd)": rating.spread,
                    "range": f"{rating.low}–{rating.high}",
                    "answers": rating.count,
                }
                for rating in shown.ratings
            ],
            hide_index=True,
        )
        for question, texts in shown.texts.items():
            st.markdown(f"**{components.plain(question)}**")
            for text in texts or ["(no answers)"]:
                st.text(text)
