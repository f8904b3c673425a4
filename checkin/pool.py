"""The random-question pool: questions the team writes, moderated, then asked in check-ins.

Submit (`submit`) checks the text and refuses a near-duplicate of a pending or
approved question, naming it; admins `moderate` (approve, edit, reject);
`question_for_run` draws one approved question for a run: the least-asked
one first, never one the member was asked in the last 8 weeks, its kind,
options and labels honoured. An anonymous submission stores no submitter
at all. Every read the web app makes takes the viewer first.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from checkin.clock import Clock, iso, system_clock
from checkin.db import transaction
from checkin.viewer import Viewer

MAX_CHARS = 300
MAX_OPTIONS = 10
MAX_OPTION_CHARS = 75  # Slack's limit on a button's text
KINDS = ("text", "choice", "scale")
STATUSES = ("pending", "approved", "rejected")
SOURCES = ("slack_command", "slack_home", "web", "demo")
DEFAULT_LABELS = ["very low", "low", "medium", "high", "very high"]
NOT_AGAIN_WITHIN = timedelta(weeks=8)

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
    "what's": "what is", "you've": "you have", "you're": "you are", "you'd": "you would",
    "isn't": "is not", "don't": "do not", "doesn't": "does not", "didn't": "did not",
    "it's": "it is", "who's": "who is", "that's": "that is", "i'm": "i am", "i've": "i have",
    "i'd": "i would", "where's": "where is", "how's": "how is", "let's": "let us",
    "won't": "will not", "can't": "can not",
}  # fmt: skip
SPELLINGS = {"favourite": "favorite", "colour": "color", "travelling": "traveling"}

# What is not words: Slack mentions, channels, links, emoji codes, HTML-ish tags,
# formatting characters.
MARKUP = re.compile(
    r"<[@#!][^>]*>|<https?://[^>]*>|https?://\S+|<[^>]{0,200}>|:[a-z0-9_+\-']+:|[*_~`>|#\[\]()]"
)


class Refused(Exception):
    """A submission or edit that cannot be kept; str() is the reason to show the person."""


@dataclass(frozen=True)
class Submitted:
    id: int
    text: str


@dataclass(frozen=True)
class Moderated:
    """The outcome of a moderation click or form: `changed` False when someone was first."""

    id: int
    status: str
    changed: bool
    reviewed_by: str | None
    text: str
    submitted_by: str | None


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


def check_text(text: str | None) -> str:
    """The question as it will be kept (trimmed, inner spacing tidied), or `Refused`."""
    text = unicodedata.normalize("NFC", str(text or "")).strip()
    text = re.sub(r"[ \t]+", " ", text)
    if not text:
        raise Refused("The question is empty: write it out first.")
    if len(text) > MAX_CHARS:
        raise Refused(
            f"The question is {len(text)} characters long; keep it to {MAX_CHARS} or fewer."
        )
    if not re.search(r"\w", MARKUP.sub(" ", text)):
        raise Refused(
            "The question has no words, only markup (mentions, links, emoji or formatting): "
            "write it out in words."
        )
    return text


def check_choices(
    kind: str, options: Sequence[str] | None, labels: Sequence[str] | None
) -> tuple[str | None, str | None]:
    """The options and labels as stored (JSON), or `Refused` with the reason."""
    if kind not in KINDS:
        raise Refused(f"A question is one of {', '.join(KINDS)}, not {kind!r}.")
    if kind == "choice":
        opts = [o.strip() for o in options or [] if o and o.strip()]
        if len(opts) < 2:
            raise Refused("A choice question needs at least 2 options.")
        if len(opts) > MAX_OPTIONS:
            raise Refused(f"A choice question has at most {MAX_OPTIONS} options.")
        if any(len(o) > MAX_OPTION_CHARS for o in opts):
            raise Refused(f"Keep each option to {MAX_OPTION_CHARS} characters.")
        if len({o.lower() for o in opts}) != len(opts):
            raise Refused("Two options are the same.")
        return json.dumps(opts), None
    if kind == "scale":
        given = [lab.strip() for lab in labels or [] if lab and lab.strip()]
        if not given:
            given = list(DEFAULT_LABELS)
        if len(given) != 5:
            raise Refused("A 1–5 scale question needs exactly 5 labels, one for each point.")
        if any(len(lab) > MAX_OPTION_CHARS for lab in given):
            raise Refused(f"Keep each label to {MAX_OPTION_CHARS} characters.")
        return None, json.dumps(given)
    return None, None


def split_list(text: str | None) -> list[str]:
    """Options or labels typed one per line or separated by commas."""
    raw = str(text or "")
    parts = raw.splitlines() if "\n" in raw.strip() else raw.split(",")
    return [p.strip() for p in parts if p.strip()]


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
        query, contents, scorer=fuzz.token_sort_ratio, limit=None,
        score_cutoff=2 * PARAPHRASE_THRESHOLD - 100,
    ):  # fmt: skip
        score = (letters + 100 * Indel.normalized_similarity(stems, _stems(contents[index]))) / 2
        if score >= PARAPHRASE_THRESHOLD and score > best_score:
            best, best_score = rows[index], score
    return best


def _refuse_duplicate(conn: sqlite3.Connection, text: str, exclude_id: int | None = None) -> None:
    twin = near_duplicate(conn, text, exclude_id)
    if twin is not None:
        state = "waiting for review" if twin["status"] == "pending" else "in the pool"
        raise Refused(f"A question like this is {state} already: “{twin['text']}”")


def submit(
    conn: sqlite3.Connection,
    text: str | None,
    *,
    submitted_by: str | None,
    source: str,
    kind: str = "text",
    options: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    anonymous: bool = False,
    status: str = "pending",
    clock: Clock = system_clock,
) -> Submitted:
    """Keep a new question as pending; `Refused` with the reason when it cannot be kept.

    With `anonymous` the submitter is not stored at all (not merely hidden).
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    clean = check_text(text)
    options_json, labels_json = check_choices(kind, options, labels)
    with transaction(conn):
        _refuse_duplicate(conn, clean)
        new_id = conn.execute(
            "INSERT INTO pool_questions (text, kind, labels, options, submitted_by, status, "
            "created_at, source, anonymous, normalized) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                clean, kind, labels_json, options_json, None if anonymous else submitted_by,
                status, iso(clock()), source, int(anonymous), normalise(clean),
            ),
        ).lastrowid  # fmt: skip
    return Submitted(id=new_id, text=clean)


def get(conn: sqlite3.Connection, question_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM pool_questions WHERE id = ?", (question_id,)).fetchone()


def moderate(
    conn: sqlite3.Connection,
    question_id: int,
    action: str,
    by: str,
    *,
    text: str | None = None,
    only_pending: bool = True,
    clock: Clock = system_clock,
) -> Moderated:
    """Approve, reject or edit (then approve) a question.

    With `only_pending` (the Slack buttons) only the first moderation counts:
    a later click returns `changed=False` with the earlier outcome. The web
    page may also change an approved or rejected question's status.
    """
    if action not in ("approve", "reject", "edit"):
        raise ValueError(f"unknown moderation {action!r}")
    status = "rejected" if action == "reject" else "approved"
    now = iso(clock())
    with transaction(conn):
        row = get(conn, question_id)
        if row is None:
            raise Refused(f"There is no pool question #{question_id}.")
        if only_pending and row["status"] != "pending":
            return _moderated(row, changed=False)
        new_text = row["text"]
        if action == "edit":
            new_text = check_text(text)
            if new_text != row["text"]:
                _refuse_duplicate(conn, new_text, exclude_id=question_id)
        elif status == "approved":
            _refuse_duplicate(conn, row["text"], exclude_id=question_id)
        conn.execute(
            "UPDATE pool_questions SET status = ?, reviewed_by = ?, reviewed_at = ?, text = ?, "
            "normalized = ?, original_text = CASE WHEN text != ? THEN COALESCE(original_text, "
            "text) ELSE original_text END, outcome_told_at = NULL WHERE id = ?",
            (status, by, now, new_text, normalise(new_text), new_text, question_id),
        )
        after = get(conn, question_id)
    return _moderated(after, changed=True)


def edit_text(
    conn: sqlite3.Connection, question_id: int, text: str, by: str, clock: Clock = system_clock
) -> Moderated:
    """Change a question's wording and keep its status (the web page's edit)."""
    new_text = check_text(text)
    with transaction(conn):
        row = get(conn, question_id)
        if row is None:
            raise Refused(f"There is no pool question #{question_id}.")
        if new_text != row["text"]:
            _refuse_duplicate(conn, new_text, exclude_id=question_id)
            conn.execute(
                "UPDATE pool_questions SET text = ?, normalized = ?, "
                "original_text = COALESCE(original_text, text), reviewed_by = ?, "
                "reviewed_at = ? WHERE id = ?",
                (new_text, normalise(new_text), by, iso(clock()), question_id),
            )
        after = get(conn, question_id)
    return _moderated(after, changed=new_text != row["text"])


def _moderated(row: sqlite3.Row, changed: bool) -> Moderated:
    return Moderated(
        id=row["id"], status=row["status"], changed=changed, reviewed_by=row["reviewed_by"],
        text=row["text"], submitted_by=row["submitted_by"],
    )  # fmt: skip


# --- admins ---------------------------------------------------------------------


def admin_ids(conn: sqlite3.Connection, configured: Iterable[str] = ()) -> list[str]:
    """Who moderates: the configured ids (CHECKIN_ADMINS) and members Slack says are admins."""
    ids = list(dict.fromkeys(configured))
    for (slack_id,) in conn.execute(
        "SELECT slack_id FROM members WHERE is_admin = 1 AND active = 1 AND is_bot = 0 "
        "ORDER BY slack_id"
    ):
        if slack_id not in ids:
            ids.append(slack_id)
    return ids


def is_admin(
    conn: sqlite3.Connection, slack_id: str | None, configured: Iterable[str] = ()
) -> bool:
    if not slack_id:
        return False
    if slack_id in set(configured):
        return True
    row = conn.execute(
        "SELECT is_admin FROM members WHERE slack_id = ? AND active = 1", (slack_id,)
    ).fetchone()
    return bool(row and row[0])


def viewer_moderates(
    conn: sqlite3.Connection, viewer: Viewer, configured: Iterable[str] = ()
) -> bool:
    """Whether the web app's viewer may moderate: an admin, by role or as recorded."""
    return viewer.is_admin or is_admin(conn, viewer.slack_id, configured)


def moderate_as(
    conn: sqlite3.Connection,
    viewer: Viewer,
    question_id: int,
    action: str,
    *,
    text: str | None = None,
    configured: Iterable[str] = (),
    clock: Clock = system_clock,
) -> Moderated:
    """The web page's moderation (approve, reject, or a new wording that keeps the status),
    for admins only: `Refused` for anyone else."""
    if not viewer_moderates(conn, viewer, configured):
        raise Refused("Only admins moderate the question pool.")
    by = viewer.slack_id or "operator"
    if action == "edit":
        return edit_text(conn, question_id, text or "", by, clock=clock)
    return moderate(conn, question_id, action, by, only_pending=False, clock=clock)


# --- moderation messages and outcomes (the bot's bookkeeping) ---------------------


def awaiting_moderation_dms(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Pending questions whose admins have not been DMed yet (submitted on the web, say)."""
    return conn.execute(
        "SELECT * FROM pool_questions WHERE status = 'pending' AND moderation_sent_at IS NULL "
        "ORDER BY id"
    ).fetchall()


def claim_moderation_dms(
    conn: sqlite3.Connection, question_id: int, clock: Clock = system_clock
) -> bool:
    """Mark a question's admin DMs as being sent; False when another pass did it."""
    with transaction(conn):
        return (
            conn.execute(
                "UPDATE pool_questions SET moderation_sent_at = ? WHERE id = ? "
                "AND moderation_sent_at IS NULL",
                (iso(clock()), question_id),
            ).rowcount
            == 1
        )


def keep_moderation_message(
    conn: sqlite3.Connection,
    question_id: int,
    admin_id: str,
    channel_id: str,
    ts: str,
    text: str | None = None,
) -> None:
    """An admin's moderation DM as posted, with the wording it shows (default: the current)."""
    with transaction(conn):
        conn.execute(
            "INSERT OR REPLACE INTO pool_moderation_messages (pool_question_id, admin_id, "
            "channel_id, message_ts, updated, shown_text) VALUES (?, ?, ?, ?, 0, "
            "COALESCE(?, (SELECT text FROM pool_questions WHERE id = ?)))",
            (question_id, admin_id, channel_id, ts, text, question_id),
        )


def reworded_moderation_messages(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Admin DMs of a still pending question that show an earlier wording (edited on the web)."""
    return conn.execute(
        "SELECT m.*, q.text FROM pool_moderation_messages m JOIN pool_questions q "
        "ON q.id = m.pool_question_id WHERE m.updated = 0 AND q.status = 'pending' "
        "AND m.shown_text IS NOT q.text ORDER BY m.pool_question_id, m.admin_id"
    ).fetchall()


def mark_message_shows(
    conn: sqlite3.Connection, question_id: int, admin_id: str, text: str
) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE pool_moderation_messages SET shown_text = ? WHERE pool_question_id = ? "
            "AND admin_id = ?",
            (text, question_id, admin_id),
        )


def moderation_messages(conn: sqlite3.Connection, question_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM pool_moderation_messages WHERE pool_question_id = ? ORDER BY admin_id",
        (question_id,),
    ).fetchall()


def mark_message_updated(conn: sqlite3.Connection, question_id: int, admin_id: str) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE pool_moderation_messages SET updated = 1 WHERE pool_question_id = ? "
            "AND admin_id = ?",
            (question_id, admin_id),
        )


def outcomes_to_tell(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Moderated questions whose submitter (known, not anonymous) has not been told."""
    return conn.execute(
        "SELECT * FROM pool_questions WHERE status != 'pending' AND outcome_told_at IS NULL "
        "AND reviewed_at IS NOT NULL ORDER BY id"
    ).fetchall()


def stale_moderation_messages(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Admin DMs still showing buttons for a question someone has moderated."""
    return conn.execute(
        "SELECT m.*, q.status FROM pool_moderation_messages m JOIN pool_questions q "
        "ON q.id = m.pool_question_id WHERE m.updated = 0 AND q.status != 'pending' "
        "ORDER BY m.pool_question_id, m.admin_id"
    ).fetchall()


def mark_outcome_told(
    conn: sqlite3.Connection, question_id: int, clock: Clock = system_clock
) -> bool:
    with transaction(conn):
        return (
            conn.execute(
                "UPDATE pool_questions SET outcome_told_at = ? WHERE id = ? "
                "AND outcome_told_at IS NULL",
                (iso(clock()), question_id),
            ).rowcount
            == 1
        )


# --- asking ------------------------------------------------------------------------


def question_for_run(
    conn: sqlite3.Connection,
    checkin_id: int,
    member_id: str,
    local_date: date,
    clock: Clock = system_clock,
) -> int | None:
    """The `questions` row id of the pool question to add to this member's run, or None.

    The least-asked approved question first (then the one asked longest ago),
    never one this member was asked in the 8 weeks before `local_date`. A pool
    question becomes a (non-active) question of the check-in the first time it
    is drawn, with its kind, options and labels, so its answers are stored and
    reported like any other. A second draw for the same run returns the same
    question and counts nothing.
    """
    day = local_date.isoformat()
    since = (local_date - NOT_AGAIN_WITHIN + timedelta(days=1)).isoformat()
    now = iso(clock())
    with transaction(conn):
        drawn = conn.execute(
            "SELECT question_id FROM pool_asks WHERE checkin_id = ? AND member_id = ? "
            "AND local_date = ?",
            (checkin_id, member_id, day),
        ).fetchone()
        if drawn is not None:
            return drawn[0]
        pool = conn.execute(
            "SELECT * FROM pool_questions p WHERE p.status = 'approved' AND NOT EXISTS ("
            "SELECT 1 FROM pool_asks a WHERE a.member_id = ? AND a.pool_question_id = p.id "
            "AND a.local_date >= ? AND a.local_date <= ?) "
            "ORDER BY p.times_asked, p.last_asked_at IS NOT NULL, p.last_asked_at, p.id LIMIT 1",
            (member_id, since, day),
        ).fetchone()
        if pool is None:
            return None
        row = conn.execute(
            "SELECT id FROM questions WHERE checkin_id = ? AND pool_question_id = ? "
            "AND text = ? ORDER BY id DESC LIMIT 1",
            (checkin_id, pool["id"], pool["text"]),
        ).fetchone()
        if row:
            question_id = row[0]
        else:
            question_id = conn.execute(
                "INSERT INTO questions (checkin_id, position, text, kind, labels, options, "
                "active, pool_question_id, created_at) VALUES (?, 1000, ?, ?, ?, ?, 0, ?, ?)",
                (
                    checkin_id, pool["text"], pool["kind"], pool["labels"], pool["options"],
                    pool["id"], now,
                ),
            ).lastrowid  # fmt: skip
        conn.execute(
            "INSERT INTO pool_asks (checkin_id, member_id, local_date, pool_question_id, "
            "question_id) VALUES (?, ?, ?, ?, ?)",
            (checkin_id, member_id, day, pool["id"], question_id),
        )
        conn.execute(
            "UPDATE pool_questions SET times_asked = times_asked + 1, last_asked_at = ? "
            "WHERE id = ?",
            (now, pool["id"]),
        )
    return question_id


# --- reads for the web app (viewer first) ------------------------------------------------


def listing(conn: sqlite3.Connection, viewer: Viewer) -> list[dict]:
    """The pool as the viewer may see it: admins everything; others the approved
    questions and their own submissions. Submitter is None when anonymous."""
    rows = conn.execute(
        "SELECT p.*, COALESCE(NULLIF(m.real_name, ''), NULLIF(m.name, ''), p.submitted_by) "
        "AS submitter_name, (SELECT COUNT(*) FROM answers a JOIN questions q "
        "ON q.id = a.question_id WHERE q.pool_question_id = p.id AND a.skipped = 0) AS answers "
        "FROM pool_questions p LEFT JOIN members m ON m.slack_id = p.submitted_by "
        "ORDER BY p.status = 'pending' DESC, p.created_at DESC, p.id DESC"
    ).fetchall()
    out = []
    for r in rows:
        own = viewer.slack_id is not None and r["submitted_by"] == viewer.slack_id
        if not (viewer.is_admin or r["status"] == "approved" or own):
            continue
        out.append(
            {
                "id": r["id"],
                "question": r["text"],
                "kind": r["kind"],
                "status": r["status"],
                "submitter": None if r["anonymous"] else r["submitter_name"],
                "anonymous": bool(r["anonymous"]),
                "source": r["source"],
                "times_asked": r["times_asked"],
                "answers": r["answers"],
                "submitted_at": r["created_at"],
                "options": json.loads(r["options"]) if r["options"] else None,
                "labels": json.loads(r["labels"]) if r["labels"] else None,
            }
        )
    return out


def answers_to(conn: sqlite3.Connection, viewer: Viewer, question_id: int) -> list[dict]:
    """Answers to one pool question the viewer may see (who answered: admins and leads)."""
    rows = conn.execute(
        "SELECT a.local_date, a.member_id, a.checkin_id, a.text, a.number, "
        "COALESCE(NULLIF(m.real_name, ''), a.member_id) AS member FROM answers a "
        "JOIN questions q ON q.id = a.question_id LEFT JOIN members m "
        "ON m.slack_id = a.member_id WHERE q.pool_question_id = ? AND a.skipped = 0 "
        "ORDER BY a.local_date DESC, a.id DESC",
        (question_id,),
    ).fetchall()
    return [
        {"date": r["local_date"], "member": r["member"], "answer": r["text"]}
        for r in rows
        if viewer.may_see_member(r["member_id"], r["checkin_id"])
    ]
