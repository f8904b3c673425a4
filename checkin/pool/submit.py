"""Submitting a question to the random-question pool: its text, kind and options checked.

An anonymous submission stores no submitter at all.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import transaction
from checkin.errors import Refused
from checkin.pool.duplicates import MARKUP, normalise, refuse_duplicate

MAX_CHARS = 300


MAX_OPTIONS = 10


MAX_OPTION_CHARS = 75  # Slack's limit on a button's text


KINDS = ("text", "choice", "scale")


STATUSES = ("pending", "approved", "rejected")


SOURCES = ("slack_command", "slack_home", "web", "demo")


DEFAULT_LABELS = ["very low", "low", "medium", "high", "very high"]


@dataclass(frozen=True)
class Submitted:
    id: int
    text: str


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
        refuse_duplicate(conn, clean)
        new_id = conn.execute(
            "INSERT INTO pool_questions (text, kind, labels, options, submitted_by, status, "
            "created_at, source, anonymous, normalized) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                clean,
                kind,
                labels_json,
                options_json,
                None if anonymous else submitted_by,
                status,
                iso(clock()),
                source,
                int(anonymous),
                normalise(clean),
            ),
        ).lastrowid
    return Submitted(id=new_id, text=clean)


def get(conn: sqlite3.Connection, question_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM pool_questions WHERE id = ?", (question_id,)).fetchone()
