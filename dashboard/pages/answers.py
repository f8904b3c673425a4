"""Answers: one member's whole history, one question's answers, and full-text search.

Every answer is shown as plain text: tables show cells as text, and the search
results are escaped before the matches are marked.
"""

import html
import re

import streamlit as st

from checkin.answers.search import SearchError, marked_parts
from dashboard import auth, components, data

PAGE_SIZE = 50
WEEK = re.compile(r"^\d{4}-W\d{2}$")

st.title("Answers")

try:
    viewer = auth.viewer()
    members = data.answer_members(viewer)
    questions = data.answer_questions(viewer)
except data.Unavailable as exc:
    st.error(str(exc))
    st.stop()


def first_page(*keys: str) -> None:
    """A new member, question, week or query starts at its first page."""
    for key in keys:
        st.session_state[key] = 1


def page_number(key: str) -> int:
    return max(1, int(st.session_state.get(key) or 1))


def pager(key: str, result) -> None:  # noqa: ANN001
    """The page box under a table, and where this page sits in the whole list."""
    if result.total <= result.page_size:
        return
    left, right = st.columns([1, 4])
    left.number_input("Page", min_value=1, step=1, key=key)
    last = result.first + len(result.items) - 1
    right.caption(f"{result.first}–{last} of {result.total} · page {result.page} of {result.pages}")


def earlier_words(entry) -> str:  # noqa: ANN001
    return " ← ".join(
        f"{e.shown} (until {e.replaced_at[:16].replace('T', ' ')})" for e in entry.earlier
    )


def entry_rows(entries, with_member: bool) -> list[dict]:  # noqa: ANN001
    rows = []
    for e in entries:
        row = {"date": e.local_date, "answered (UTC)": e.answered_at[:16].replace("T", " ")}
        if with_member:
            row["member"] = e.member
        row |= {
            "check-in": e.checkin,
            "question, as asked": e.question_text,
            "answer": e.shown,
            "late": e.late,
            "earlier answers": earlier_words(e),
        }
        rows.append(row)
    return rows


checkin_names = {q.checkin_id: q.checkin for q in questions}
by_member, by_question, searching = st.tabs(["One member", "One question", "Search"])

with by_member:
    if not members:
        st.info("No members yet: they appear once the bot has asked them a check-in.")
    else:
        names = {m.slack_id: m.name for m in members}
        member = st.selectbox(
            "Member",
            list(names),
            format_func=lambda i: f"{names[i]} ({i})",
            key="answers_member",
            on_change=first_page,
            args=("answers_member_page",),
        )
        checkin = st.selectbox(
            "Check-in",
            [None, *checkin_names],
            format_func=lambda i: "all check-ins" if i is None else checkin_names[i],
            key="answers_member_checkin",
            on_change=first_page,
            args=("answers_member_page",),
        )
        result = data.member_history(
            viewer,
            member,
            checkin_id=checkin,
            page=page_number("answers_member_page"),
            page_size=PAGE_SIZE,
        )
        if not result.total:
            st.info("No answers from this member yet.")
        else:
            edited = sum(1 for e in result.items if e.earlier)
            st.caption(
                f"{result.total} answers, newest first"
                + (
                    f"; {edited} on this page were edited (earlier answers in the last column)"
                    if edited
                    else ""
                )
            )
            components.words_table(
                entry_rows(result.items, with_member=False),
                file_name=f"answers-{member}.csv",
                key="answers_member_csv",
                about=("date", "check-in", "question, as asked"),
                words="answer",
            )
            pager("answers_member_page", result)

with by_question:
    if not questions:
        st.info(
            "No check-ins yet: import one on the Check-ins page or with "
            "`python -m checkin checkins import data/checkins.example.toml`."
        )
    else:
        labels = {
            q.question_id: f"{q.checkin} · {q.text}" + ("" if q.active else " (retired)")
            for q in questions
        }
        question = st.selectbox(
            "Question",
            list(labels),
            format_func=labels.get,
            key="answers_question",
            on_change=first_page,
            args=("answers_question_page",),
        )
        week = st.text_input(
            "Week",
            placeholder="2026-W48 (empty: every week)",
            key="answers_week",
            on_change=first_page,
            args=("answers_question_page",),
        )
        week = week.strip().upper()
        if week and not WEEK.match(week):
            st.warning(f"{week!r} is not a week: write it like 2026-W48, or leave it empty.")
            week = ""
        wordings = data.question_wordings(viewer, question)
        if len(wordings) > 1:
            st.caption("This question was reworded; each answer shows the wording it answered.")
            st.dataframe(
                [
                    {
                        "version": w.version,
                        "wording": w.text,
                        "until": (w.replaced_at or "now")[:16].replace("T", " "),
                    }
                    for w in wordings
                ],
                hide_index=True,
            )
        result = data.question_history(
            viewer,
            question,
            week=week or None,
            page=page_number("answers_question_page"),
            page_size=PAGE_SIZE,
        )
        if not result.total:
            st.info("No answers to this question" + (f" in {week}." if week else " yet."))
        else:
            st.caption(f"{result.total} answers, newest first")
            components.words_table(
                entry_rows(result.items, with_member=True),
                file_name=f"answers-question-{question}.csv",
                key="answers_question_csv",
                about=("date", "member"),
                words="answer",
            )
            pager("answers_question_page", result)


def marked_html(snippet: str) -> str:
    """The snippet escaped, part by part, with only the matches wrapped in <mark>."""
    return "".join(
        f"<mark>{html.escape(text)}</mark>" if hit else html.escape(text)
        for text, hit in marked_parts(snippet)
    )


with searching:
    query = st.text_input(
        "Search text answers",
        placeholder='words, "a phrase", prefix*, a OR b, NOT word',
        key="answers_query",
        on_change=first_page,
        args=("answers_search_page",),
    )
    filter_left, filter_right = st.columns(2)
    member_names = {m.slack_id: m.name for m in members}
    search_member = filter_left.selectbox(
        "From",
        [None, *member_names],
        format_func=lambda i: "everyone" if i is None else member_names[i],
        key="answers_search_member",
        on_change=first_page,
        args=("answers_search_page",),
    )
    search_checkin = filter_right.selectbox(
        "In",
        [None, *checkin_names],
        format_func=lambda i: "all check-ins" if i is None else checkin_names[i],
        key="answers_search_checkin",
        on_change=first_page,
        args=("answers_search_page",),
    )
    if query.strip():
        try:
            found = data.search_answers(
                viewer,
                query,
                checkin_id=search_checkin,
                member_id=search_member,
                page=page_number("answers_search_page"),
                page_size=20,
            )
        except SearchError as exc:
            st.warning(str(exc))
        else:
            if not found.total:
                st.info("Nothing matches; try fewer words or a prefix such as deploy*.")
            else:
                note = (
                    f"{found.matches:,} answers match; the newest {found.total:,} are ranked, "
                    "best match first. Add words to narrow it."
                    if found.capped
                    else f"{found.total:,} answer{'s' if found.total != 1 else ''} "
                    f"match{'es' if found.total == 1 else ''}, best match first."
                )
                st.caption(note)
                hits = "".join(
                    '<div class="hit"><div class="meta">'
                    + html.escape(f"{h.member} · {h.checkin} · {h.local_date} · {h.question_text}")
                    + f'</div><div class="text">{marked_html(h.snippet)}</div></div>'
                    for h in found.items
                )
                st.html(
                    "<style>.hit{margin:0 0 .8rem}.hit .meta{opacity:.65;font-size:.85rem}"
                    ".hit mark{padding:0 .1rem}</style>" + hits
                )
                with st.expander("Whole answers as a table"):
                    components.words_table(
                        [
                            {
                                "date": h.local_date,
                                "member": h.member,
                                "check-in": h.checkin,
                                "question, as asked": h.question_text,
                                "answer": h.text,
                            }
                            for h in found.items
                        ],
                        file_name="answers-search.csv",
                        key="answers_search_csv",
                    )
                pager("answers_search_page", found)
