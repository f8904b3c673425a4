"""Storing answers: never overwritten, one per run and question, edits kept as history."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from checkin.clock import Clock, iso, parse_iso, system_clock
from checkin.db.connection import transaction
from checkin.errors import NotFound

MAX_ANSWER_CHARS = 40_000  # Slack's own cap on a message's text


@dataclass(frozen=True)
class Stored:
    answer_id: int
    created: bool  # False: it was there already (a redelivery or a second click)
    run_complete: bool


def record_answer(
    conn: sqlite3.Connection,
    run_id: int,
    question_id: int,
    *,
    text: str | None = None,
    number: float | None = None,
    skipped: bool = False,
    source: str = "slack",
    request: str | None = None,
    clock: Clock = system_clock,
) -> Stored:
    """Store the first answer to a question of a run; a repeat changes nothing.

    An answer after the run closed is stored and marked late. When the last
    question is answered the run becomes 'answered'. `request` names the Slack
    request the answer came from (a typed message: `message_key`): when an
    answer from it is stored already, to whichever question, nothing changes,
    so a request done again after a crash never answers a second question.
    """
    if text is not None and len(text) > MAX_ANSWER_CHARS:
        text = text[:MAX_ANSWER_CHARS]
    now = clock()
    with transaction(conn):
        earlier = answer_for_request(conn, request) if request else None
        if earlier is not None:
            return Stored(
                answer_id=earlier["id"],
                created=False,
                run_complete=_complete(conn, earlier["run_id"]),
            )
        run = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if run is None:
            raise NotFound(f"no run {run_id}")
        if question_id not in json.loads(run["question_ids"]):
            raise NotFound(f"question {question_id} is not part of run {run_id}")
        question = conn.execute(
            "SELECT text FROM questions WHERE id = ?", (question_id,)
        ).fetchone()
        late = now >= parse_iso(run["closes_at"])
        cur = conn.execute(
            "INSERT OR IGNORE INTO answers (run_id, question_id, checkin_id, member_id, week, "
            "local_date, question_text, text, number, skipped, late, answered_at, source, "
            "request_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                run_id,
                question_id,
                run["checkin_id"],
                run["member_id"],
                run["week"],
                run["local_date"],
                question["text"],
                text,
                number,
                int(skipped),
                int(late),
                iso(now),
                source,
                request,
            ),
        )
        created = cur.rowcount == 1
        if created:
            conn.execute(
                "UPDATE runs SET first_answer_at = COALESCE(first_answer_at, :now), "
                "answered_at = CASE WHEN :skipped THEN answered_at "
                "ELSE COALESCE(answered_at, :now) END WHERE id = :run",
                {"now": iso(now), "skipped": int(skipped), "run": run_id},
            )
        answer_id = conn.execute(
            "SELECT id FROM answers WHERE run_id = ? AND question_id = ?", (run_id, question_id)
        ).fetchone()[0]
        complete = _complete(conn, run_id, run)
        if complete and run["status"] in ("due", "sending", "open", "closed"):
            conn.execute(
                "UPDATE runs SET status = 'answered', completed_at = ? WHERE id = ?",
                (iso(now), run_id),
            )
    return Stored(answer_id=answer_id, created=created, run_complete=complete)


def _complete(conn: sqlite3.Connection, run_id: int, run: sqlite3.Row | None = None) -> bool:
    """Whether every question of the run has its answer."""
    if run is None:
        run = conn.execute("SELECT question_ids FROM runs WHERE id = ?", (run_id,)).fetchone()
    total = len(json.loads(run["question_ids"]))
    done = conn.execute("SELECT COUNT(*) FROM answers WHERE run_id = ?", (run_id,)).fetchone()[0]
    return done >= total


def message_key(channel: object, ts: object) -> str | None:
    """The key of a typed answer's Slack message: its channel and ts (None without them)."""
    return f"{channel}/{ts}" if channel and ts else None


def answer_for_request(conn: sqlite3.Connection, request: str) -> sqlite3.Row | None:
    """The answer the Slack request `request` gave, if one is stored."""
    return conn.execute("SELECT * FROM answers WHERE request_key = ?", (request,)).fetchone()


def edit_answer(
    conn: sqlite3.Connection,
    answer_id: int,
    *,
    text: str | None = None,
    number: float | None = None,
    clock: Clock = system_clock,
) -> bool:
    """Replace an answer's value, keeping the earlier one (and its time) in history.

    Returns False when the new value equals the current one (nothing to keep).
    """
    if text is not None and len(text) > MAX_ANSWER_CHARS:
        text = text[:MAX_ANSWER_CHARS]
    now = iso(clock())
    with transaction(conn):
        old = conn.execute("SELECT * FROM answers WHERE id = ?", (answer_id,)).fetchone()
        if old is None:
            raise NotFound(f"no answer {answer_id}")
        if (old["text"], old["number"], old["skipped"]) == (text, number, 0):
            return False
        conn.execute(
            "INSERT INTO answer_history (answer_id, text, number, skipped, answered_at, "
            "replaced_at) VALUES (?,?,?,?,?,?)",
            (
                answer_id,
                old["text"],
                old["number"],
                old["skipped"],
                old["edited_at"] or old["answered_at"],
                now,
            ),
        )
        conn.execute(
            "UPDATE answers SET text = ?, number = ?, skipped = 0, edited_at = ? WHERE id = ?",
            (text, number, now, answer_id),
        )
        conn.execute(  # a skipped question answered later makes the run answered from now
            "UPDATE runs SET answered_at = COALESCE(answered_at, ?) WHERE id = ?",
            (now, old["run_id"]),
        )
    return True


def answers_of_run(conn: sqlite3.Connection, run_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT a.*, q.kind, q.labels, q.options FROM answers a "
        "JOIN questions q ON q.id = a.question_id WHERE a.run_id = ? ORDER BY a.id",
        (run_id,),
    ).fetchall()


def recent_answers(conn: sqlite3.Connection, member_id: str, limit: int = 5) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT a.*, c.name AS checkin_name FROM answers a JOIN checkins c ON c.id = a.checkin_id "
        "WHERE a.member_id = ? ORDER BY a.answered_at DESC, a.id DESC LIMIT ?",
        (member_id, limit),
    ).fetchall()


def streak(conn: sqlite3.Connection, member_id: str) -> int:
    """Runs answered in a row, newest first; skipped days (or out of office) do not break it."""
    count = 0
    for (status,) in conn.execute(
        "SELECT status FROM runs WHERE member_id = ? AND status IN "
        "('answered', 'closed', 'skipped') ORDER BY local_date DESC, id DESC",
        (member_id,),
    ):
        if status == "answered":
            count += 1
        elif status == "closed":
            break
    return count
