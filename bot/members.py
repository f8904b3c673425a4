"""Who is asked: check-in participants resolved to people, with their Slack profile.

A participant is a user id or a channel ("#team" or its id), whose members
are read with `conversations.members` (every page). Profiles come from
`users.info` (name, time zone, deactivated, bot) and are refreshed daily and
again just before a member's run is sent. The resolved roster of each
check-in is kept in memory for a day; when Slack fails while it is read, the
last good roster stays in use and it is read again after ROSTER_RETRY.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.context import BotContext
from bot.slack import SlackUnavailable, call, error_code
from checkin.checkins import model
from checkin.clock import parse_iso
from checkin.people import access, admins, channels, members
from checkin.people.access import Refusal
from checkin.people.viewer import Viewer

ROSTER_MAX_AGE = timedelta(days=1)
ROSTER_RETRY = timedelta(minutes=5)  # after a Slack error reading it, the roster is read again
PROFILE_MAX_AGE = timedelta(days=1)
DUE_REFRESH = timedelta(hours=1)  # a profile older than this is read again before a run is sent
PAGE = 200


def refresh_member(ctx: BotContext, user_id: str) -> sqlite3.Row | None:
    """Read the member's profile from Slack into the database; None if Slack has no such user."""
    try:
        user = call(ctx, "users.info", user=user_id).get("user") or {}
    except SlackApiError as exc:
        if error_code(exc) in ("user_not_found", "user_disabled", "account_inactive"):
            members.ensure_member(ctx.conn, user_id, clock=ctx.clock)
            members.deactivate_member(ctx.conn, user_id, error_code(exc))
        return members.get_member(ctx.conn, user_id)
    except SlackUnavailable:
        return members.get_member(ctx.conn, user_id)
    profile = user.get("profile") or {}
    deleted = bool(user.get("deleted"))
    members.upsert_member(
        ctx.conn,
        user_id,
        name=profile.get("display_name") or user.get("name") or "",
        real_name=user.get("real_name") or profile.get("real_name") or "",
        tz=user.get("tz") or "UTC",
        is_bot=bool(user.get("is_bot")) or user_id == ctx.bot_user_id,
        is_admin=bool(user.get("is_admin") or user.get("is_owner")),
        active=not deleted,
        inactive_reason="deactivated" if deleted else None,
        clock=ctx.clock,
    )
    access.record_email(ctx.conn, user_id, profile.get("email"))  # sign-in by email
    return members.get_member(ctx.conn, user_id)


def member(ctx: BotContext, user_id: str) -> sqlite3.Row | None:
    """The member's row, looked up in Slack the first time they are seen."""
    row = members.get_member(ctx.conn, user_id)
    if row is None or row["refreshed_at"] is None:
        row = refresh_member(ctx, user_id)
    return row


def is_admin(ctx: BotContext, user_id: str, *, look_up: bool = True) -> bool:
    """The one admin rule (`checkin.people.admins.is_admin`: listed in CHECKIN_ADMINS, or
    Slack's admin flag on the member), asked by every surface of the bot.

    With `look_up`, a member the bot has never read is read from Slack first, so
    their admin flag is known; without it (a modal to open within its trigger's
    3 s), only what is recorded counts.
    """
    if look_up and user_id:
        member(ctx, user_id)
    return admins.is_admin(ctx.conn, user_id, ctx.config.admins)


def viewer(ctx: BotContext, user_id: str) -> Viewer | Refusal:
    """Who is asking, by the rules sign-in uses (`checkin.people.access.viewer_for_member`):
    the bot shows a person in Slack what the web app shows them signed in."""
    if user_id:
        member(ctx, user_id)
    return access.viewer_for_member(ctx.conn, user_id, admins=ctx.config.admins)


def is_stale(row: sqlite3.Row | None, now: datetime, max_age: timedelta = PROFILE_MAX_AGE) -> bool:
    return row is None or not row["refreshed_at"] or parse_iso(row["refreshed_at"]) < now - max_age


def _pages(ctx: BotContext, method: str, field: str, **kwargs: Any) -> list[Any]:
    items: list[Any] = []
    cursor = None
    for _ in range(1000):
        args = dict(kwargs, limit=PAGE)
        if cursor:
            args["cursor"] = cursor
        response = call(ctx, method, **args)
        items += response.get(field) or []
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return items


def channel_id(ctx: BotContext, ref: str) -> str | None:
    """A channel's id from "#name" (every page of conversations.list) or the id itself."""
    if not ref.startswith("#"):
        return ref
    name = ref[1:].lower()
    cache = ctx.cache.setdefault("channel_ids", {})
    if name in cache:
        return cache[name]
    listed = _pages(
        ctx,
        "conversations.list",
        "channels",
        types="public_channel,private_channel",
        exclude_archived=True,
    )
    for channel in listed:
        cache[str(channel.get("name", "")).lower()] = channel["id"]
    channels.record_channels(ctx.conn, listed, clock=ctx.clock)
    return cache.get(name)


def resolve(ctx: BotContext, participants: list[str]) -> list[str]:
    """User ids of the participants, channels expanded; order kept, duplicates dropped."""
    return resolve_all(ctx, participants)[0]


def resolve_all(ctx: BotContext, participants: list[str]) -> tuple[list[str], bool]:
    """`resolve`, and whether every channel could be read (False after a Slack error)."""
    complete = True
    ids: list[str] = []
    for ref in participants:
        if ref[:1] in ("U", "W"):
            ids.append(ref)
            continue
        try:
            cid = channel_id(ctx, ref)
            if cid is None:
                ctx.logger.warning("participant %s: no such channel visible to the bot", ref)
                continue
            ids += _pages(ctx, "conversations.members", "members", channel=cid)
        except (SlackApiError, SlackUnavailable) as exc:
            ctx.logger.warning("participant %s: %s", ref, error_code(exc))
            complete = False
    seen: set[str] = set()
    unique = [i for i in ids if not (i in seen or seen.add(i)) and i != ctx.bot_user_id]
    return unique, complete


def roster(ctx: BotContext, checkin: sqlite3.Row) -> list[str]:
    """The check-in's member ids: resolved once a day, or when its participants change."""
    now = ctx.clock()
    cache = ctx.cache.setdefault("rosters", {})
    entry = cache.get(checkin["id"])
    if entry and entry[1] == checkin["participants"] and now - entry[0] < ROSTER_MAX_AGE:
        return entry[2]
    ids, complete = resolve_all(ctx, model.participants(checkin))
    if not complete:
        # A transient error is not the truth for a day: the last good roster (if the
        # participants are the same) stands, and the roster is read again soon.
        if entry and entry[1] == checkin["participants"]:
            ids = entry[2]
        cache[checkin["id"]] = (now - ROSTER_MAX_AGE + ROSTER_RETRY, checkin["participants"], ids)
        return ids
    for user_id in ids:
        row = members.get_member(ctx.conn, user_id)
        if is_stale(row, now):
            refresh_member(ctx, user_id)
    if "leads_from_report_channel" in checkin.keys() and checkin["leads_from_report_channel"]:
        record_leads_channel(ctx, checkin)
    cache[checkin["id"]] = (now, checkin["participants"], ids)
    return ids


def record_leads_channel(ctx: BotContext, checkin: sqlite3.Row) -> None:
    """Read the report channel whose members lead the check-in: whether it is private
    (only then do they lead, `checkin.people.channels`) and who is in it."""
    ref = checkin["report_channel"]
    if not ref:
        return
    try:
        cid = channel_id(ctx, ref)
        if cid is None:
            ctx.logger.warning(
                "report channel %s of %s: not visible to the bot", ref, checkin["name"]
            )
            return
        info = call(ctx, "conversations.info", channel=cid)["channel"]
    except (SlackApiError, SlackUnavailable) as exc:
        ctx.logger.warning("report channel %s of %s: %s", ref, checkin["name"], error_code(exc))
        return
    channels.record_channels(ctx.conn, [info], clock=ctx.clock)
    if not info.get("is_private"):
        ctx.logger.warning(
            channels.PUBLIC_LEADS_CHANNEL.format(channel=ref, checkin=checkin["name"])
        )
    readers = resolve(ctx, [cid])
    if readers:  # nobody read (a Slack error) keeps the last reading
        access.record_report_channel(ctx.conn, checkin["id"], readers, clock=ctx.clock)


def checkins_of(ctx: BotContext, user_id: str) -> list[sqlite3.Row]:
    """The active check-ins whose roster includes the member (as last resolved)."""
    out = []
    for checkin in model.active_checkins(ctx.conn):
        if user_id in roster(ctx, checkin):
            out.append(checkin)
    return out
