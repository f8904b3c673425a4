"""The bot's daily job: a backup, pruning old backups, and retention.

The scheduler calls `tick(ctx)` on every pass; once a day (a day after the
last run, recorded in `meta`, so a restart does not run it again) it hands
`run_daily` to the worker, so a slow backup never holds up the sends.
A backup is taken only when CHECKIN_BACKUP_DIR is set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.context import BotContext
from checkin.clock import iso, parse_iso
from checkin.db import connection
from checkin.ops import backup, events, retention

EVERY = timedelta(days=1)
LAST_RUN = "maintenance_at"  # meta key: when the daily job last started


@dataclass
class Outcome:
    backup: backup.Backup | None = None
    pruned: list = field(default_factory=list)
    expired: list[retention.Expiry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def is_due(conn, now: datetime) -> bool:  # noqa: ANN001 - a sqlite3 connection
    last = connection.get_meta(conn, LAST_RUN)
    if last is None:
        return True
    since = now - parse_iso(last)
    return since >= EVERY or since < -EVERY  # a clock that had run far ahead is not waited for


def claim(conn, now: datetime) -> bool:  # noqa: ANN001
    """Take today's run (read and write in one transaction); False when not due."""
    with connection.transaction(conn):
        if not is_due(conn, now):
            return False
        connection.set_meta(conn, LAST_RUN, iso(now))
    return True


def tick(ctx: BotContext) -> None:
    """Start the daily job when it is due. Never raises."""
    try:
        now = ctx.clock()
        next_at = ctx.cache.get("maintenance_next")
        if ctx.cache.get("maintenance_running") or (
            next_at is not None and now < next_at <= now + EVERY
        ):
            return
        if not is_due(ctx.conn, now) or not claim(ctx.conn, now):
            ctx.cache["maintenance_next"] = _next_run(ctx.conn, now)
            return
        ctx.cache["maintenance_next"] = now + EVERY
        ctx.cache["maintenance_running"] = True
        ctx.defer("maintenance", _run, ctx)
    except Exception:
        ctx.logger.exception("daily maintenance could not start")


def _next_run(conn, now: datetime) -> datetime | None:  # noqa: ANN001
    last = connection.get_meta(conn, LAST_RUN)
    return min(parse_iso(last) + EVERY, now + EVERY) if last else None


def _run(ctx: BotContext) -> None:
    try:
        run_daily(ctx)
    finally:
        ctx.cache["maintenance_running"] = False


def run_daily(ctx: BotContext) -> Outcome:
    """Backup (when a backup directory is set) and prune, then retention; each step on its own."""
    out = Outcome()
    config = ctx.config
    if config.backup_dir is not None:
        try:
            out.backup = backup.take_backup(config, taken_by="bot", clock=ctx.clock)
            ctx.logger.info(out.backup.summary())
            out.pruned = backup.prune_backups(config.backup_dir, config.backup_keep)
        except Exception as exc:  # the next day tries again; the page shows the age
            out.errors.append(f"backup: {exc}")
            ctx.logger.exception("daily backup failed")
    try:
        out.expired = retention.apply(ctx.conn, config.retention_weeks, ctx.clock)
        for expiry in out.expired:
            if expiry.answers:
                ctx.logger.info(expiry.line(done=True))
    except Exception as exc:
        out.errors.append(f"retention: {exc}")
        ctx.logger.exception("retention failed")
    deleted = sum(e.answers for e in out.expired)
    if out.backup is not None or deleted or out.errors:
        events.record_event(
            ctx.conn,
            "maintenance_failed" if out.errors else "maintenance",
            error="; ".join(out.errors) or None,
            detail={
                "backup": str(out.backup.path) if out.backup else None,
                "pruned": len(out.pruned),
                "answers_expired": deleted,
            },
            clock=ctx.clock,
        )
    return out
