"""The Operations page's reads, for admins: what the bot records (heartbeat, events, errors,
waits, durations, the outbox, failed posts), and owning the data (backups, the deploy trail,
a member's export and erasure). Each core read returns nothing to anyone else."""

from __future__ import annotations

from checkin.checkins import broadcast
from checkin.ops import backup, deploys, privacy, status
from checkin.ops.privacy import ForgetPlan
from checkin.ops.status import (
    BotStatus,
    DayCount,
    DurationDay,
    ErrorCount,
    FailedPost,
    OutboxQueue,
    SetAsideRequest,
    WaitDay,
)
from checkin.people.viewer import Viewer
from dashboard.data import source

TTL = 10  # seconds: operations are looked at to see what happens now


def heartbeat(viewer: Viewer) -> BotStatus | None:
    """The bot's last heartbeat, or None when no bot has run on this database."""
    return _heartbeat(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _heartbeat(path: str, viewer: Viewer) -> BotStatus | None:
    with source.connection(path) as conn:
        return status.heartbeat(conn, viewer)


def daily_events(viewer: Viewer, days: int) -> list[DayCount]:
    """Everything the bot counted, per day and kind, over the last `days` days."""
    return _daily_events(source.db_path(), viewer, days)


@source.cached(ttl=TTL)
def _daily_events(path: str, viewer: Viewer, days: int) -> list[DayCount]:
    with source.connection(path) as conn:
        return status.daily_events(conn, viewer, days)


def answers_per_day(viewer: Viewer, days: int) -> list[DayCount]:
    return _answers_per_day(source.db_path(), viewer, days)


@source.cached(ttl=TTL)
def _answers_per_day(path: str, viewer: Viewer, days: int) -> list[DayCount]:
    with source.connection(path) as conn:
        return status.answers_per_day(conn, viewer, days)


def slack_errors(viewer: Viewer, days: int) -> list[ErrorCount]:
    return _slack_errors(source.db_path(), viewer, days)


@source.cached(ttl=TTL)
def _slack_errors(path: str, viewer: Viewer, days: int) -> list[ErrorCount]:
    with source.connection(path) as conn:
        return status.slack_errors(conn, viewer, days)


def rate_limit_waits(viewer: Viewer, days: int) -> list[WaitDay]:
    return _rate_limit_waits(source.db_path(), viewer, days)


@source.cached(ttl=TTL)
def _rate_limit_waits(path: str, viewer: Viewer, days: int) -> list[WaitDay]:
    with source.connection(path) as conn:
        return status.rate_limit_waits(conn, viewer, days)


def run_send_durations(viewer: Viewer, days: int) -> list[DurationDay]:
    return _run_send_durations(source.db_path(), viewer, days)


@source.cached(ttl=TTL)
def _run_send_durations(path: str, viewer: Viewer, days: int) -> list[DurationDay]:
    with source.connection(path) as conn:
        return status.run_send_durations(conn, viewer, days)


def outbox_queue(viewer: Viewer) -> OutboxQueue:
    """What was asked of the bot through the outbox: counts by status and the latest rows."""
    return _outbox_queue(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _outbox_queue(path: str, viewer: Viewer) -> OutboxQueue:
    with source.connection(path) as conn:
        return status.outbox_queue(conn, viewer)


def set_aside_requests(viewer: Viewer) -> list[SetAsideRequest]:
    """Slack requests the bot acknowledged but could not do (kept with their error)."""
    return _set_aside_requests(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _set_aside_requests(path: str, viewer: Viewer) -> list[SetAsideRequest]:
    with source.connection(path) as conn:
        return status.set_aside_requests(conn, viewer)


def try_again(viewer: Viewer, inbox_id: int) -> bool:
    """Ask the bot to try a set-aside request again; it does so at its next tick."""
    with source.change() as conn:
        return status.try_again(conn, viewer, inbox_id)


def failed_report_posts(viewer: Viewer) -> list[FailedPost]:
    return _failed_report_posts(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _failed_report_posts(path: str, viewer: Viewer) -> list[FailedPost]:
    with source.connection(path) as conn:
        return status.failed_report_posts(conn, viewer)


def public_lead_channels(viewer: Viewer) -> list[str]:
    """Check-ins whose leads come from a report channel the bot saw public, one line each."""
    return _public_lead_channels(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _public_lead_channels(path: str, viewer: Viewer) -> list[str]:
    with source.connection(path) as conn:
        return status.public_lead_channels(conn, viewer)


def standup_channel_problems(viewer: Viewer) -> list[str]:
    """For admins: each standup channel the bot found it cannot post to, with how to invite it."""
    return _standup_channel_problems(source.db_path(), viewer) if viewer.is_admin else []


@source.cached(ttl=TTL)
def _standup_channel_problems(path: str, viewer: Viewer) -> list[str]:
    with source.connection(path) as conn:
        return broadcast.problems(conn)


# --- owning the data ---------------------------------------------------------------------------


def last_backup(viewer: Viewer) -> dict | None:
    """The newest backup with its age and whether it is stale, or None when there is none."""
    return _last_backup(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _last_backup(path: str, viewer: Viewer) -> dict | None:
    with source.connection(path) as conn:
        return backup.last_backup(viewer, conn, source.now())


def recent_backups(viewer: Viewer) -> list[dict]:
    return _recent_backups(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _recent_backups(path: str, viewer: Viewer) -> list[dict]:
    with source.connection(path) as conn:
        return backup.recent_backups(viewer, conn)


def deploy_trail(viewer: Viewer) -> list[deploys.Deploy]:
    """Every start of the bot and the web app, newest first."""
    return _deploy_trail(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _deploy_trail(path: str, viewer: Viewer) -> list[deploys.Deploy]:
    with source.connection(path) as conn:
        return deploys.trail(viewer, conn)


def running_bot(viewer: Viewer) -> dict | None:
    """The bot that holds the heartbeat and its version, or None (and None for a non-admin)."""
    return _running_bot(source.db_path(), viewer)


@source.cached(ttl=5)
def _running_bot(path: str, viewer: Viewer) -> dict | None:
    if not viewer.is_admin:
        return None
    with source.connection(path) as conn:
        found = deploys.running_bot(conn)
    if found is None:
        return None
    holder, start = found
    return {
        "pid": holder.pid,
        "host": holder.host,
        "stale": holder.is_stale(source.now()),
        "version": start.label if start else None,
    }


def privacy_members(viewer: Viewer) -> list[dict]:
    """The members whose data an admin may export or forget."""
    return _privacy_members(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _privacy_members(path: str, viewer: Viewer) -> list[dict]:
    with source.connection(path) as conn:
        return privacy.members_for(viewer, conn)


def member_export(viewer: Viewer, member_id: str) -> dict | None:
    """Everything stored about one member, as `python -m checkin member export` writes it."""
    with source.connection() as conn:
        return privacy.export_member(viewer, conn, member_id)


def forget_plan(viewer: Viewer, member_id: str) -> ForgetPlan | None:
    """What forgetting the member would change; None for anyone but an admin."""
    if not viewer.is_admin:
        return None
    with source.connection() as conn:
        return privacy.forget_plan(conn, member_id)


def forget_member(viewer: Viewer, member_id: str) -> ForgetPlan:
    """Erase what the member wrote, as `python -m checkin member forget` does."""
    with source.change() as conn:
        return privacy.forget_member(viewer, conn, member_id)
