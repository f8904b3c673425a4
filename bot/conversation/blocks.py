"""Block Kit for the check-in conversation: questions, answers in place, recaps, the edit and
pause modals, and the conversation's part of the App Home tab.

Buttons carry what a restarted bot needs to act on a click: run id, question id
and the option's stable id (made from its wording).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from bot.blocks import (
    BUTTON_MAX,
    MESSAGE_BLOCKS_MAX,
    MODAL_BLOCKS_MAX,
    MODAL_TITLE_MAX,
    OPTION_VALUE_MAX,
    TEXT_MAX,
    button,
    clip,
    context,
    esc,
    esc_clip,
    plain,
    section,
)
from checkin.answers import numbers
from checkin.checkins import model
from checkin.standup.content import MemberPost, day_words

ANSWER_ECHO_MAX = 1500
INPUT_MAX = 3000

# action ids the conversation listens to
ANSWER = "answer"  # answer_<index>: choice and scale buttons
SKIP_QUESTION = "skip_question"
SKIP_RUN = "skip_run"
SNOOZE_RUN = "snooze_run"
PAUSE_OPEN = "pause_open"
RESUME = "resume"
EDIT_ANSWERS = "edit_answers"
PAUSE_VIEW = "pause"
EDIT_VIEW = "edit_answers"


def choices(question: Mapping[str, Any]) -> list[str]:
    """The button labels of a choice or scale question (scale: labels for 1..5)."""
    if question["kind"] == "scale":
        return model.labels(question) or ["1", "2", "3", "4", "5"]
    if question["kind"] == "choice":
        return model.options(question)
    return []


def option_id(label: str) -> str:
    """A stable id for an option, made from its wording: a button or a select carries it, so
    a check-in re-imported with its options reordered keeps each click's meaning."""
    return "o" + hashlib.sha1(label.strip().encode("utf-8")).hexdigest()[:10]


def option_index(labels: list[str], value: object) -> int | None:
    """Where the option a button or select carried is in `labels` now (an option id, or the
    index older messages carry); None when it is offered no more."""
    text = str(value)
    if text.startswith("o"):
        return next((i for i, label in enumerate(labels) if option_id(label) == text), None)
    try:
        index = int(text)
    except ValueError:
        return None
    return index if 0 <= index < len(labels) else None


def answer_key(run_id: int, question_id: int, label: str) -> str:
    """A choice or scale button's value: run, question and the option's stable id."""
    return f"{run_id}:{question_id}:{option_id(label)}"


def parse_answer_key(value: str | None) -> tuple[int, int, str] | None:
    """(run id, question id, option id or index as text) of a choice or scale button."""
    parts = str(value).split(":")
    if len(parts) != 3:
        return None
    try:
        return int(parts[0]), int(parts[1]), parts[2]
    except ValueError:
        return None


def key(run_id: int, question_id: int, index: int | None = None) -> str:
    """The value an action carries: everything a restarted bot needs to act on it."""
    return f"{run_id}:{question_id}" if index is None else f"{run_id}:{question_id}:{index}"


def parse_key(value: str | None) -> tuple[int, int, int | None] | None:
    try:
        parts = [int(p) for p in str(value).split(":")]
    except ValueError:
        return None
    if len(parts) == 2:
        return parts[0], parts[1], None
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    return None


def _heading(question: Mapping[str, Any], number: int, total: int) -> str:
    return f"*{number}/{total}* {esc(question['text'])}"


def question_message(
    run_id: int,
    question: Mapping[str, Any],
    number: int,
    total: int,
    *,
    intro: str | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) asking one question, with the run's controls under it."""
    blocks: list[dict[str, Any]] = []
    if intro:
        blocks.append(section(intro))
    blocks.append(section(_heading(question, number, total)))
    qid = question["id"]
    labels = choices(question)
    if labels:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"answer:{run_id}:{qid}",
                "elements": [
                    button(label, f"{ANSWER}_{i}", answer_key(run_id, qid, label))
                    for i, label in enumerate(labels[:25])
                ],
            }
        )
    elif question["kind"] == "number":
        blocks.append(context("Type a number as your answer, here in this conversation."))
    else:
        blocks.append(context("Type your answer here in this conversation."))
    blocks.append(
        {
            "type": "actions",
            "block_id": f"run:{run_id}:{qid}",
            "elements": [
                button("Skip question", SKIP_QUESTION, key(run_id, qid)),
                button("Skip today", SKIP_RUN, str(run_id)),
                button("Snooze 1 h", SNOOZE_RUN, str(run_id)),
                button("Pause until…", PAUSE_OPEN, str(run_id)),
            ],
        }
    )
    text = f"{number}/{total} {esc(question['text'])}"
    if intro:
        text = f"{intro}\n{text}"
    return clip(text, TEXT_MAX), blocks


def answer_shown(answer: Mapping[str, Any] | None) -> str:
    """An answer as a person reads it: the label, the number, the text, or "skipped"."""
    if answer is None:
        return "(no answer)"
    if answer["skipped"]:
        return "(skipped)"
    if answer["text"] not in (None, ""):
        return str(answer["text"])
    if answer["number"] is not None:
        return numbers.shown(answer["number"])
    return "(no answer)"


def answered_message(
    question: Mapping[str, Any],
    number: int,
    total: int,
    shown: str,
    *,
    intro: str | None = None,
    note: str | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """The question message after it was answered: the answer in place of the buttons."""
    blocks: list[dict[str, Any]] = []
    if intro:
        blocks.append(section(intro))
    blocks.append(section(_heading(question, number, total)))
    blocks.append(section(clip(shown, ANSWER_ECHO_MAX), markup=False))
    if note:
        blocks.append(context(note))
    text = f"{number}/{total} {esc(question['text'])}: {esc_clip(shown, ANSWER_ECHO_MAX)}"
    return clip(f"{intro}\n{text}" if intro else text, TEXT_MAX), blocks


def closed_message(
    question: Mapping[str, Any], number: int, total: int, note: str, intro: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The question message once the run is skipped, snoozed or paused: no buttons left."""
    blocks: list[dict[str, Any]] = []
    if intro:
        blocks.append(section(intro))
    blocks.append(section(_heading(question, number, total)))
    blocks.append(context(esc(note)))
    text = f"{esc(question['text'])} ({esc(note)})"
    return clip(f"{intro}\n{text}" if intro else text, TEXT_MAX), blocks


def recap_message(
    run_id: int, checkin_name: str, answers: Sequence[Mapping[str, Any]], late: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """Thanks, every answer of the run, and the "Edit answers" button."""
    title = f"Thanks! Your *{esc(checkin_name)}* answers:"
    if late:
        title += " (after the check-in closed, so they are marked late)"
    blocks: list[dict[str, Any]] = [section(title)]
    room = MESSAGE_BLOCKS_MAX - 2
    per_answer = max(300, (TEXT_MAX - 1000) // max(1, len(answers)))
    lines = []
    for answer in answers[: room // 2]:
        blocks.append(section(f"*{esc(answer['question_text'])}*"))
        blocks.append(section(clip(answer_shown(answer), ANSWER_ECHO_MAX), markup=False))
        lines.append(
            f"{esc(answer['question_text'])}: {esc_clip(answer_shown(answer), per_answer)}"
        )
    blocks.append(
        {
            "type": "actions",
            "block_id": f"recap:{run_id}",
            "elements": [button("Edit answers", EDIT_ANSWERS, str(run_id))],
        }
    )
    text = "Thanks! Your answers:\n" + "\n".join(lines)
    return clip(text, TEXT_MAX), blocks


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": plain(label, BUTTON_MAX), "value": clip(value, OPTION_VALUE_MAX)}


def edit_modal(run_id: int, checkin_name: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One input per answered question, filled with the current answer.

    An empty input keeps the answer: an answer longer than an input holds is
    not put in it (that would cut it on submit), only described.
    """
    blocks: list[dict[str, Any]] = [
        context("Change what you like; an earlier answer is kept in your history.")
    ]
    for row in rows[: MODAL_BLOCKS_MAX - 1]:
        qid = row["question_id"]
        block: dict[str, Any] = {
            "type": "input",
            "block_id": f"q:{qid}",
            "label": plain(row["question_text"], 2000),
            "optional": True,
        }
        labels = choices(row)
        if labels:
            element: dict[str, Any] = {
                "type": "static_select",
                "action_id": "value",
                "placeholder": plain("Pick one", 150),
                "options": [_option(label, option_id(label)) for label in labels[:100]],
            }
            current = _label_index(row, labels)
            if current is not None:
                element["initial_option"] = _option(labels[current], option_id(labels[current]))
        elif row["kind"] == "number":
            element = {"type": "number_input", "action_id": "value", "is_decimal_allowed": True}
            if row["number"] is not None and not row["skipped"]:
                element["initial_value"] = numbers.plain(row["number"])  # read back as is
        else:
            element = {
                "type": "plain_text_input",
                "action_id": "value",
                "multiline": True,
                "max_length": INPUT_MAX,
            }
            text = row["text"] or ""
            if text and not row["skipped"] and len(text) <= INPUT_MAX:
                element["initial_value"] = text
            elif len(text) > INPUT_MAX:
                block["hint"] = plain(
                    f"Your answer is {len(text):,} characters, more than fits here; "
                    "leave this empty to keep it, or type a new one.",
                    2000,
                )
        block["element"] = element
        blocks.append(block)
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "private_metadata": json.dumps({"run": run_id}),
        "title": plain("Edit answers", MODAL_TITLE_MAX),
        "submit": plain("Save", MODAL_TITLE_MAX),
        "close": plain("Cancel", MODAL_TITLE_MAX),
        "blocks": blocks,
    }


def _label_index(row: Mapping[str, Any], labels: list[str]) -> int | None:
    if row["skipped"]:
        return None
    if row["kind"] == "scale" and row["number"] is not None:
        index = int(row["number"]) - 1
        return index if 0 <= index < len(labels) else None
    if row["text"] in labels:
        return labels.index(row["text"])
    return None


def pause_modal(initial: date, metadata: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": PAUSE_VIEW,
        "private_metadata": json.dumps(dict(metadata)),
        "title": plain("Out of office", MODAL_TITLE_MAX),
        "submit": plain("Pause", MODAL_TITLE_MAX),
        "close": plain("Cancel", MODAL_TITLE_MAX),
        "blocks": [
            section(
                "No check-in questions until you are back. The days you are away do not count as missed."
            ),
            {
                "type": "input",
                "block_id": "until",
                "label": plain("Pause until (the last day away)", 2000),
                "element": {
                    "type": "datepicker",
                    "action_id": "date",
                    "initial_date": initial.isoformat(),
                    "placeholder": plain("Pick a date", 150),
                },
            },
        ],
    }


def long_date(day: date) -> str:
    return f"{day.strftime('%A')} {day.day} {day.strftime('%B %Y')}"


def local_time(when: datetime) -> str:
    return f"{when.strftime('%a')} {when.day} {when.strftime('%b, %H:%M')}"


def home_blocks(
    *,
    member: sqlite3.Row | Mapping[str, Any] | None,
    upcoming: Sequence[tuple[str, datetime | None]],
    paused_until: date | None,
    answers: Sequence[Mapping[str, Any]],
    streak: int,
) -> list[dict[str, Any]]:
    """The conversation's part of the App Home tab: next check-ins in the member's local time,
    pause state (with the button to pause or resume), streak, last answers."""
    tz = (member["tz"] if member is not None else None) or "UTC"
    blocks: list[dict[str, Any]] = [{"type": "header", "text": plain("Your check-ins", 150)}]
    if not upcoming:
        blocks.append(section("You are not part of any check-in yet."))
    for name, when in upcoming[:10]:
        if when is None:
            blocks.append(section(f"*{esc(name)}*: nothing scheduled."))
        else:
            blocks.append(section(f"*{esc(name)}*: next on {local_time(when)} ({esc(tz)})"))
    if paused_until is not None:
        blocks.append(
            section(f":palm_tree: You are paused until *{long_date(paused_until)}* (included).")
        )
        blocks.append(
            {
                "type": "actions",
                "block_id": "home:pause",
                "elements": [button("Resume now", RESUME, "home", "primary")],
            }
        )
    else:
        blocks.append(
            {
                "type": "actions",
                "block_id": "home:pause",
                "elements": [button("Pause until…", PAUSE_OPEN, "home")],
            }
        )
    blocks.append({"type": "divider"})
    days = "day" if streak == 1 else "days"
    blocks.append(section(f"*Streak:* {streak} check-in {days} answered in a row"))
    if answers:
        blocks.append(section("*Your last answers*"))
        for answer in answers[:10]:
            when = str(answer["local_date"])
            blocks.append(
                section(
                    f"{when} · {clip(answer['question_text'], 200)}\n"
                    f"{clip(answer_shown(answer), 300)}",
                    markup=False,
                )
            )
    return blocks


# --- standup mode: the channel's posts ------------------------------------------------------

STANDUP_QUESTION_MAX = 300  # a question's text as the bold title of its answer


def standup_day_message(title: str) -> tuple[str, list[dict[str, Any]]]:
    """The day's parent message ("Daily standup · Wed 3 Dec"); members' answers go under it."""
    return esc(clip(title, 3000)), [
        section(f"*{esc_clip(title, 2900)}*"),
        context("Each member's answers in the thread, as they finish."),
    ]


def standup_member_message(
    post: MemberPost, *, with_day: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """One member's answers under their name; the answers as plain text, never as markup.
    `with_day`: a message of its own, not a reply under the day's message."""
    heading = f"*{esc_clip(post.member, 300)}*"
    if with_day:
        heading += f" · {esc_clip(post.checkin, 200)}, {esc(day_words(post.local_date))}"
    if post.late:
        heading += " _(answered late)_"
    content: list[dict[str, Any]] = [section(heading)]
    room = (MESSAGE_BLOCKS_MAX - 2) // 2
    for question, value in post.answers[:room]:
        content.append(section(f"*{esc_clip(question, STANDUP_QUESTION_MAX)}*"))
        content.append({"type": "section", "text": plain(value or " ")})
    if len(post.answers) > room:
        content.append(context(f"…and {len(post.answers) - room} more answers."))
    text = f"{post.member}: {post.checkin}, {day_words(post.local_date)}"
    return esc(clip(text, 3000)), content
