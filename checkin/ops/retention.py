"""Retention: answers older than a check-in's `retention_weeks` are deleted.

A check-in's own `retention_weeks` wins; without one the workspace default
(CHECKIN_RETENTION_WEEKS) applies; with neither, answers are kept forever. An
answer goes with its history once its local date is more than that many weeks
before today. Runs stay (they hold no one's words), so participation figures
of old weeks remain. The bot applies it once a day; `python -m checkin
retention --dry-run` says what would go.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta

from checkin.clock import Clock, system_clock
from checkin.db.connection import transaction
from checkin.ops.privacy import merge_fulltext_indexes

BATCH = 2_000  # answers per transaction, so the bot's writes never wait long


@dataclass(frozen=True)
class Expiry:
    checkin: str
    checkin_id: int
    weeks: int
    before: date  # answers of local dates before this go
    answers: int
    history: int

    def line(self, done: bool) -> str:
        verb = "deleted" if done else "would delete"
        return (
            f"{self.checkin}: keeps {self.weeks} weeks; {verb} {self.answers} answers and "
            f"{self.history} earlier values from before {self.before.isoformat()}"
        )


def _has_column(conn: sqlite3.Connection, table: str, column: str) -> bool:
    return any(r[1] == column for r in conn.execute(f"PRAGMA table_info({table})"))


def plan(
    conn: sqlite3.Connection, default_weeks: int | None, clock: Clock = system_clock
) -> list[Expiry]:
    """Per check-in with a retention: what is older than it. Changes nothing."""
    today = clock().date()
    own = _has_column(conn, "checkins", "retention_weeks")
    rows = conn.execute(
        "SELECT id, name, " + ("retention_weeks" if own else "NULL") + " AS weeks "
        "FROM checkins ORDER BY name"
    ).fetchall()
    out = []
    for row in rows:
        weeks = row["weeks"] if row["weeks"] is not None else default_weeks
        if weeks is None:
            continue
        before = today - timedelta(weeks=weeks)
        answers, history = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM((SELECT COUNT(*) FROM answer_history h "
            "WHERE h.answer_id = a.id)), 0) FROM answers a "
            "WHERE a.checkin_id = ? AND a.local_date < ?",
            (row["id"], before.isoformat()),
        ).fetchone()
        out.append(Expiry(row["name"], row["id"], weeks, before, answers, history))
    return out


def apply(
    conn: sqlite3.Connection, default_weeks: int | None, clock: Clock = system_clock
) -> list[Expiry]:
    """Delete what `plan` lists, in small transactions; returns what went."""
    expiries = plan(conn, default_weeks, clock)
    if not any(e.answers for e in expiries):
        return expiries
    previous = conn.execute("PRAGMA secure_delete").fetchone()[0]
    conn.execute("PRAGMA secure_delete = ON")
    try:
        for expiry in expiries:
            while True:
                with transaction(conn):
                    ids = [
                        r[0]
                        for r in conn.execute(
                            "SELECT id FROM answers WHERE checkin_id = ? AND local_date < ? "
                            "LIMIT ?",
                            (expiry.checkin_id, expiry.before.isoformat(), BATCH),
                        )
                    ]
                    if not ids:
                        break
                    marks = ",".join("?" for _ in ids)
                    conn.execute(f"DELETE FROM answer_history WHERE answer_id IN ({marks})", ids)  # noqa: S608
                    conn.execute(f"DELETE FROM answers WHERE id IN ({marks})", ids)  # noqa: S608
        merge_fulltext_indexes(conn)
    finally:
        conn.execute(f"PRAGMA secure_delete = {int(previous)}")
    return expiries
