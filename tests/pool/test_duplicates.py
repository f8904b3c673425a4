"""Near-duplicates: the same text, and close paraphrases, on real pairs of questions.

The pairs below justify `duplicates.PARAPHRASE_THRESHOLD`: every paraphrase scores
at or above it, every different question (many built on the same frame) below.
"""

from __future__ import annotations

import pytest

from checkin import errors
from checkin.pool import duplicates, moderation, submit

PARAPHRASES = [
    ("What's the best book you read this year?", "What is the best book you have read this year?"),
    ("What's the best book you read this year?", "Which book was the best you read this year?"),
    ("What's the best book you read this year?", "Best book you read this year?"),
    (
        "What is your favourite lunch spot near the office?",
        "What's your favorite lunch place near the office?",
    ),
    (
        "If you could learn any skill instantly, what would it be?",
        "What skill would you learn instantly if you could?",
    ),
    ("What was the highlight of your week?", "What was your week's highlight?"),
    (
        "What is one tool that saved you time recently?",
        "Which tool saved you the most time recently?",
    ),
    ("What did you have for breakfast today?", "What did you eat for breakfast today?"),
    (
        "Where would you travel if money were no object?",
        "If money were no object, where would you travel?",
    ),
    ("What's a podcast you'd recommend?", "What podcast would you recommend?"),
    ("What is your go-to karaoke song?", "What's your go to karaoke song?"),
    ("Coffee or tea?", "Tea or coffee?"),
]

DIFFERENT = [
    ("What's the best book you read this year?", "What's the best movie you watched this year?"),
    (
        "What's the best book you read this year?",
        "What's the worst meeting you sat through this year?",
    ),
    (
        "What is your favourite lunch spot near the office?",
        "What is your favourite tool for taking notes?",
    ),
    ("What did you have for breakfast today?", "What did you learn today?"),
    ("What was the highlight of your week?", "What was the hardest part of your week?"),
    ("Where would you travel if money were no object?", "Where did you grow up?"),
    ("What's a podcast you'd recommend?", "What's a board game you'd recommend?"),
    ("Coffee or tea?", "Cats or dogs?"),
    (
        "What is one tool that saved you time recently?",
        "What is one habit that made you happier recently?",
    ),
    ("How many hours did you sleep?", "How many meetings did you have today?"),
    ("What are you reading right now?", "What are you listening to right now?"),
    ("What's your favourite season?", "What's your favourite city?"),
    ("What is your favourite hike?", "What is your favourite recipe?"),
    ("What is your favourite book?", "What is your favourite film?"),
    ("Coffee or tea?", "Tea or juice?"),
    ("What is your favourite tool?", "What is your favourite keyboard shortcut?"),
]


@pytest.mark.parametrize(("a", "b"), PARAPHRASES)
def test_paraphrases_score_at_or_above_the_threshold(a, b):
    assert duplicates.similarity(a, b) >= duplicates.PARAPHRASE_THRESHOLD


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_questions_score_below_the_threshold(a, b):
    assert duplicates.similarity(a, b) < duplicates.PARAPHRASE_THRESHOLD


def test_the_threshold_sits_in_the_gap_between_the_two_sets():
    lowest_paraphrase = min(duplicates.similarity(a, b) for a, b in PARAPHRASES)
    highest_different = max(duplicates.similarity(a, b) for a, b in DIFFERENT)
    assert highest_different < duplicates.PARAPHRASE_THRESHOLD <= lowest_paraphrase
    assert lowest_paraphrase - highest_different >= 15  # a margin on both sides


def test_same_text_ignoring_case_spacing_and_punctuation_is_refused_naming_it(conn, clock):
    submit.submit(
        conn,
        "What's the best book you read this year?",
        submitted_by="U001",
        source="web",
        clock=clock,
    )
    with pytest.raises(errors.Refused) as refused:
        submit.submit(
            conn,
            "  what's THE best book,   you read this year ",
            submitted_by="U002",
            source="slack_command",
            clock=clock,
        )
    assert str(refused.value) == (
        "A question like this is waiting for review already: "
        "“What's the best book you read this year?”"
    )


def test_paraphrase_of_an_approved_question_is_refused_naming_it(conn, clock):
    first = submit.submit(
        conn,
        "Where would you travel if money were no object?",
        submitted_by="U001",
        source="web",
        clock=clock,
    )
    moderation.moderate(conn, first.id, "approve", "U009", clock=clock)
    with pytest.raises(errors.Refused, match="in the pool already: “Where would you travel"):
        submit.submit(
            conn,
            "If money were no object, where would you travel?",
            submitted_by="U002",
            source="web",
            clock=clock,
        )


def test_a_rejected_question_may_be_submitted_again(conn, clock):
    first = submit.submit(conn, "Coffee or tea?", submitted_by="U001", source="web", clock=clock)
    moderation.moderate(conn, first.id, "reject", "U009", clock=clock)
    again = submit.submit(conn, "Tea or coffee?", submitted_by="U002", source="web", clock=clock)
    assert again.id != first.id


def test_a_different_question_on_the_same_frame_is_kept(conn, clock):
    submit.submit(
        conn,
        "What's the best book you read this year?",
        submitted_by="U001",
        source="web",
        clock=clock,
    )
    kept = submit.submit(
        conn,
        "What's the best movie you watched this year?",
        submitted_by="U001",
        source="web",
        clock=clock,
    )
    assert submit.get(conn, kept.id)["status"] == "pending"
