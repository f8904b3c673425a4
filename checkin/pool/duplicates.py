"""Near-duplicate questions: normalised text and a rapidfuzz score, so a paraphrase is refused."""

from __future__ import annotations

import re
import sqlite3
import unicodedata

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from checkin.errors import Refused

# `similarity` (0-100) at or above which two questions are the same question.
# Chosen on the real pairs in tests/pool/test_duplicates.py: paraphrases score
# 84 and up, different questions built on the same frame ("best book" / "best
# movie", "favourite hike" / "favourite recipe") 64 and below.
PARAPHRASE_THRESHOLD = 75


STOPWORDS = frozenset(
    "a an the of to in on for is are was were be been being you your yours yourself "
    "do did does done what which who whom how this that these those it its at with and "
    "or have has had having i me my mine we us our ours there their they them would "
    "could should will can if as by from so any some one s most".split()
)


CONTRACTIONS = {
    "what's": "what is",
    "you've": "you have",
    "you're": "you are",
    "you'd": "you would",
    "isn't": "is not",
    "don't": "do not",
    "doesn't": "does not",
    "didn't": "did not",
    "it's": "it is",
    "who's": "who is",
    "that's": "that is",
    "i'm": "i am",
    "i've": "i have",
    "i'd": "i would",
    "where's": "where is",
    "how's": "how is",
    "let's": "let us",
    "won't": "will not",
    "can't": "can not",
}


SPELLINGS = {"favourite": "favorite", "colour": "color", "travelling": "traveling"}


# What is not words: Slack mentions, channels, links, emoji codes, HTML-ish tags,
# formatting characters.
MARKUP = re.compile(
    r"<[@#!][^>]*>|<https?://[^>]*>|https?://\S+|<[^>]{0,200}>|:[a-z0-9_+\-']+:|[*_~`>|#\[\]()]"
)


def normalise(text: str) -> str:
    """The text ignoring case, accents' composition, spacing, punctuation and contractions."""
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    for short, long in CONTRACTIONS.items():
        text = text.replace(short, long)
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(SPELLINGS.get(w, w) for w in text.split())


def _content(normalised: str) -> str:
    words = [w for w in normalised.split() if w not in STOPWORDS]
    return " ".join(words) or normalised


def _stems(content: str) -> list[str]:
    return sorted(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in content.split())


def similarity(a: str, b: str) -> float:
    """How alike two questions are, 0-100.

    The mean of two rapidfuzz scores over the content words (stopwords
    dropped): the token-sort ratio of their characters, which forgives
    spelling and word order, and the Indel similarity of the sorted word
    lists, which counts a different word as different however short it is
    ("favourite hike" and "favourite recipe" share most letters, not words).
    """
    ca, cb = _content(normalise(a)), _content(normalise(b))
    letters = fuzz.token_sort_ratio(ca, cb)
    words = 100 * Indel.normalized_similarity(_stems(ca), _stems(cb))
    return (letters + words) / 2


def near_duplicate(
    conn: sqlite3.Connection, text: str, exclude_id: int | None = None
) -> sqlite3.Row | None:
    """A pending or approved question that is the same as `text`, or a close paraphrase.

    It runs before the ack of Slack's submit modal, so the character score is
    computed for the whole pool at once by rapidfuzz (`process.extract`, in C)
    with the cut-off below which no word score could lift a pair to the
    threshold; the word score is computed only for what is left.
    """
    wanted = normalise(text)
    rows = [
        r
        for r in conn.execute(
            "SELECT * FROM pool_questions WHERE status IN ('pending', 'approved') ORDER BY id"
        )
        if r["id"] != exclude_id
    ]
    contents = []
    for row in rows:
        normalised = row["normalized"] or normalise(row["text"])
        if normalised == wanted:
            return row
        contents.append(_content(normalised))
    query = _content(wanted)
    stems = _stems(query)
    best, best_score = None, 0.0
    for _, letters, index in process.extract(
        query,
        contents,
        scorer=fuzz.token_sort_ratio,
        limit=None,
        score_cutoff=2 * PARAPHRASE_THRESHOLD - 100,
    ):
        score = (letters + 100 * Indel.normalized_similarity(stems, _stems(contents[index]))) / 2
        if score >= PARAPHRASE_THRESHOLD and score > best_score:
            best, best_score = rows[index], score
    return best


def refuse_duplicate(conn: sqlite3.Connection, text: str, exclude_id: int | None = None) -> None:
    twin = near_duplicate(conn, text, exclude_id)
    if twin is not None:
        state = "waiting for review" if twin["status"] == "pending" else "in the pool"
        raise Refused(f"A question like this is {state} already: “{twin['text']}”")
