"""The write functions: every change the bot, the CLI, the demo and the web app make.

Each function is one short transaction and takes `clock` for its timestamps.
Uniqueness lives in the schema (runs per check-in, member and local date;
answers per run and question; seen Slack event ids), so a redelivered event
or a second process turns into a no-op instead of a duplicate.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from checkin.clock import Clock, iso, parse_iso, system_clock
from checkin.db import transaction
from checkin.timing import DueRun

MAX_ANSWER_CHARS = 40_000  # Slack's own cap on a message's text


class NotFound(Exception):
    """Something a person named does not exist; str() says what and what to do."""


# --- members ---------------------------------------------------------------


def upsert_member(
    conn: sqlite3.Connection,
    slack_id: str,
    *,
    name: str = "",
    real_name: str = "",
    tz: str = "UTC",
    is_bot: bool = False,
    is_admin: bool = False,
    active: bool = True,
    inactive_reason: str | None = None,
    clock: Clock = system_clock,
) -> None:
    """Create or refresh a member from Slack's profile; pauses are kept."""
    now = iso(clock())
    with transaction(conn):
        conn.execute(
            "INSERT INTO members (slack_id, name, real_name, tz, is_bot, is_admin, active, "
            "inactive_reason, refreshed_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(slack_id) DO UPDATE SET name=excluded.name, "
            "real_name=excluded.real_name, tz=excluded.tz, is_bot=excluded.is_bot, "
            "is_admin=excluded.is_admin, active=excluded.active, "
            "inactive_reason=excluded.inactive_reason, refreshed_at=excluded.refreshed_at",
            (
                slack_id, name, real_name, tz or "UTC", int(is_bot), int(is_admin),
                int(active), None if active else inactive_reason, now, now,
            ),
        )  # fmt: skip


def ensure_member(conn: sqlite3.Connection, slack_id: str, clock: Clock = system_clock) -> None:
    """A row for a member we have not looked up yet (their profile comes later)."""
    with transaction(conn):
        conn.execute(
            "INSERT OR IGNORE INTO members (slack_id, created_at) VALUES (?, ?)",
            (slack_id, iso(clock())),
        )


def deactivate_member(conn: sqlite3.Connection, slack_id: str, reason: str) -> None:
    """Stop asking someone Slack says we cannot reach (user_disabled, channel_not_found)."""
    with transaction(conn):
        conn.execute(
            "UPDATE members SET active = 0, inactive_reason = ? WHERE slack_id = ?",
            (reason, slack_id),
        )


def pause_member(conn: sqlite3.Connection, slack_id: str, until: date | None) -> None:
    """Out of office up to and including `until` (None resumes)."""
    with transaction(conn):
        cur = conn.execute(
            "UPDATE members SET paused_until = ? WHERE slack_id = ?",
            (until.isoformat() if until else None, slack_id),
        )
        if cur.rowcount == 0:
            raise NotFound(f"no member {slack_id}")


def get_member(conn: sqlite3.Connection, slack_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM members WHERE slack_id = ?", (slack_id,)).fetchone()


# --- check-ins and questions -----------------------------------------------


def get_checkin(conn: sqlite3.Connection, name: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM checkins WHERE name = ? COLLATE NOCASE", (name,)).fetchone()
    if row is None:
        names = [r[0] for r in conn.execute("SELECT name FROM checkins ORDER BY name")]
        known = ", ".join(names) if names else "none yet: import one with `checkins import`"
        raise NotFound(f"no check-in named {name!r} (known: {known})")
    return row


def active_questions(conn: sqlite3.Connection, checkin_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM questions WHERE checkin_id = ? AND active = 1 AND pool_question_id IS NULL "
        "ORDER BY position",
        (checkin_id,),
    ).fetchall()


# --- runs --------------------------------------------------------------------


def create_run(
    conn: sqlite3.Connection,
    checkin_id: int,
    due: DueRun,
    question_ids: list[int],
    *,
    status: str = "due",
    clock: Clock = system_clock,
) -> int | None:
    """Claim a run; None when it exists already (another tick, process or restart made it)."""
    with transaction(conn):
        cur = conn.execute(
            "INSERT OR IGNORE INTO runs (checkin_id, member_id, local_date, week, due_at, "
            "closes_at, status, question_ids, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                checkin_id, due.member_id, due.local_date.isoformat(), due.week,
                iso(due.due_at), iso(due.closes_at), status, json.dumps(question_ids),
                iso(clock()),
            ),
        )  # fmt: skip
        return cur.lastrowid if cur.rowcount else None


def get_run(conn: sqlite3.Connection, run_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()


def set_run_status(
    conn: sqlite3.Connection,
    run_id: int,
    status: str,
    *,
    only_if: tuple[str, ...] | None = None,
    clock: Clock = system_clock,
    **fields: object,
) -> bool:
    """Move a run to `status` (optionally only from the given ones); True if it moved."""
    allowed = {
        "channel_id", "message_ts", "asked_question_id", "sent_at", "reminded_at", "snoozed_until",
        "completed_at", "error", "sending_by",
    }  # fmt: skip
    if set(fields) - allowed:
        raise ValueError(f"unknown run fields {set(fields) - allowed}")
    values = {k: iso(v) if isinstance(v, datetime) else v for k, v in fields.items()}
    if status in ("answered", "skipped", "closed") and "completed_at" not in values:
        values["completed_at"] = iso(clock())
    sets = ", ".join(["status = ?"] + [f"{k} = ?" for k in values])
    sql = f"UPDATE runs SET {sets} WHERE id = ?"  # noqa: S608 - column names from `allowed`
    params: list[object] = [status, *values.values(), run_id]
    if only_if:
        sql += f" AND status IN ({', '.join('?' for _ in only_if)})"
        params.extend(only_if)
    with transaction(conn):
        return conn.execute(sql, params).rowcount == 1


def open_run_for(conn: sqlite3.Connection, member_id: str) -> sqlite3.Row | None:
    """The member's run that is waiting for a typed answer (newest open one)."""
    return conn.execute(
        "SELECT * FROM runs WHERE member_id = ? AND status = 'open' "
        "ORDER BY sent_at DESC, id DESC LIMIT 1",
        (member_id,),
    ).fetchone()


def next_question(conn: sqlite3.Connection, run: sqlite3.Row) -> sqlite3.Row | None:
    """The first question of the run with no answer yet."""
    answered = {
        r[0] for r in conn.execute("SELECT question_id FROM answers WHERE run_id = ?", (run["id"],))
    }
    for qid in json.loads(run["question_ids"]):
        if qid not in answered:
            return conn.execute("SELECT * FROM questions WHERE id = ?", (qid,)).fetchone()
    return None


# --- answers -----------------------------------------------------------------


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
    clock: Clock = system_clock,
) -> Stored:
    """Store the first answer to a question of a run; a repeat changes nothing.

    An answer after the run closed is stored and marked late. When the last
    question is answered the run becomes 'answered'.
    """
    if text is not None and len(text) > MAX_ANSWER_CHARS:
        text = text[:MAX_ANSWER_CHARS]
    now = clock()
    with transaction(conn):
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
            "local_date, question_text, text, number, skipped, late, answered_at, source) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                run_id, question_id, run["checkin_id"], run["member_id"], run["week"],
                run["local_date"], question["text"], text, number, int(skipped), int(late),
                iso(now), source,
            ),
        )  # fmt: skip
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
        total = len(json.loads(run["question_ids"]))
        done = conn.execute("SELECT COUNT(*) FROM answers WHERE run_id = ?", (run_id,)).fetchone()[
            0
        ]
        complete = done >= total
        if complete and run["status"] in ("due", "sending", "open", "closed"):
            conn.execute(
                "UPDATE runs SET status = 'answered', completed_at = ? WHERE id = ?",
                (iso(now), run_id),
            )
    return Stored(answer_id=answer_id, created=created, run_complete=complete)


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
                answer_id, old["text"], old["number"], old["skipped"],
                old["edited_at"] or old["answered_at"], now,
            ),
        )  # fmt: skip
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


# --- outbox --------------------------------------------------------------------

OUTBOX_KINDS = ("send_checkin", "post_report", "feedback_invites")


def enqueue(
    conn: sqlite3.Connection,
    kind: str,
    payload: dict,
    *,
    requested_by: str | None = None,
    clock: Clock = system_clock,
) -> int:
    """Ask the bot to do something in Slack; it picks the row up within seconds."""
    if kind not in OUTBOX_KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    with transaction(conn):
        return conn.execute(
            "INSERT INTO outbox (kind, payload, requested_by, created_at) VALUES (?, ?, ?, ?)",
            (kind, json.dumps(payload), requested_by, iso(clock())),
        ).lastrowid


def claim_outbox(
    conn: sqlite3.Connection, clock: Clock = system_clock, running_here: set[int] | None = None
) -> sqlite3.Row | None:
    """Take the oldest pending row (or one left 'running' by a crashed bot).

    `running_here`: ids this process is still working on; never taken again,
    however long they run.
    """
    now = clock()
    stale = iso(now - timedelta(minutes=5))
    mine = sorted(running_here or ())
    not_mine = f" AND id NOT IN ({', '.join('?' for _ in mine)})" if mine else ""
    with transaction(conn):
        sql = (
            "SELECT * FROM outbox WHERE status = 'pending' "  # noqa: S608 - marks are only "?"
            f"OR (status = 'running' AND started_at < ?{not_mine}) "
            "ORDER BY id LIMIT 1"
        )
        row = conn.execute(sql, (stale, *mine)).fetchone()
        if row is None:
            return None
        conn.execute(
            "UPDATE outbox SET status = 'running', started_at = ?, attempts = attempts + 1 "
            "WHERE id = ?",
            (iso(now), row["id"]),
        )
    return conn.execute("SELECT * FROM outbox WHERE id = ?", (row["id"],)).fetchone()


def finish_outbox(
    conn: sqlite3.Connection, outbox_id: int, error: str | None = None, clock: Clock = system_clock
) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE outbox SET status = ?, error = ?, finished_at = ? WHERE id = ?",
            ("failed" if error else "done", error, iso(clock()), outbox_id),
        )


# --- inbox: acknowledged Slack requests whose work is not done yet ------------------


def inbox_add(
    conn: sqlite3.Connection,
    kind: str,
    member_id: str | None,
    payload: str,
    *,
    event_id: str | None = None,
    clock: Clock = system_clock,
) -> int | None:
    """Keep a request before it is acknowledged: one INSERT, its own transaction.

    Returns the row id, or None when `event_id` is kept already (a redelivery).
    """
    cur = conn.execute(
        "INSERT OR IGNORE INTO inbox (received_at, kind, member_id, event_id, payload) "
        "VALUES (?, ?, ?, ?, ?)",
        (iso(clock()), kind, member_id, event_id, payload),
    )
    return cur.lastrowid if cur.rowcount == 1 else None


def inbox_done(conn: sqlite3.Connection, inbox_id: int, clock: Clock = system_clock) -> None:
    conn.execute(
        "UPDATE inbox SET done_at = ? WHERE id = ? AND done_at IS NULL", (iso(clock()), inbox_id)
    )


def inbox_pending(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Requests acknowledged but never done (the bot stopped first), oldest first."""
    return conn.execute("SELECT * FROM inbox WHERE done_at IS NULL ORDER BY id").fetchall()


def forget_inbox(
    conn: sqlite3.Connection, older_than: timedelta, clock: Clock = system_clock
) -> int:
    """Done requests older than `older_than` go: they hold answers' text."""
    with transaction(conn):
        return conn.execute(
            "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?",
            (iso(clock() - older_than),),
        ).rowcount


def retry_failed_report_post(
    conn: sqlite3.Connection,
    checkin_id: int,
    week: str,
    channel: str,
    owner: str,
    after: timedelta,
    clock: Clock = system_clock,
) -> bool:
    """Claim again a week's report post that failed at least `after` ago; True if claimed.

    A failure a person fixes (the bot invited to the channel) is not final:
    the bot tries again while the week's report is due. One UPDATE, so only
    one process gets it.
    """
    now = clock()
    with transaction(conn):
        return (
            conn.execute(
                "UPDATE report_posts SET status = 'posting', channel = ?, claimed_by = ?, "
                "claimed_at = ?, error = NULL WHERE checkin_id = ? AND week = ? "
                "AND status = 'failed' AND (claimed_at IS NULL OR claimed_at < ?)",
                (channel, owner, iso(now), checkin_id, week, iso(now - after)),
            ).rowcount
            == 1
        )


# --- events, heartbeat, de-duplication -----------------------------------------


def record_event(
    conn: sqlite3.Connection,
    kind: str,
    *,
    method: str | None = None,
    error: str | None = None,
    checkin_id: int | None = None,
    member_id: str | None = None,
    duration_ms: float | None = None,
    detail: dict | str | None = None,
    clock: Clock = system_clock,
) -> None:
    if isinstance(detail, dict):
        detail = json.dumps(detail)
    with transaction(conn):
        conn.execute(
            "INSERT INTO events (at, kind, method, error, checkin_id, member_id, duration_ms, "
            "detail) VALUES (?,?,?,?,?,?,?,?)",
            (iso(clock()), kind, method, error, checkin_id, member_id, duration_ms, detail),
        )


def forget_events(
    conn: sqlite3.Connection, older_than: timedelta, clock: Clock = system_clock
) -> int:
    """Events older than `older_than` go (CHECKIN_EVENTS_DAYS), so they do not grow forever.

    Deleted in batches of 5,000 so the web app's reads never wait long.
    """
    cutoff = iso(clock() - older_than)
    total = 0
    while True:
        with transaction(conn):
            n = conn.execute(
                "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < ? LIMIT 5000)",
                (cutoff,),
            ).rowcount
        total += n
        if n < 5000:
            return total


def first_sighting(conn: sqlite3.Connection, event_id: str, clock: Clock = system_clock) -> bool:
    """True the first time an event id is seen; False for a redelivery."""
    with transaction(conn):
        cur = conn.execute(
            "INSERT OR IGNORE INTO seen_events (event_id, seen_at) VALUES (?, ?)",
            (event_id, iso(clock())),
        )
        return cur.rowcount == 1


def forget_seen_events(
    conn: sqlite3.Connection, older_than: timedelta, clock: Clock = system_clock
) -> int:
    with transaction(conn):
        return conn.execute(
            "DELETE FROM seen_events WHERE seen_at < ?", (iso(clock() - older_than),)
        ).rowcount


@dataclass(frozen=True)
class Heartbeat:
    pid: int
    host: str
    env: str
    dev_users: list[str]
    started_at: datetime
    beat_at: datetime
    connected: bool
    detail: dict
    instance: str | None = None
    stopped_at: datetime | None = None  # a clean stop: the bot is not running

    def age(self, now: datetime) -> timedelta:
        return now - self.beat_at

    def is_stale(self, now: datetime, after: timedelta = timedelta(seconds=90)) -> bool:
        """True when no bot is taken to be running: stopped, or silent for `after`."""
        return self.stopped_at is not None or self.age(now) > after


def beat(
    conn: sqlite3.Connection,
    *,
    env: str,
    dev_users: tuple[str, ...] | list[str],
    started_at: datetime,
    connected: bool,
    detail: dict | None = None,
    clock: Clock = system_clock,
    pid: int | None = None,
    host: str | None = None,
    instance: str | None = None,
) -> None:
    """Write the heartbeat as this process's, whoever held it (a claim: see `claim_heartbeat`)."""
    with transaction(conn):
        conn.execute(
            "INSERT INTO heartbeat (id, pid, host, env, dev_users, started_at, beat_at, connected, "
            "detail, instance, stopped_at) VALUES (1,?,?,?,?,?,?,?,?,?,NULL) "
            "ON CONFLICT(id) DO UPDATE SET pid=excluded.pid, "
            "host=excluded.host, env=excluded.env, dev_users=excluded.dev_users, "
            "started_at=excluded.started_at, beat_at=excluded.beat_at, "
            "connected=excluded.connected, detail=excluded.detail, instance=excluded.instance, "
            "stopped_at=NULL",
            (
                pid or os.getpid(), host or socket.gethostname(), env,
                json.dumps(list(dev_users)), iso(started_at), iso(clock()), int(connected),
                json.dumps(detail or {}), instance,
            ),
        )  # fmt: skip


def beat_if_ours(
    conn: sqlite3.Connection,
    *,
    env: str,
    dev_users: tuple[str, ...] | list[str],
    started_at: datetime,
    connected: bool,
    detail: dict | None = None,
    clock: Clock = system_clock,
    instance: str | None = None,
) -> bool:
    """Refresh this process's heartbeat; False when another bot holds it (ours was taken over).

    The update is fenced on pid, host and instance, so a bot that stalled past
    the stale limit cannot overwrite the claim of the one that took over, even
    when both are pid 1 in containers named alike. With no row at all (nobody
    claimed, or it was cleared) the heartbeat is claimed.
    """
    pid, host = os.getpid(), socket.gethostname()
    with transaction(conn):
        cur = conn.execute(
            "UPDATE heartbeat SET env = ?, dev_users = ?, beat_at = ?, connected = ?, detail = ? "
            "WHERE id = 1 AND pid = ? AND host = ? AND instance IS ? AND stopped_at IS NULL",
            (
                env, json.dumps(list(dev_users)), iso(clock()), int(connected),
                json.dumps(detail or {}), pid, host, instance,
            ),
        )  # fmt: skip
        if cur.rowcount == 1:
            return True
        if conn.execute("SELECT 1 FROM heartbeat WHERE id = 1").fetchone() is not None:
            return False
        beat(
            conn, env=env, dev_users=dev_users, started_at=started_at, connected=connected,
            detail=detail, clock=clock, instance=instance,
        )  # fmt: skip
    return True


def read_heartbeat(conn: sqlite3.Connection) -> Heartbeat | None:
    row = conn.execute("SELECT * FROM heartbeat WHERE id = 1").fetchone()
    if row is None:
        return None
    return Heartbeat(
        pid=row["pid"],
        host=row["host"],
        env=row["env"],
        dev_users=json.loads(row["dev_users"]),
        started_at=parse_iso(row["started_at"]),
        beat_at=parse_iso(row["beat_at"]),
        connected=bool(row["connected"]),
        detail=json.loads(row["detail"] or "{}"),
        instance=row["instance"],
        stopped_at=parse_iso(row["stopped_at"]) if row["stopped_at"] else None,
    )


def clear_heartbeat(
    conn: sqlite3.Connection, instance: str | None = None, clock: Clock = system_clock
) -> None:
    """A clean stop: the heartbeat says so (only our own: this pid, host and instance)."""
    with transaction(conn):
        conn.execute(
            "UPDATE heartbeat SET stopped_at = ?, connected = 0 "
            "WHERE pid = ? AND host = ? AND instance IS ?",
            (iso(clock()), os.getpid(), socket.gethostname(), instance),
        )


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host (it may be someone else's)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return True
    return True


# --- the bot's scheduler and conversation --------------------------------------


def claim_heartbeat(
    conn: sqlite3.Connection,
    *,
    env: str,
    dev_users: tuple[str, ...] | list[str],
    started_at: datetime,
    stale_after: timedelta = timedelta(seconds=90),
    clock: Clock = system_clock,
    instance: str | None = None,
) -> Heartbeat | None:
    """Become the one running bot; returns the live holder instead when there is one.

    Taken over: a claim of a bot that stopped cleanly; on this host, one whose
    pid is not alive (a kill -9, an OOM kill, a crash: restart at once); on
    another host (or when the pid is ours, as pid 1 in containers), one whose
    heartbeat is `stale_after` old. Read and write happen in one write
    transaction, so two bots starting at the same moment cannot both win.
    """
    now = clock()
    with transaction(conn):
        holder = read_heartbeat(conn)
        if holder is not None and not _claim_is_free(holder, now, stale_after):
            return holder
        beat(
            conn, env=env, dev_users=dev_users, started_at=started_at, connected=False,
            clock=clock, instance=instance,
        )  # fmt: skip
    return None


def _claim_is_free(holder: Heartbeat, now: datetime, stale_after: timedelta) -> bool:
    if holder.stopped_at is not None or holder.is_stale(now, stale_after):
        return True
    if holder.host != socket.gethostname():
        return False
    if holder.pid == os.getpid():
        return False  # ours, or another container's pid 1 under the same name: wait it out
    return not pid_alive(holder.pid)


def active_checkins(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM checkins WHERE active = 1 ORDER BY name").fetchall()


def members_by_id(conn: sqlite3.Connection, ids: list[str]) -> list[sqlite3.Row]:
    rows: list[sqlite3.Row] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows += conn.execute(
            f"SELECT * FROM members WHERE slack_id IN ({marks}) ORDER BY slack_id",  # noqa: S608
            chunk,
        ).fetchall()
    return rows


def run_keys(conn: sqlite3.Connection, checkin_id: int, since: date) -> set[tuple[str, str]]:
    """(member, local date) of the check-in's runs from `since` on: the ones not to create again."""
    return {
        (r[0], r[1])
        for r in conn.execute(
            "SELECT member_id, local_date FROM runs WHERE checkin_id = ? AND local_date >= ?",
            (checkin_id, since.isoformat()),
        )
    }


def runs_to_send(conn: sqlite3.Connection, now: datetime) -> list[sqlite3.Row]:
    """Runs created but not yet sent whose window is still open, oldest first."""
    return conn.execute(
        "SELECT r.* FROM runs r JOIN checkins c ON c.id = r.checkin_id "
        "WHERE r.status = 'due' AND r.closes_at > ? AND c.active = 1 ORDER BY r.due_at, r.id",
        (iso(now),),
    ).fetchall()


def runs_left_sending(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Runs claimed for sending and never confirmed, oldest first.

    Which of them are still being sent only the bot knows (its sends in
    flight); the others were left by a stopped bot or by a post whose outcome
    is unknown, and are looked up in the DM.
    """
    return conn.execute("SELECT * FROM runs WHERE status = 'sending' ORDER BY id").fetchall()


def runs_to_wake(conn: sqlite3.Connection, now: datetime) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM runs WHERE status = 'open' AND snoozed_until IS NOT NULL "
        "AND snoozed_until <= ? ORDER BY id",
        (iso(now),),
    ).fetchall()


def runs_to_remind(conn: sqlite3.Connection, now: datetime | None = None) -> list[sqlite3.Row]:
    """Open runs with no reminder yet, with the check-in's delay and the member's pause."""
    return conn.execute(
        "SELECT r.*, c.reminder_minutes, m.paused_until FROM runs r "
        "JOIN checkins c ON c.id = r.checkin_id JOIN members m ON m.slack_id = r.member_id "
        "WHERE r.status = 'open' AND r.reminded_at IS NULL AND r.snoozed_until IS NULL "
        "AND r.sent_at IS NOT NULL AND (r.post_after IS NULL OR r.post_after <= ?) ORDER BY r.id",
        (iso(now or datetime.now(UTC)),),
    ).fetchall()


def runs_past_window(conn: sqlite3.Connection, now: datetime) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM runs WHERE status IN ('due', 'open') AND closes_at <= ? ORDER BY id",
        (iso(now),),
    ).fetchall()


def unclaim_reminder(conn: sqlite3.Connection, run_id: int, retry_at: datetime) -> None:
    """A reminder that could not be posted (and surely was not) is tried again from `retry_at`."""
    with transaction(conn):
        conn.execute(
            "UPDATE runs SET reminded_at = NULL, post_after = ? WHERE id = ? AND status = 'open'",
            (iso(retry_at), run_id),
        )


def claim_reminder(conn: sqlite3.Connection, run_id: int, clock: Clock = system_clock) -> bool:
    """Mark a run reminded; False when it was reminded, answered or snoozed meanwhile."""
    with transaction(conn):
        return (
            conn.execute(
                "UPDATE runs SET reminded_at = ? WHERE id = ? AND status = 'open' "
                "AND reminded_at IS NULL AND snoozed_until IS NULL",
                (iso(clock()), run_id),
            ).rowcount
            == 1
        )


def snooze_run(conn: sqlite3.Connection, run_id: int, until: datetime) -> bool:
    """Hold an open run's questions until `until`; False when it is not open or already snoozed."""
    with transaction(conn):
        return (
            conn.execute(
                "UPDATE runs SET snoozed_until = ? WHERE id = ? AND status = 'open' "
                "AND snoozed_until IS NULL",
                (iso(until), run_id),
            ).rowcount
            == 1
        )


def wake_run(conn: sqlite3.Connection, run_id: int, now: datetime | None = None) -> bool:
    """End a snooze (when it is over at `now`, or at once with None); True if this call ended it.

    A snooze that ran out (`now` given) leaves the run owing its question
    ("back from your snooze", `post_owed = 'wake'`) until it is posted, and
    counts as its reminder: the member gets one message, not two.
    """
    sql = "UPDATE runs SET snoozed_until = NULL WHERE id = ? AND snoozed_until IS NOT NULL"
    params: list[object] = [run_id]
    if now is not None:
        sql = (
            "UPDATE runs SET snoozed_until = NULL, post_owed = 'wake', post_attempts = 0, "
            "post_after = NULL, reminded_at = COALESCE(reminded_at, ?) "
            "WHERE id = ? AND snoozed_until IS NOT NULL AND snoozed_until <= ?"
        )
        params = [iso(now), run_id, iso(now)]
    with transaction(conn):
        return conn.execute(sql, params).rowcount == 1


def set_run_message(
    conn: sqlite3.Connection,
    run_id: int,
    channel_id: str,
    message_ts: str,
    question_id: int | None = None,
) -> None:
    """The run's newest question message, which a typed answer updates, and its question.

    The member has a question to answer now: nothing is owed any more.
    """
    with transaction(conn):
        conn.execute(
            "UPDATE runs SET channel_id = ?, message_ts = ?, "
            "asked_question_id = COALESCE(?, asked_question_id), post_owed = NULL, "
            "post_unsure = 0, post_attempts = 0, post_after = NULL WHERE id = ?",
            (channel_id, message_ts, question_id, run_id),
        )


def set_run_recap(conn: sqlite3.Connection, run_id: int, recap_ts: str) -> None:
    """The recap of an answered run is in the DM: nothing is owed any more."""
    with transaction(conn):
        conn.execute(
            "UPDATE runs SET recap_ts = ?, post_owed = NULL, post_unsure = 0, post_attempts = 0, "
            "post_after = NULL WHERE id = ?",
            (recap_ts, run_id),
        )


# A run owes its member a message when the shown question is answered (the
# next question, or the recap once all are), or when a snooze ran out.
_OWES_POST = (
    "r.status IN ('open', 'answered', 'closed') AND r.sent_at IS NOT NULL "
    "AND r.snoozed_until IS NULL AND r.closes_at > :since "
    "AND (r.post_owed IS NULL OR r.post_owed != 'failed') AND ("
    "(r.post_owed = 'wake' AND r.status = 'open') OR ("
    "r.asked_question_id IS NOT NULL AND EXISTS (SELECT 1 FROM answers a "
    "WHERE a.run_id = r.id AND a.question_id = r.asked_question_id) "
    "AND NOT (r.status = 'answered' AND r.recap_ts IS NOT NULL)))"
)


def runs_owing_post(
    conn: sqlite3.Connection,
    now: datetime,
    closed_since: datetime,
    member_id: str | None = None,
) -> list[sqlite3.Row]:
    """Runs that owe their member the next message and may be tried at `now` (of one member,
    whatever their retry time, with `member_id`).

    Only runs whose window closed at or after `closed_since` (a late answer's
    follow-up is still wanted for a while, not days later).
    """
    if member_id is not None:
        return conn.execute(
            f"SELECT r.* FROM runs r WHERE {_OWES_POST} AND r.member_id = :member "  # noqa: S608
            "ORDER BY r.id",
            {"since": iso(closed_since), "member": member_id},
        ).fetchall()
    return conn.execute(
        f"SELECT r.* FROM runs r WHERE {_OWES_POST} "  # noqa: S608 - a constant
        "AND (r.post_after IS NULL OR r.post_after <= :now) ORDER BY r.id",
        {"since": iso(closed_since), "now": iso(now)},
    ).fetchall()


def run_owing_post(
    conn: sqlite3.Connection, run_id: int, closed_since: datetime
) -> sqlite3.Row | None:
    """The run if it owes its member a message now (whatever its retry time)."""
    return conn.execute(
        f"SELECT r.* FROM runs r WHERE r.id = :run AND {_OWES_POST}",  # noqa: S608
        {"run": run_id, "since": iso(closed_since)},
    ).fetchone()


def post_trying(conn: sqlite3.Connection, run_id: int) -> None:
    """Before an owed post: should the bot die before it hears back, the DM is looked at first."""
    with transaction(conn):
        conn.execute("UPDATE runs SET post_unsure = 1 WHERE id = ?", (run_id,))


def post_not_made(
    conn: sqlite3.Connection,
    run_id: int,
    *,
    retry_at: datetime | None,
    unsure: bool,
    error: str,
) -> None:
    """An owed post failed: tried again from `retry_at`, or never (None) when Slack refused.

    `unsure`: this try may have reached Slack, so the DM is looked at first next time
    (earlier tries are known not to have: they were looked for before this one).
    """
    with transaction(conn):
        conn.execute(
            "UPDATE runs SET post_attempts = post_attempts + 1, post_after = ?, "
            "post_unsure = ?, error = ?, "
            "post_owed = CASE WHEN ? THEN 'failed' ELSE post_owed END WHERE id = ?",
            (iso(retry_at) if retry_at else None, int(unsure), error, retry_at is None, run_id),
        )


def dm_owner(conn: sqlite3.Connection, channel_id: str) -> str | None:
    """Whose DM a channel id is, as the runs sent there recorded it."""
    row = conn.execute(
        "SELECT member_id FROM runs WHERE channel_id = ? ORDER BY id DESC LIMIT 1", (channel_id,)
    ).fetchone()
    return row[0] if row else None


def runs_asking(
    conn: sqlite3.Connection, member_id: str, closed_since: datetime
) -> list[sqlite3.Row]:
    """The member's sent runs whose shown question has no answer yet: open ones, and
    closed ones that closed at or after `closed_since`; open first, newest first.

    A run sent before `asked_question_id` existed counts its next question as shown.
    """
    rows = conn.execute(
        "SELECT r.* FROM runs r WHERE r.member_id = ? AND r.sent_at IS NOT NULL "
        "AND (r.status = 'open' OR (r.status = 'closed' AND r.closes_at >= ?)) "
        "AND (r.asked_question_id IS NULL OR NOT EXISTS (SELECT 1 FROM answers a "
        "WHERE a.run_id = r.id AND a.question_id = r.asked_question_id)) "
        "ORDER BY r.status = 'open' DESC, r.local_date DESC, r.id DESC LIMIT 5",
        (member_id, iso(closed_since)),
    ).fetchall()
    return [r for r in rows if next_question(conn, r) is not None]


def skip_runs_through(
    conn: sqlite3.Connection, member_id: str, through: date, clock: Clock = system_clock
) -> list[sqlite3.Row]:
    """Mark the member's unanswered runs up to `through` (local date) skipped; returns them.

    A run being sent, or left 'sending', is skipped too: its send ends without asking.
    """
    with transaction(conn):
        rows = conn.execute(
            "SELECT * FROM runs WHERE member_id = ? AND status IN ('due', 'sending', 'open') "
            "AND local_date <= ?",
            (member_id, through.isoformat()),
        ).fetchall()
        conn.execute(
            "UPDATE runs SET status = 'skipped', completed_at = ? WHERE member_id = ? "
            "AND status IN ('due', 'sending', 'open') AND local_date <= ?",
            (iso(clock()), member_id, through.isoformat()),
        )
    return rows


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


def runs_of_member_today(
    conn: sqlite3.Connection, member_id: str, local_date: date
) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM runs WHERE member_id = ? AND local_date = ? ORDER BY id",
        (member_id, local_date.isoformat()),
    ).fetchall()


def count_events(conn: sqlite3.Connection, kind: str, since: datetime) -> int:
    return conn.execute(
        "SELECT COUNT(*) FROM events WHERE kind = ? AND at >= ?", (kind, iso(since))
    ).fetchone()[0]


def get_question(conn: sqlite3.Connection, question_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM questions WHERE id = ?", (question_id,)).fetchone()


def get_checkin_by_id(conn: sqlite3.Connection, checkin_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM checkins WHERE id = ?", (checkin_id,)).fetchone()
