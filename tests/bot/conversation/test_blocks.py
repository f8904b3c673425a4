"""Block Kit builders stay inside Slack's limits whatever people type."""

from __future__ import annotations

import json
from datetime import date

from bot.conversation import blocks
from tests.fakeslack.validation import block_errors, view_errors

SCALE = {
    "id": 7,
    "text": "How are you feeling?",
    "kind": "scale",
    "labels": json.dumps(["awful", "bad", "okay", "good", "great"]),
    "options": None,
}
TEXT = {"id": 8, "text": "What did you work on?", "kind": "text", "labels": None, "options": None}


def answer_row(**values: object) -> dict:
    row = {
        "id": 1,
        "question_id": 8,
        "question_text": "What did you work on?",
        "kind": "text",
        "labels": None,
        "options": None,
        "text": None,
        "number": None,
        "skipped": 0,
        "late": 0,
        "local_date": "2026-11-30",
    }
    row.update(values)
    return row


def test_scale_buttons_carry_text_labels_and_the_run_and_question():
    text, content = blocks.question_message(3, SCALE, 1, 4, intro="Hi!")
    assert block_errors(content) == []
    answers = next(b for b in content if b.get("block_id") == "answer:3:7")
    assert [e["text"]["text"] for e in answers["elements"]] == [
        "awful",
        "bad",
        "okay",
        "good",
        "great",
    ]
    keys = [blocks.parse_answer_key(e["value"]) for e in answers["elements"]]
    assert keys[3] == (3, 7, blocks.option_id("good")), "the option's id, not its place"
    assert blocks.option_index(["great", "good"], keys[3][2]) == 1
    assert text.startswith("Hi!\n1/4")


def test_a_long_label_is_cut_to_a_valid_button():
    question = dict(SCALE, labels=json.dumps(["x" * 200] * 5))
    _, content = blocks.question_message(1, question, 1, 1)
    assert block_errors(content) == []


def test_a_40000_character_answer_echoes_within_limits():
    huge = "é" * 40_000
    text, content = blocks.answered_message(TEXT, 2, 4, huge)
    assert block_errors(content) == [] and len(text) <= 40_000
    rows = [
        answer_row(question_id=i, text=huge, question_text=f"Q{i} " + "?" * 600) for i in range(60)
    ]
    text, content = blocks.recap_message(1, "daily", rows)
    assert block_errors(content) == [] and len(text) <= 40_000
    view = blocks.edit_modal(1, "daily", rows)
    assert view_errors(view) == []


def test_markup_in_answers_is_shown_as_typed():
    _, content = blocks.answered_message(TEXT, 1, 1, "<!channel> *bold* & <https://x|y>")
    assert content[-1]["text"]["type"] == "plain_text"
    assert blocks.esc("<a> & b") == "&lt;a&gt; &amp; b"


def test_the_edit_modal_prefills_current_answers():
    rows = [
        answer_row(
            question_id=7,
            kind="scale",
            labels=SCALE["labels"],
            text="good",
            number=4.0,
            question_text="How are you feeling?",
        ),
        answer_row(text="Reviews"),
        answer_row(question_id=9, kind="number", number=2.5, question_text="Hours?"),
    ]
    view = blocks.edit_modal(5, "daily", rows)
    assert view_errors(view) == []
    elements = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert elements["q:7"]["initial_option"]["value"] == blocks.option_id("good")
    assert elements["q:8"]["initial_value"] == "Reviews"
    assert elements["q:9"]["initial_value"] == "2.5"


def test_pause_modal_and_home_view_are_valid():
    assert view_errors(blocks.pause_modal(date(2026, 12, 1), {"run": 1})) == []
    home = {
        "type": "home",
        "blocks": blocks.home_blocks(
            member={"tz": "Europe/Paris"},
            upcoming=[("daily", None)],
            paused_until=date(2026, 12, 24),
            answers=[answer_row(text="x" * 5000)],
            streak=3,
        ),
    }
    assert view_errors(home) == []


def test_parse_key_rejects_garbage():
    assert blocks.parse_key("1:2") == (1, 2, None)
    for bad in (None, "", "a:b", "1", "1:2:3:4"):
        assert blocks.parse_key(bad) is None
