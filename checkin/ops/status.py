"""What the bot did, for whoever runs it: heartbeat, Slack calls, errors, waits, durations,
answers stored, the outbox queue and report posts that failed.

The figures come from the `events` the bot records (`events.record_event` in
`bot/`: message_sent, api_error, rate_limited, run_sent, answer_stored,
dm_skipped, reminder_sent, outbox_done, outbox_failed, ...), the `heartbeat`
row, `outbox`, `report_posts` and `answers`. They name members and channels,
so only an admin sees them; anyone else gets nothing.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from checkin.clock import Clock, iso, system_clock
from checkin.errors import NotAllowed
from checkin.ops import inbox
from checkin.ops.heartbeat import read_heartbeat
from checkin.people import channels
from checkin.people.viewer import Viewer
from checkin.weeks import iso_week

DAYS = 14


@dataclass(frozen=True)
class BotStatus:
    pid: int
    host: str
    env: str
    dev_users: list[str]
    started_at: str
    beat_at: str
    age_seconds: int
    stale: bool
    connected: bool


@dataclass(frozen=True)
class DayCount:
    day: str  # UTC date
    kind: str
    count: int


@dataclass(frozen=True)
class ErrorCount:
    method: str
    error: str
    count: int
    last_at: str


@dataclass(frozen=True)
class WaitDay:
    day: str
    method: str
    waits: int
    seconds: float  # total time spent waiting
    longest: float


@dataclass(frozen=True)
class DurationDay:
    day: str
    runs: int
    median_ms: float
    p95_ms: float
    max_ms: float


@dataclass(frozen=True)
class OutboxRow:
    id: int
    kind: str
    what: str
    status: str
    attempts: int
    error: str | None
    requested_by: str | None
    created_at: str
    finished_at: str | None


@dataclass(frozen=True)
class OutboxQueue:
    counts: dict[str, int]  # pending, running, done, failed
    rows: list[OutboxRow]  # unfinished first, then the latest failures and successes


@dataclass(frozen=True)
class FailedPost:
    checkin: str
    week: str
    channel: str
    error: str | None
    claimed_at: str | None


def _since(clock: Clock, days: int) -> datetime:
    return clock() - timedelta(days=days)


def heartbeat(
    conn: sqlite3.Connection, viewer: Viewer, clock: Clock = system_clock
) -> BotStatus | None:
    """The bot's last heartbeat, or None when no bot ever ran here (or the viewer is no admin)."""
    if not viewer.is_admin:
        return None
    hb = read_heartbeat(conn)
    if hb is None:
        return None
    now = clock()
    return BotStatus(
        pid=hb.pid,
        host=hb.host,
        env=hb.env,
        dev_users=list(hb.dev_users),
        started_at=iso(hb.started_at),
        beat_at=iso(hb.beat_at),
        age_seconds=max(0, int(hb.age(now).total_seconds())),
        stale=hb.is_stale(now),
        connected=hb.connected,
    )


def daily_events(
    conn: sqlite3.Connection, viewer: Viewer, days: int = DAYS, clock: Clock = system_clock
) -> list[DayCount]:
    """Events per UTC day and kind over the last `days` days (each kind read by its index)."""
    if not viewer.is_admin:
        return []
    since = iso(_since(clock, days))
    kinds = [r[0] for r in conn.execute("SELECT DISTINCT kind FROM events ORDER BY kind")]
    out: list[DayCount] = []
    for kind in kinds:
        out.extend(
            DayCount(r[0], kind, r[1])
            for r in conn.execute(
                "SELECT substr(at, 1, 10) AS day, COUNT(*) FROM events "
                "WHERE kind = ? AND at >= ? GROUP BY day ORDER BY day",
                (kind, since),
            )
        )
    return sorted(out, key=lambda d: (d.day, d.kind))


def slack_errors(
    conn: sqlite3.Connection, viewer: Viewer, days: int = DAYS, clock: Clock = system_clock
) -> list[ErrorCount]:
    """Slack API errors by method and error code, the most frequent first."""
    if not viewer.is_admin:
        return []
    rows = conn.execute(
        "SELECT COALESCE(method, '') AS method, COALESCE(error, '') AS error, COUNT(*) AS n, "
        "MAX(at) AS last_at FROM events WHERE kind = 'api_error' AND at >= ? "
        "GROUP BY method, error ORDER BY n DESC, last_at DESC",
        (iso(_since(clock, days)),),
    ).fetchall()
    return [ErrorCount(r["method"], r["error"], r["n"], r["last_at"]) for r in rows]


def rate_limit_waits(
    conn: sqlite3.Connection, viewer: Viewer, days: int = DAYS, clock: Clock = system_clock
) -> list[WaitDay]:
    """Waits for Slack's Retry-After per day and method: how many, and how long in total."""
    if not viewer.is_admin:
        return []
    rows = conn.execute(
        "SELECT substr(at, 1, 10) AS day, COALESCE(method, '') AS method, COUNT(*) AS n, "
        "COALESCE(SUM(duration_ms), 0) / 1000.0 AS seconds, "
        "COALESCE(MAX(duration_ms), 0) / 1000.0 AS longest "
        "FROM events WHERE kind = 'rate_limited' AND at >= ? GROUP BY day, method ORDER BY day",
        (iso(_since(clock, days)),),
    ).fetchall()
    return [WaitDay(r["day"], r["method"], r["n"], r["seconds"], r["longest"]) for r in rows]


def run_send_durations(
    conn: sqlite3.Connection, viewer: Viewer, days: int = DAYS, clock: Clock = system_clock
) -> list[DurationDay]:
    """How long sending a check-in to one member took, per day: median, p95 and slowest."""
    if not viewer.is_admin:
        return []
    by_day: dict[str, list[float]] = {}
    for day, ms in conn.execute(
        "SELECT substr(at, 1, 10), duration_ms FROM events "
        "WHERE kind = 'run_sent' AND at >= ? AND duration_ms IS NOT NULL",
        (iso(_since(clock, days)),),
    ):
        by_day.setdefault(day, []).append(ms)
    out = []
    for day in sorted(by_day):
        values = sorted(by_day[day])
        p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
        out.append(DurationDay(day, len(values), statistics.median(values), p95, values[-1]))
    return out


def answers_per_day(
    conn: sqlite3.Connection, viewer: Viewer, days: int = DAYS, clock: Clock = system_clock
) -> list[DayCount]:
    """Answers stored per UTC day (skips included), read through the weeks' index."""
    if not viewer.is_admin:
        return []
    since = _since(clock, days)
    weeks = sorted({iso_week((since + timedelta(days=d)).date()) for d in range(-7, days + 2)})
    checkins = [r[0] for r in conn.execute("SELECT id FROM checkins")]
    if not checkins:
        return []
    rows = conn.execute(
        "SELECT substr(answered_at, 1, 10) AS day, COUNT(*) FROM answers "  # noqa: S608
        f"WHERE checkin_id IN ({', '.join('?' for _ in checkins)}) "
        f"AND week IN ({', '.join('?' for _ in weeks)}) AND answered_at >= ? "
        "GROUP BY day ORDER BY day",
        [*checkins, *weeks, iso(since)],
    ).fetchall()
    return [DayCount(r[0], "answer_stored", r[1]) for r in rows]


def _what(kind: str, payload: dict) -> str:
    if kind == "send_checkin":
        who = ", ".join(payload.get("members") or []) or "everyone"
        return f"send {payload.get('checkin')} now to {who}"
    if kind == "post_report":
        return (
            f"post the {payload.get('checkin')} summary of {payload.get('week')} "
            f"to {payload.get('channel')}"
        )
    return kind


def outbox_queue(conn: sqlite3.Connection, viewer: Viewer, limit: int = 50) -> OutboxQueue:
    """The outbox: counts by status, then unfinished rows, then the latest finished ones."""
    if not viewer.is_admin:
        return OutboxQueue(counts={}, rows=[])
    counts = {
        r[0]: r[1] for r in conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status")
    }
    rows = conn.execute(
        "SELECT * FROM outbox ORDER BY status IN ('done', 'failed'), id DESC LIMIT ?", (limit,)
    ).fetchall()
    out = []
    for r in rows:
        try:
            payload = json.loads(r["payload"] or "{}")
        except ValueError:
            payload = {}
        out.append(
            OutboxRow(
                id=r["id"],
                kind=r["kind"],
                what=_what(r["kind"], payload if isinstance(payload, dict) else {}),
                status=r["status"],
                attempts=r["attempts"],
                error=r["error"],
                requested_by=r["requested_by"],
                created_at=r["created_at"],
                finished_at=r["finished_at"],
            )
        )
    return OutboxQueue(counts=counts, rows=out)


def failed_report_posts(conn: sqlite3.Connection, viewer: Viewer) -> list[FailedPost]:
    """Weekly summaries the bot could not post, with Slack's reason, newest week first."""
    if not viewer.is_admin:
        return []
    rows = conn.execute(
        "SELECT c.name, p.week, p.channel, p.error, p.claimed_at FROM report_posts p "
        "JOIN checkins c ON c.id = p.checkin_id WHERE p.status = 'failed' "
        "ORDER BY p.week DESC, c.name"
    ).fetchall()
    return [FailedPost(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def public_lead_channels(conn: sqlite3.Connection, viewer: Viewer) -> list[str]:
    """One line per check-in whose leads come from a report channel the bot saw public: its
    members lead nothing until it is private again."""
    if not viewer.is_admin:
        return []
    return [
        channels.PUBLIC_LEADS_CHANNEL.format(channel=channel, checkin=checkin).replace(
            " and become a lead of", ", so its members do not lead"
        )
        for checkin, channel in channels.public_lead_channels(conn)
    ]


@dataclass(frozen=True)
class SetAsideRequest:
    """A Slack request the bot acknowledged but could not do: kept, waiting for an admin."""

    id: int
    received_at: str
    set_aside_at: str
    kind: str
    member_id: str | None
    member_name: str | None
    attempts: int
    error: str | None
    try_again_asked_at: str | None


def set_aside_requests(conn: sqlite3.Connection, viewer: Viewer) -> list[SetAsideRequest]:
    """Set-aside requests (when, whose, which kind, the error), newest first; admins only."""
    if not viewer.is_admin:
        return []
    rows = conn.execute(
        "SELECT i.id, i.received_at, i.set_aside_at, i.kind, i.member_id, i.attempts, i.error, "
        "i.try_again_at, COALESCE(NULLIF(m.real_name, ''), m.name) AS member_name "
        "FROM inbox i LEFT JOIN members m ON m.slack_id = i.member_id "
        "WHERE i.set_aside_at IS NOT NULL AND i.done_at IS NULL ORDER BY i.id DESC LIMIT 200"
    ).fetchall()
    return [
        SetAsideRequest(
            id=r["id"],
            received_at=r["received_at"],
            set_aside_at=r["set_aside_at"],
            kind=r["kind"],
            member_id=r["member_id"],
            member_name=r["member_name"],
            attempts=r["attempts"],
            error=r["error"],
            try_again_asked_at=r["try_again_at"],
        )
        for r in rows
    ]


def try_again(
    conn: sqlite3.Connection, viewer: Viewer, inbox_id: int, clock: Clock = system_clock
) -> bool:
    """An admin asks the bot to try a set-aside request again (the web app never calls Slack:
    the bot sees the flag at its next tick). False when it is no longer set aside."""
    if not viewer.is_admin:
        raise NotAllowed("only an admin may try a set-aside request again")
    return inbox.ask_try_again(conn, inbox_id, viewer.slack_id, clock=clock)
