"""Standup mode: each member's answers posted to the check-in's `broadcast` channel, once.

- When a member finishes their run (every question answered or skipped, at
  least one answered), their answers go to the channel under their name: as a
  reply under the day's message ("Daily standup · Wed 3 Dec", posted by
  whoever finishes first that day, the members' own date of the run), or as a
  message of its own with `broadcast_thread = false`. A run finished after its
  day goes under its own day's message. A skipped run posts nothing.
- An edit of their answers (the recap's *Edit answers*) updates that post.
- Exactly once: the day's message and each member's post are claimed in the
  database before they are posted (`checkin.standup.posts`), and carry
  metadata naming them. A claim found still 'posting' (a bot killed mid-post,
  a post whose answer never came) is looked for in the channel (the thread's
  replies, or its history) before it is posted again. All of a check-in's
  posts go through one queue of the worker (`lane`), in order.
- The channel: the bot looks at it (conversations.info `is_member`) at its
  start, when a check-in's channel is new or moved, and every RECHECK while
  something is wrong; what it finds is recorded on the check-in
  (`checkin.checkins.broadcast`) for the Check-ins page and the import to
  show, and logged with how to invite it (`/invite @checkin` in #channel).
  Posts wait meanwhile; once the bot is in the channel they go out.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from bot import members
from bot.context import BotContext
from bot.conversation import blocks
from bot.slack import SlackUnavailable, call, error_code, find_posted, is_transient
from checkin.checkins import broadcast as channel_rules
from checkin.checkins import model
from checkin.clock import parse_iso
from checkin.ops import events
from checkin.people import channels
from checkin.standup import content, posts

METADATA_DAY = "checkin_standup_day"
METADATA_POST = "checkin_standup"
RETRY_S = (5, 15, 30, 60, 120, 300)  # between tries of a post Slack may take later
RECHECK = timedelta(minutes=10)  # a channel the bot cannot post to is looked at again
CHECK_RETRY = timedelta(minutes=1)  # after Slack failed to answer the look
HISTORY_PAGES = 20  # of 200 messages: how far back a claim left 'posting' is looked for


def lane(checkin_id: int) -> str:
    """The worker queue every post of one check-in goes through, in order."""
    return f"broadcast:{checkin_id}"


def queue(ctx: BotContext, run_id: int, checkin_id: int) -> None:
    """After a member finished or edited their run: their post, in the check-in's queue."""
    checkin = model.get_checkin_by_id(ctx.conn, checkin_id)
    if checkin is not None and checkin["broadcast"]:
        ctx.defer(lane(checkin_id), share, ctx, run_id)


def tick(ctx: BotContext, now: datetime) -> None:
    """The scheduler's part: channels looked at, and posts a failure or a stop left undone."""
    check_channels(ctx, now)
    for row in posts.runs_owing(ctx.conn, now):
        ctx.defer_once(f"broadcast:run:{row['id']}", lane(row["checkin_id"]), share, ctx, row["id"])


# --- a member's post --------------------------------------------------------------------------


def share(ctx: BotContext, run_id: int) -> str:
    """Post the run's answers to its check-in's channel, or bring the post up to date.

    Returns what happened: 'posted', 'found' (an earlier try's post was in the
    channel), 'updated', 'current', 'nothing' (not to be posted), 'channel' (the
    bot cannot post there yet), 'later' or 'retry' (tried again by the
    scheduler), 'failed'.
    """
    conn = ctx.conn
    now = ctx.clock()
    run = posts.run_to_post(conn, run_id, now)
    if run is None:
        return "nothing"
    checkin = model.get_checkin_by_id(conn, run["checkin_id"])
    if channel_rules.problem(checkin):
        return "channel"  # posted once the bot is in the channel (check_channel)
    post = posts.get_post(conn, run_id)
    if post is not None and post["status"] == "failed":
        return "failed"
    if post is not None and post["retry_at"] and parse_iso(post["retry_at"]) > now:
        return "later"
    if post is not None and post["status"] == "posted":
        return _update(ctx, run, checkin, post)
    channel = checkin["broadcast"]
    try:
        channel_id = members.channel_id(ctx, channel)
    except (SlackApiError, SlackUnavailable) as exc:
        ctx.logger.warning("standup %s: channel %s not found: %s", run_id, channel, error_code(exc))
        return "later"
    if channel_id is None:
        _channel_problem(ctx, checkin, channel_rules.not_visible_line(channel, checkin["name"]))
        return "channel"
    if post is not None:
        # An earlier try claimed it: it may be in the channel already.
        channel_id = post["channel_id"] or channel_id
        thread_ts = post["thread_ts"]
        try:
            found = _find(
                ctx, channel_id, thread_ts, run["local_date"], METADATA_POST, run_id=run_id
            )
        except (SlackApiError, SlackUnavailable) as exc:
            return _not_made(ctx, checkin, post, exc, looking=True)
        if found is not None:
            posts.post_made(conn, run_id, found["ts"], "", ctx.clock)
            ctx.logger.info("standup post of run %s was in %s already", run_id, channel)
            return "found"
    else:
        thread_ts = None
        if checkin["broadcast_thread"]:
            thread_ts = _day_thread(ctx, checkin, run["local_date"], channel_id)
            if thread_ts is None:
                return "later"
        if not posts.claim_post(conn, run, channel, channel_id, thread_ts, ctx.instance, ctx.clock):
            return "taken"
        post = posts.get_post(conn, run_id)
    shown_edit = run["newest_edit"]  # read before the answers: a later edit updates the post
    text, content_blocks = blocks.standup_member_message(
        content.member_post(conn, run, checkin["name"]), with_day=thread_ts is None
    )
    extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
    try:
        response = call(
            ctx,
            "chat.postMessage",
            checkin_id=checkin["id"],
            channel=channel_id,
            text=text,
            blocks=content_blocks,
            unfurl_links=False,
            unfurl_media=False,
            metadata={
                "event_type": METADATA_POST,
                "event_payload": {"checkin_id": checkin["id"], "run_id": run_id},
            },
            **extra,
        )
    except (SlackApiError, SlackUnavailable) as exc:
        return _not_made(ctx, checkin, post, exc)
    posts.post_made(conn, run_id, response["ts"], shown_edit, ctx.clock)
    events.record_event(
        conn,
        "standup_posted",
        member_id=run["member_id"],
        checkin_id=checkin["id"],
        detail={"run": run_id, "channel": channel_id},
        clock=ctx.clock,
    )
    return "posted"


def _update(ctx: BotContext, run: sqlite3.Row, checkin: sqlite3.Row, post: sqlite3.Row) -> str:
    """A posted run whose answers were edited since: the post shows them now (chat.update)."""
    if run["newest_edit"] <= post["shown_edit"]:
        return "current"
    text, content_blocks = blocks.standup_member_message(
        content.member_post(ctx.conn, run, checkin["name"]), with_day=post["thread_ts"] is None
    )
    try:
        call(
            ctx,
            "chat.update",
            checkin_id=checkin["id"],
            channel=post["channel_id"],
            ts=post["message_ts"],
            text=text,
            blocks=content_blocks,
        )
    except (SlackApiError, SlackUnavailable) as exc:
        if is_transient(exc):
            return _not_made(ctx, checkin, post, exc)
        ctx.logger.warning(
            "standup post of run %s not updated: %s", run["id"], error_code(exc)
        )  # the message is gone or not the bot's: nothing to keep current
        posts.updated(ctx.conn, run["id"], run["newest_edit"])
        return "failed"
    posts.updated(ctx.conn, run["id"], run["newest_edit"])
    return "updated"


def _not_made(
    ctx: BotContext,
    checkin: sqlite3.Row,
    post: sqlite3.Row,
    exc: Exception,
    looking: bool = False,
) -> str:
    """A post, an update or the look for an earlier post failed: tried again after a growing
    wait when it may pass; given up (and the channel's problem recorded) when Slack refused.

    A claim whose look failed stays a claim, whatever the reason: an earlier try may have
    posted it, so it is looked for again before anything is posted."""
    code = error_code(exc)
    line = _channel_line(code, checkin)
    if line is not None:
        _channel_problem(ctx, checkin, line)
    if looking or (line is None and is_transient(exc)):
        wait = RETRY_S[min(post["attempts"], len(RETRY_S) - 1)]
        posts.post_not_made(ctx.conn, post["run_id"], code, ctx.clock() + timedelta(seconds=wait))
        ctx.logger.warning("standup post of run %s: %s; trying again", post["run_id"], code)
        return "retry"
    if post["status"] == "posted":
        posts.updated(ctx.conn, post["run_id"], post["shown_edit"])
        return "failed"
    posts.post_not_made(ctx.conn, post["run_id"], code, None)
    if line is None:
        ctx.logger.error("standup post of run %s not made: %s", post["run_id"], code)
        events.record_event(
            ctx.conn,
            "standup_failed",
            error=code,
            member_id=post["member_id"],
            checkin_id=checkin["id"],
            detail={"run": post["run_id"]},
            clock=ctx.clock,
        )
    return "failed"


# --- the day's message ------------------------------------------------------------------------


def _day_thread(
    ctx: BotContext, checkin: sqlite3.Row, local_date: str, channel_id: str
) -> str | None:
    """The ts of the day's parent message, posted now by the first member to finish; None
    while it cannot be (tried again later)."""
    conn = ctx.conn
    now = ctx.clock()
    channel = checkin["broadcast"]
    day = posts.get_day(conn, checkin["id"], local_date, channel)
    if day is not None:
        if day["status"] == "posted":
            return day["message_ts"]
        if day["status"] == "failed" or (day["retry_at"] and parse_iso(day["retry_at"]) > now):
            return None
        channel_id = day["channel_id"] or channel_id
        try:  # claimed by an earlier try: it may be in the channel already
            found = _find(
                ctx,
                channel_id,
                None,
                local_date,
                METADATA_DAY,
                checkin_id=checkin["id"],
                local_date=local_date,
            )
        except (SlackApiError, SlackUnavailable) as exc:
            return _day_not_made(ctx, checkin, local_date, exc, looking=True)
        if found is not None:
            posts.day_posted(conn, checkin["id"], local_date, channel, found["ts"], ctx.clock)
            return found["ts"]
    elif not posts.claim_day(
        conn, checkin["id"], local_date, channel, channel_id, ctx.instance, ctx.clock
    ):
        day = posts.get_day(conn, checkin["id"], local_date, channel)
        return day["message_ts"] if day is not None and day["status"] == "posted" else None
    text, content_blocks = blocks.standup_day_message(
        content.day_title(checkin["name"], local_date)
    )
    try:
        response = call(
            ctx,
            "chat.postMessage",
            checkin_id=checkin["id"],
            channel=channel_id,
            text=text,
            blocks=content_blocks,
            metadata={
                "event_type": METADATA_DAY,
                "event_payload": {"checkin_id": checkin["id"], "local_date": local_date},
            },
        )
    except (SlackApiError, SlackUnavailable) as exc:
        return _day_not_made(ctx, checkin, local_date, exc)
    posts.day_posted(conn, checkin["id"], local_date, channel, response["ts"], ctx.clock)
    return response["ts"]


def _day_not_made(
    ctx: BotContext, checkin: sqlite3.Row, local_date: str, exc: Exception, looking: bool = False
) -> None:
    code = error_code(exc)
    line = _channel_line(code, checkin)
    if line is not None:
        _channel_problem(ctx, checkin, line)
    retry_at = None
    if looking or (line is None and is_transient(exc)):
        retry_at = ctx.clock() + timedelta(seconds=RETRY_S[1])
    posts.day_not_posted(ctx.conn, checkin["id"], local_date, checkin["broadcast"], code, retry_at)
    ctx.logger.warning(
        "standup %s %s: the day's message not posted: %s%s",
        checkin["name"],
        local_date,
        code,
        "; trying again" if retry_at else "",
    )
    return None


# --- finding a post an earlier try made -----------------------------------------------------


def _find(
    ctx: BotContext,
    channel_id: str,
    thread_ts: str | None,
    run_date: str,
    event_type: str,
    **wanted: Any,
) -> dict | None:
    """The channel's message with this metadata, if an earlier try posted it: among the
    thread's replies, or the channel's history since the day before the run's date."""
    if thread_ts:
        method, args = "conversations.replies", {"ts": thread_ts}
    else:
        since = datetime.combine(date.fromisoformat(run_date) - timedelta(days=2), time(), UTC)
        method, args = "conversations.history", {"oldest": f"{since.timestamp():.6f}"}
    return find_posted(ctx, method, channel_id, event_type, wanted, pages=HISTORY_PAGES, **args)


# --- the channel ----------------------------------------------------------------------------


def _channel_line(code: str, checkin: sqlite3.Row) -> str | None:
    """The line for a person when Slack's error means the bot cannot post to the channel."""
    channel, name = checkin["broadcast"], checkin["name"]
    if code == "not_in_channel":
        return channel_rules.not_member_line(channel, name)
    if code == "channel_not_found":
        return channel_rules.not_visible_line(channel, name)
    if code == "is_archived":
        return channel_rules.archived_line(channel, name)
    return None


def _channel_problem(ctx: BotContext, checkin: sqlite3.Row, line: str | None) -> None:
    """Record what is wrong with the channel; said (logged, counted) when it is news."""
    seen: dict = ctx.cache.setdefault("broadcast_checked", {})
    first = seen.get(checkin["id"]) != checkin["broadcast"]
    seen[checkin["id"]] = checkin["broadcast"]
    changed = channel_rules.record_check(
        ctx.conn, checkin["id"], checkin["broadcast"], line, ctx.clock
    )
    if line is not None and (changed or first):
        ctx.logger.warning(line)
        events.record_event(
            ctx.conn,
            "standup_channel",
            error=line[:300],
            checkin_id=checkin["id"],
            detail={"channel": checkin["broadcast"]},
            clock=ctx.clock,
        )


def check_channels(ctx: BotContext, now: datetime) -> None:
    """Queue a look at each standup channel the bot has not looked at since it started, that
    is new or moved, or that had a problem RECHECK ago."""
    seen: dict = ctx.cache.setdefault("broadcast_checked", {})
    later: dict = ctx.cache.setdefault("broadcast_check_after", {})
    for checkin in model.active_checkins(ctx.conn):
        channel = checkin["broadcast"]
        if not channel or (checkin["id"] in later and now < later[checkin["id"]]):
            continue
        recorded = checkin["broadcast_checked"] == channel
        stale = (
            recorded
            and checkin["broadcast_problem"] is not None
            and (
                checkin["broadcast_checked_at"] is None
                or parse_iso(checkin["broadcast_checked_at"]) <= now - RECHECK
            )
        )
        if seen.get(checkin["id"]) == channel and recorded and not stale:
            continue
        ctx.defer_once(
            f"broadcast:check:{checkin['id']}",
            lane(checkin["id"]),
            check_channel,
            ctx,
            checkin["id"],
        )


def check_channel(ctx: BotContext, checkin_id: int) -> str | None:
    """Look at the check-in's channel: the bot must be in it. Returns the problem's line, or
    None when the bot can post there (posts that waited for it are then made)."""
    conn = ctx.conn
    checkin = model.get_checkin_by_id(conn, checkin_id)
    if checkin is None or not checkin["broadcast"]:
        return None
    channel, name = checkin["broadcast"], checkin["name"]
    line: str | None = None
    try:
        channel_id = members.channel_id(ctx, channel)
        if channel_id is None:
            line = channel_rules.not_visible_line(channel, name)
        else:
            info = call(ctx, "conversations.info", channel=channel_id)["channel"]
            channels.record_channels(conn, [info], clock=ctx.clock)
            shown = f"#{info['name']}" if info.get("name") else channel  # where people type
            if info.get("is_archived"):
                line = channel_rules.archived_line(shown, name)
            elif not info.get("is_member"):
                line = channel_rules.not_member_line(shown, name)
    except (SlackApiError, SlackUnavailable) as exc:
        code = error_code(exc)
        line = _channel_line(code, checkin)
        if line is None:
            ctx.logger.warning("standup channel %s of %s not looked at: %s", channel, name, code)
            later: dict = ctx.cache.setdefault("broadcast_check_after", {})
            later[checkin_id] = ctx.clock() + CHECK_RETRY
            return None
    had = channel_rules.problem(checkin)
    _channel_problem(ctx, checkin, line)
    if line is None and had:
        freed = posts.forget_failed(conn, checkin_id)
        ctx.logger.info(
            "the bot is in %s now: %s's answers are posted there (%d waiting)",
            channel,
            name,
            freed,
        )
    return line
