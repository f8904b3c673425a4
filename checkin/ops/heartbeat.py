"""The bot's heartbeat: one row a running bot keeps fresh, and the fenced claim to be the one bot."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from checkin.clock import Clock, iso, parse_iso, system_clock
from checkin.db.connection import transaction


@dataclass(frozen=True)
class BotHeartbeat:
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
                pid or os.getpid(),
                host or socket.gethostname(),
                env,
                json.dumps(list(dev_users)),
                iso(started_at),
                iso(clock()),
                int(connected),
                json.dumps(detail or {}),
                instance,
            ),
        )


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
                env,
                json.dumps(list(dev_users)),
                iso(clock()),
                int(connected),
                json.dumps(detail or {}),
                pid,
                host,
                instance,
            ),
        )
        if cur.rowcount == 1:
            return True
        if conn.execute("SELECT 1 FROM heartbeat WHERE id = 1").fetchone() is not None:
            return False
        beat(
            conn,
            env=env,
            dev_users=dev_users,
            started_at=started_at,
            connected=connected,
            detail=detail,
            clock=clock,
            instance=instance,
        )
    return True


def read_heartbeat(conn: sqlite3.Connection) -> BotHeartbeat | None:
    row = conn.execute("SELECT * FROM heartbeat WHERE id = 1").fetchone()
    if row is None:
        return None
    return BotHeartbeat(
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


LOOP_NAMES = {
    "scheduler": "scheduler tick",
    "heartbeat": "heartbeat",
    "outbox": "outbox",
    "members": "member queues",
}


@dataclass(frozen=True)
class StaleLoop:
    """One of the bot's loops that has stopped completing, as its heartbeat tells."""

    loop: str
    since: datetime  # its last completion (or when its oldest unfinished work began)

    @property
    def name(self) -> str:
        return LOOP_NAMES.get(self.loop, self.loop)


def stale_loops(hb: BotHeartbeat, now: datetime) -> list[StaleLoop]:
    """Which of the bot's loops are stale, from its heartbeat's `detail`.

    A bot that exited because a loop stopped says which (`record_unwell`);
    a running one carries each loop's last completion and allowance, so a
    loop overdue or dead is named before the bot's own watch acts on it.
    """
    unwell = hb.detail.get("unwell")
    if isinstance(unwell, dict) and unwell.get("loop") and unwell.get("since"):
        return [StaleLoop(str(unwell["loop"]), parse_iso(unwell["since"]))]
    if hb.is_stale(now):
        return []  # the whole bot is gone; its loops' ages say nothing more
    out = []
    loops = hb.detail.get("loops")
    for loop, state in (loops if isinstance(loops, dict) else {}).items():
        try:
            since = parse_iso(state.get("busy_since") or state["last"])
            allowed = timedelta(seconds=float(state["allowed_s"]))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        if not state.get("busy_since") and loop == "members":
            continue  # idle member queues are well
        # the row is as old as its beat: a loop is judged at the beat, plus the time since
        if state.get("alive") is False or now - since > allowed:
            out.append(StaleLoop(loop, since))
    return sorted(out, key=lambda s: s.since)


def record_unwell(
    conn: sqlite3.Connection, instance: str | None, loop: str, since: datetime
) -> None:
    """Note on this bot's own heartbeat that it exited because `loop` stopped at `since`."""
    with transaction(conn):
        row = conn.execute(
            "SELECT detail FROM heartbeat WHERE id = 1 AND pid = ? AND host = ? AND instance IS ?",
            (os.getpid(), socket.gethostname(), instance),
        ).fetchone()
        if row is None:
            return
        detail = json.loads(row["detail"] or "{}")
        detail["unwell"] = {"loop": loop, "since": iso(since)}
        conn.execute(
            "UPDATE heartbeat SET detail = ?, stopped_at = COALESCE(stopped_at, ?), connected = 0 "
            "WHERE id = 1 AND pid = ? AND host = ? AND instance IS ?",
            (json.dumps(detail), iso(system_clock()), os.getpid(), socket.gethostname(), instance),
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


def claim_heartbeat(
    conn: sqlite3.Connection,
    *,
    env: str,
    dev_users: tuple[str, ...] | list[str],
    started_at: datetime,
    stale_after: timedelta = timedelta(seconds=90),
    clock: Clock = system_clock,
    instance: str | None = None,
) -> BotHeartbeat | None:
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
            conn,
            env=env,
            dev_users=dev_users,
            started_at=started_at,
            connected=False,
            clock=clock,
            instance=instance,
        )
    return None


def _claim_is_free(holder: BotHeartbeat, now: datetime, stale_after: timedelta) -> bool:
    if holder.stopped_at is not None or holder.is_stale(now, stale_after):
        return True
    if holder.host != socket.gethostname():
        return False
    if holder.pid == os.getpid():
        return False  # ours, or another container's pid 1 under the same name: wait it out
    return not pid_alive(holder.pid)
