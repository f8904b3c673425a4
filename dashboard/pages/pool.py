"""Question pool: suggest a question, see the pool and each question's answers; admins moderate."""

import streamlit as st

from checkin import errors
from checkin.pool import submit
from dashboard import auth, components, data

st.title("Question pool")
st.caption(
    "Questions the team suggests. Once an admin approves one, check-ins with "
    "`random_question = true` ask it, least-asked first, never twice to anyone within 8 weeks."
)

try:
    viewer = auth.viewer()
    questions = data.pool_questions(viewer)
    admin = data.moderates_pool(viewer)
except data.Unavailable as exc:
    st.error(str(exc))
    st.stop()

KIND_NAMES = {"text": "Free text", "choice": "Multiple choice", "scale": "1–5 scale"}
# Words, not emoji: an emoji may not render (a font without it, some phones).
STATUS_WORDS = {"pending": "pending", "approved": "approved", "rejected": "rejected"}

with st.form("pool_submit", clear_on_submit=True):
    st.header("Suggest a question")
    text = st.text_area("Question", max_chars=submit.MAX_CHARS, key="pool_text")
    kind = st.selectbox("Kind of answer", submit.KINDS, format_func=KIND_NAMES.get, key="pool_kind")
    items = st.text_input(
        "Options (choice) or 5 labels (scale)",
        help="One per line, or separated by commas.",
        key="pool_items",
    )
    anonymous = st.checkbox("Submit anonymously (your name is not stored)", key="pool_anonymous")
    if st.form_submit_button("Submit"):
        listed = submit.split_list(items)
        try:
            kept = data.submit_pool_question(
                viewer,
                text,
                kind=kind,
                options=listed if kind == "choice" else None,
                labels=listed if kind == "scale" else None,
                anonymous=anonymous,
            )
        except errors.Refused as exc:
            st.error(components.plain(exc))  # a near-duplicate's message quotes its text
        else:
            st.success(components.plain(f"Submitted: “{kept.text}”. An admin will review it."))
            questions = data.pool_questions(viewer)

st.header("The pool")
if not questions:
    st.write("No questions yet.")
    st.stop()

counts = {s: sum(q["status"] == s for q in questions) for s in submit.STATUSES}
st.caption(", ".join(f"{n} {s}" for s, n in counts.items()))
components.words_table(
    [
        {
            "question": q["question"],
            "kind": KIND_NAMES.get(q["kind"], q["kind"]),
            "status": STATUS_WORDS.get(q["status"], q["status"]),
            "submitted by": "anonymous" if q["anonymous"] else (q["submitter"] or ""),
            "times asked": q["times_asked"],
            "answers": q["answers"],
        }
        for q in questions
    ],
    file_name="question-pool.csv",
    key="pool-csv",
)

for q in questions:
    label = f"{q['question']} · {q['status']} · {q['answers']} answers"
    with st.expander(components.label(label)):
        if q["options"]:
            st.text("Options: " + ", ".join(q["options"]))
        if q["labels"]:
            st.text("Labels 1–5: " + ", ".join(q["labels"]))
        answers = data.pool_answers(viewer, q["id"])
        if answers:
            components.words_table(
                answers, file_name=f"pool-question-{q['id']}-answers.csv", key=f"pool-{q['id']}-csv"
            )
        else:
            st.text("No answers yet.")
        if not admin:
            continue
        cols = st.columns(3)
        action = None
        if q["status"] != "approved" and cols[0].button("Approve", key=f"approve_{q['id']}"):
            action = ("approve", None)
        if q["status"] != "rejected" and cols[1].button("Reject", key=f"reject_{q['id']}"):
            action = ("reject", None)
        edited = st.text_input(
            "Wording", value=q["question"], key=f"text_{q['id']}", max_chars=submit.MAX_CHARS
        )
        if st.button("Save wording", key=f"edit_{q['id']}"):
            action = ("edit", edited)
        if action is not None:
            verb, new_text = action
            try:
                data.moderate_pool_question(viewer, q["id"], verb, text=new_text)
            except (errors.Refused, data.Unavailable) as exc:
                st.error(components.plain(exc))
            else:
                st.rerun()
