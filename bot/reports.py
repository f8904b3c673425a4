"""The weekly summary in Slack: posted at report time, on request with `/checkin report`.

- `tick(ctx)`: when a check-in's report is due (its report day and time in
  its reporting zone, or up to 3 days later after downtime), the week's
  `report_posts` row is claimed first and only the claimer posts, so the
  post goes out once per check-in and week across ticks, restarts and
  processes. A claim left 'posting' (a bot stopped mid-post, or Slack failed
  or timed out, maybe after taking the post) is tried again by its owner, or
  by another bot once it is 5 minutes old, after checking the channel (the
  summary carries metadata naming check-in and week): marked posted, or
  posted now if it never went out.
- The post: a Block Kit summary in the channel, then in its thread the
  chart (uploaded with files_upload_v2) and the text answers, so the channel
  gets one message.
- `/checkin report [last week | this week | 2026-W48] [@member] [check-in] [dm]`:
  the summary as an ephemeral message, or with `dm` in the person's DM with
  the chart; with `@member`, that member's answers for the week. Each shows
  the asker what the web app shows them (`checkin.reports.for_viewer` with
  the viewer sign-in would make): in a private check-in a member gets their
  own words and team figures with small groups held back, leads and admins
  everyone's answers; in a team check-in everyone asked gets everyone's.
- The channel post is `for_viewer.channel_report`: a private check-in's team
  figures as a member sees them, naming nobody; a team check-in's whole report.
- Outbox `post_report` ({"checkin", "week", "channel"}): a post asked for
  from the command line or the web app; it does not count as the week's
  scheduled post.
- Late answers (`checkin.reports.late`): an answer given after the week's
  scheduled summary was posted is told in its thread, in one note ("Late: 2
  more answers, participation now 92%") posted once (claimed first, looked
  for in the thread after a stop) and edited as more come, at most hourly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot import commands, members
from bot.blocks import (
    MESSAGE_BLOCKS_MAX,
    SECTION_MAX,
    clip,
    context,
    esc,
    esc_clip,
    plain,
    section,
)
from bot.context import BotContext
from bot.dm import open_dm
from bot.slack import SlackUnavailable, call, error_code, find_posted, is_transient
from checkin import errors
from checkin.answers import asked
from checkin.checkins.timing import Schedule, report_due
from checkin.ops import events
from checkin.people.access import Refusal
from checkin.reports import build, for_viewer, formats, late, model, posts
from checkin.reports.posts import retry_failed_report_post
from checkin.weeks import week_bounds

METADATA_EVENT = "checkin_report"
LATE_EVENT = "checkin_report_late"
ANSWERS_PER_MESSAGE = 40
THREAD_MESSAGES_MAX = 20
RETRY_AFTER_S = 60
FAILED_RETRY = timedelta(hours=1)  # a week that failed (bot not in the channel) is tried again
HISTORY_PAGES = 50  # of 200 messages: how far back a restart looks for a week's summary
HEADER_MAX = 150
QUESTION_MAX = 1000  # a question's text as a bold title, escaped
USAGE = (
    "`{command} report last week`, `{command} report 2026-W48 wellbeing` or "
    "`{command} report this week @someone` (a check-in named like a keyword in quotes: "
    '`{command} report last week "dm"`)'
)

_WEEK = re.compile(r"^(?:(last|this|previous|current)(?:\s+week)?|\d{4}-w\d{1,2})$", re.I)
_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”|\'([^\']+)\'|‘([^’]+)’')
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


class PostError(Exception):
    """The report could not be posted for a reason a person must fix (no such channel, ...)."""


# --- wiring -----------------------------------------------------------------------------------


def register(app: App, ctx: BotContext) -> None:
    commands.add_subcommand(
        "report",
        on_report_command,
        "`report last week` (or `this week`, `2026-W48`, a check-in name, `@someone`, `dm`): "
        "the weekly summary",
    )


def tick(ctx: BotContext) -> None:
    """Post every report that is due and not posted yet, and the notes of answers given
    after one was; never raises."""
    now = ctx.clock()
    for checkin in posts.reportable_checkins(ctx.conn):
        try:
            week = report_due(Schedule.of(checkin), now)
            if week is not None:
                _post_scheduled(ctx, checkin, week)
        except Exception:
            ctx.logger.exception("report of %s failed", checkin["name"])
    try:
        in_flight: set = ctx.cache.setdefault("late_in_flight", set())
        for row in late.notes_due(ctx.conn, now):
            key = (row["checkin_id"], row["week"])
            if key not in in_flight:
                in_flight.add(key)
                ctx.defer(f"report:{row['checkin_id']}", note_late, ctx, *key)
    except Exception:
        ctx.logger.exception("late answers' notes failed")


def handle_outbox(ctx: BotContext, payload: dict) -> None:
    conn = ctx.conn
    checkin = build.resolve_checkin(conn, payload.get("checkin"))
    week = build.resolve_week(payload.get("week"), ctx.clock(), checkin["timezone"] or "UTC")
    channel = payload.get("channel") or checkin["report_channel"]
    if not channel:
        raise PostError(f"{checkin['name']} has no report channel and none was given")
    post_for_channel(ctx, checkin, week, channel)


OUTBOX: dict[str, Callable[[BotContext, dict], None]] = {"post_report": handle_outbox}


# --- the scheduled post -------------------------------------------------------------------------


def _post_scheduled(ctx: BotContext, checkin: Any, week: str) -> None:
    key = (checkin["id"], week)
    in_flight: set = ctx.cache.setdefault("reports_in_flight", set())
    if key in in_flight:
        return
    backoff: dict = ctx.cache.setdefault("reports_backoff", {})
    if key in backoff and backoff[key] > ctx.clock():
        return
    row = posts.get_report_post(ctx.conn, checkin["id"], week)
    if row is not None and row["status"] == "posted":
        return
    channel = checkin["report_channel"]
    owner = posts.claim_owner()
    if row is not None and row["status"] == "failed":
        # Failed for a reason a person fixes (the bot not in the channel): tried again
        # hourly while the week's report is due, so it goes out once they have.
        if not retry_failed_report_post(
            ctx.conn, checkin["id"], week, channel, owner, FAILED_RETRY, ctx.clock
        ):
            return
        row = posts.get_report_post(ctx.conn, checkin["id"], week)
    elif row is None:
        if not posts.claim_report_post(ctx.conn, checkin["id"], week, channel, owner, ctx.clock):
            return  # another process claimed it a moment ago
    elif not posts.take_over_report_post(ctx.conn, checkin["id"], week, owner, ctx.clock):
        return  # another bot's claim, not stale yet
    in_flight.add(key)
    ctx.defer(f"report:{checkin['id']}", _post_claimed, ctx, checkin, week, channel, row)


def _post_claimed(ctx: BotContext, checkin: Any, week: str, channel: str, left: Any) -> None:
    """Post a claimed week; `left` is the row an earlier try left 'posting' (None: claimed now).

    After an earlier try the summary may be out already (a timeout after Slack
    took it, a bot stopped mid-post), so the channel is checked first. Any
    doubt keeps the claim and tries again later: never a second post.
    """
    key = (checkin["id"], week)
    conn = ctx.conn
    try:
        if left is not None:
            try:
                ts = _find_posted(ctx, left["channel"] or channel, checkin["id"], week)
            except Exception as exc:
                ctx.logger.error(
                    "report %s %s: could not look for an earlier post (%s); trying again later",
                    checkin["name"],
                    week,
                    error_code(exc),
                )
                _retry_later(ctx, key)
                return
            if ts is not None:
                ctx.logger.info("report %s %s was posted before", checkin["name"], week)
                try:
                    report = for_viewer.channel_report(conn, checkin["id"], week, ctx.clock())
                except errors.NotAllowed:
                    report = None  # held back: the post is the whole of it
                if report is not None:
                    channel_ref = members.channel_id(ctx, channel) or channel
                    complete_thread(ctx, report, channel_ref, ts)
                posts.finish_report_post(conn, checkin["id"], week, message_ts=ts, clock=ctx.clock)
                return
        ts = post_for_channel(ctx, checkin, week, channel)
        posts.finish_report_post(conn, checkin["id"], week, message_ts=ts, clock=ctx.clock)
        ctx.logger.info("posted the %s report for %s to %s", checkin["name"], week, channel)
    except Exception as exc:
        if isinstance(exc, (SlackApiError, SlackUnavailable)) and is_transient(exc):
            # Slack may have taken the post before the error: keep the claim, check first next time
            ctx.logger.warning(
                "report %s %s: %s; trying again later", checkin["name"], week, error_code(exc)
            )
            _retry_later(ctx, key)
        else:
            reason = error_code(exc) if isinstance(exc, SlackApiError) else str(exc)
            ctx.logger.error("report %s %s not posted: %s", checkin["name"], week, reason)
            posts.finish_report_post(conn, checkin["id"], week, error=reason, clock=ctx.clock)
            _count(
                ctx,
                "report_failed",
                error=reason[:200],
                checkin_id=checkin["id"],
                detail={"week": week, "channel": channel},
            )
    finally:
        ctx.cache.setdefault("reports_in_flight", set()).discard(key)


def note_late(ctx: BotContext, checkin_id: int, week: str) -> str:
    """The summary's note of answers given after it: posted once, then kept current.

    Returns 'posted', 'found' (an earlier try's note was in the thread), 'updated',
    'nothing' or 'later' (Slack failed: tried again after `late.LATE_EVERY`).
    """
    conn = ctx.conn
    try:
        row = late.get_note(conn, checkin_id, week)
        if row is None or row["status"] != "posted" or not row["message_ts"]:
            return "nothing"
        count = row["late_count"]
        if row["late_status"] == "posted" and count <= row["late_answers"]:
            return "nothing"
        channel_id = members.channel_id(ctx, row["channel"]) or row["channel"]
        text = esc(late.note_text(conn, checkin_id, week, count, ctx.clock()))
        ts = row["late_ts"]
        outcome = "updated"
        if ts is None and row["late_status"] == "posting":
            # claimed by an earlier try that may have posted it before it stopped
            found = _find_late_note(ctx, channel_id, row["message_ts"], checkin_id, week)
            ts, outcome = (found["ts"], "found") if found is not None else (None, "posted")
        elif ts is None:
            if not late.claim_note(conn, checkin_id, week, posts.claim_owner()):
                return "nothing"
            outcome = "posted"
        if ts is None:
            response = call(
                ctx,
                "chat.postMessage",
                checkin_id=checkin_id,
                channel=channel_id,
                thread_ts=row["message_ts"],
                text=text,
                unfurl_links=False,
                unfurl_media=False,
                metadata={
                    "event_type": LATE_EVENT,
                    "event_payload": {"checkin_id": checkin_id, "week": week},
                },
            )
            late.note_made(conn, checkin_id, week, count, ts=response["ts"], clock=ctx.clock)
            return outcome
        call(ctx, "chat.update", checkin_id=checkin_id, channel=channel_id, ts=ts, text=text)
        late.note_made(conn, checkin_id, week, count, ts=ts, clock=ctx.clock)
        return outcome
    except (SlackApiError, SlackUnavailable) as exc:
        ctx.logger.warning("late answers' note of %s %s: %s", checkin_id, week, error_code(exc))
        late.note_put_off(conn, checkin_id, week, clock=ctx.clock)
        return "later"
    finally:
        ctx.cache.setdefault("late_in_flight", set()).discard((checkin_id, week))


def _find_late_note(
    ctx: BotContext, channel_id: str, thread_ts: str, checkin_id: int, week: str
) -> dict | None:
    """The summary's late note in its thread, if an earlier try posted it."""
    wanted = {"checkin_id": checkin_id, "week": week}
    return find_posted(
        ctx,
        "conversations.replies",
        channel_id,
        LATE_EVENT,
        wanted,
        pages=HISTORY_PAGES,
        ts=thread_ts,
    )


def _retry_later(ctx: BotContext, key: tuple[int, str]) -> None:
    # on the injected clock: a test (or a clock step) moves it, not the wall clock
    ctx.cache.setdefault("reports_backoff", {})[key] = ctx.clock() + timedelta(
        seconds=RETRY_AFTER_S
    )


def _find_posted(ctx: BotContext, channel: str, checkin_id: int, week: str) -> str | None:
    """The ts of this week's summary if the channel has it already.

    The whole history since the week began is searched, every page: a bot
    restarted days later in a busy channel still finds it.
    """
    channel_id = members.channel_id(ctx, channel)
    if channel_id is None:
        return None
    monday, _ = week_bounds(week)
    oldest = datetime.combine(monday - timedelta(days=1), datetime.min.time(), UTC).timestamp()
    found = find_posted(
        ctx,
        "conversations.history",
        channel_id,
        METADATA_EVENT,
        {"checkin_id": checkin_id, "week": week},
        pages=HISTORY_PAGES,
        oldest=f"{oldest:.6f}",
    )
    return found.get("ts") if found is not None else None


def complete_thread(ctx: BotContext, report: model.Report, channel_id: str, ts: str) -> None:
    """A summary found posted by an earlier try: its chart and answers, if the thread lacks them."""
    try:
        replies = call(ctx, "conversations.replies", channel=channel_id, ts=ts, limit=200)
    except (SlackApiError, SlackUnavailable) as exc:
        ctx.logger.warning("report thread not checked: %s", error_code(exc))
        return
    thread = [m for m in replies.get("messages") or [] if m.get("ts") != ts]
    if not any(m.get("files") for m in thread):
        _post_chart(ctx, report, channel_id, ts)
    if not any(m.get("text") and not m.get("files") for m in thread):
        _post_answers(ctx, report, channel_id, ts)


# --- posting ----------------------------------------------------------------------------------


def post_for_channel(ctx: BotContext, checkin: Any, week: str, channel: str) -> str:
    """The week's summary as the report channel may read it (`for_viewer.channel_report`):
    a private check-in's team figures naming nobody, a team check-in's whole report; its ts."""
    try:
        report = for_viewer.channel_report(ctx.conn, checkin["id"], week, ctx.clock())
    except errors.NotAllowed as exc:
        return post_held_back(ctx, checkin, week, channel, str(exc))
    return post_report(ctx, report, channel)


def post_held_back(ctx: BotContext, checkin: Any, week: str, channel: str, reason: str) -> str:
    """A week too few answered to show the channel: one line saying so, with the metadata
    that marks it as the week's post."""
    channel_id = members.channel_id(ctx, channel)
    if channel_id is None:
        raise PostError(f"no channel {channel} that the bot can see: invite the bot to it")
    monday = week_bounds(week)[0].isoformat()
    header = f"{checkin['name']}: week of {formats.day_words(monday)}"
    response = call(
        ctx,
        "chat.postMessage",
        checkin_id=checkin["id"],
        channel=channel_id,
        text=esc(clip(f"{header}. {reason}", 3000)),
        blocks=[{"type": "header", "text": plain(header, HEADER_MAX)}, section(esc(reason))],
        unfurl_links=False,
        unfurl_media=False,
        metadata={
            "event_type": METADATA_EVENT,
            "event_payload": {"checkin_id": checkin["id"], "week": week},
        },
    )
    return response["ts"]


def post_report(ctx: BotContext, report: model.Report, channel: str) -> str:
    """Summary in `channel` ("#name" or an id), chart and text answers in its thread; its ts."""
    channel_id = members.channel_id(ctx, channel)
    if channel_id is None:
        raise PostError(f"no channel {channel} that the bot can see: invite the bot to it")
    text, blocks = summary_message(report, in_channel=True)
    response = call(
        ctx,
        "chat.postMessage",
        checkin_id=report.checkin_id,
        channel=channel_id,
        text=text,
        blocks=blocks,
        unfurl_links=False,
        unfurl_media=False,
        metadata={
            "event_type": METADATA_EVENT,
            "event_payload": {"checkin_id": report.checkin_id, "week": report.week},
        },
    )
    ts = response["ts"]
    _post_chart(ctx, report, channel_id, ts)
    _post_answers(ctx, report, channel_id, ts)
    return ts


def _post_chart(ctx: BotContext, report: model.Report, channel_id: str, ts: str) -> None:
    try:
        upload_chart(ctx, report, channel_id, thread_ts=ts)
    except Exception as exc:  # the summary is out: a chart failure must not hide or repeat it
        ctx.logger.warning(
            "report chart not posted: %s",
            error_code(exc),
            exc_info=not isinstance(exc, (SlackApiError, SlackUnavailable)),
        )
        _count(ctx, "report_chart_failed", error=error_code(exc), checkin_id=report.checkin_id)


def _post_answers(ctx: BotContext, report: model.Report, channel_id: str, ts: str) -> None:
    for text, blocks in answer_messages(report):
        try:
            call(
                ctx,
                "chat.postMessage",
                checkin_id=report.checkin_id,
                channel=channel_id,
                thread_ts=ts,
                text=text,
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        except (SlackApiError, SlackUnavailable) as exc:
            ctx.logger.warning("report answers not all posted: %s", error_code(exc))
            break


def _count(ctx: BotContext, kind: str, **fields: Any) -> None:
    try:
        events.record_event(ctx.conn, kind, clock=ctx.clock, **fields)
    except Exception:
        ctx.logger.exception("could not record a %s event", kind)


def upload_chart(
    ctx: BotContext, report: model.Report, channel_id: str, thread_ts: str | None = None
) -> None:
    # Altair is a third of the bot's start-up, and only a weekly post draws a chart.
    from checkin.reports import charts

    png = charts.to_png(charts.report_chart(report))
    extra = {"thread_ts": thread_ts} if thread_ts else {}
    call(
        ctx,
        "files_upload_v2",
        checkin_id=report.checkin_id,
        channel=channel_id,
        file=png,
        filename=charts.chart_filename(report),
        title=f"{report.checkin}, week {report.week}",
        alt_txt=clip(charts.alt_text(report), 1000),
        **extra,
    )


# --- Block Kit --------------------------------------------------------------------------------


def summary_message(
    report: model.Report, *, in_channel: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks): headline figures, one line per question, who has not answered."""
    header = f"{report.checkin}: week of {formats.day_words(report.start.isoformat())}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain(header, HEADER_MAX)},
        section("\n".join(esc(line) for line in formats.headline_lines(report))),
    ]
    if report.missing_members:
        prefix = "*Not answered:* "
        names = esc_clip(", ".join(report.missing_members), SECTION_MAX - len(prefix))
        blocks.append(section(prefix + names))
    room = MESSAGE_BLOCKS_MAX - len(blocks) - 2
    for q in report.questions[:room]:
        pool = " _(question pool)_" if q.from_pool else ""
        line = formats.question_line(q)
        if q.kind == "text" and q.answers:
            line += " In the thread." if in_channel else ""
        title = f"*{esc_clip(q.text, QUESTION_MAX)}*{pool}\n"
        blocks.append(section(title + esc_clip(line, SECTION_MAX - len(title))))
    if len(report.questions) > room:
        blocks.append(section(f"…and {len(report.questions) - room} more questions."))
    note = (
        "Chart and answers in the thread."
        if in_channel
        else f"Week {report.week}, {formats.week_words(report)}."
    )
    blocks.append(context(note))
    text = f"{header}. " + " ".join(formats.headline_lines(report))
    return esc(clip(text, 3000)), blocks


def answer_messages(
    report: model.Report, per_message: int = ANSWERS_PER_MESSAGE
) -> list[tuple[str, list[dict[str, Any]]]]:
    """The text answers as thread messages, by question; shown as plain text, never as markup."""
    messages: list[tuple[str, list[dict[str, Any]]]] = []
    total = len(report.text_answers)
    shown = 0
    for q, answers in report.text_by_question():
        for start in range(0, len(answers), per_message):
            if len(messages) >= THREAD_MESSAGES_MAX - 1:
                break
            chunk = answers[start : start + per_message]
            title = f"*{esc_clip(q.text, QUESTION_MAX)}*" + (
                f" ({start + 1}–{start + len(chunk)} of {len(answers)})"
                if len(answers) > per_message
                else ""
            )
            blocks = [section(title)]
            for a in chunk:
                notes = [n for n, on in (("late", a.late), ("edited", a.edited)) if on]
                label = f"{a.member}, {formats.day_words(a.local_date)}"
                label += f" ({', '.join(notes)})" if notes else ""
                blocks.append(
                    {"type": "section", "text": plain(f"{label}:\n{a.text}", SECTION_MAX)}
                )
            shown += len(chunk)
            messages.append((esc(clip(f"Answers to {q.text}", 3000)), blocks))
    if shown < total:
        rest = total - shown
        messages.append(
            (
                f"{rest} more answers",
                [section(f"{rest} more answers: `python -m checkin report --week {report.week}`")],
            )
        )
    return messages


def member_message(mw: model.MemberWeek) -> tuple[str, list[dict[str, Any]]]:
    monday = week_bounds(mw.week)[0].isoformat()
    header = f"{mw.member}: {mw.checkin}, week of {formats.day_words(monday)}"
    blocks: list[dict[str, Any]] = [{"type": "header", "text": plain(header, HEADER_MAX)}]
    if not mw.runs:
        blocks.append(section("Not asked that week."))
    for day, outcome in mw.runs[: MESSAGE_BLOCKS_MAX - 2]:
        lines = []
        for a in mw.answers:
            if a.local_date != day:
                continue
            value = "(skipped)" if a.skipped else (a.text or formats.number(a.number))
            lines.append(f"{a.question}{' (late)' if a.late else ''}: {value}")
        blocks.append(section(f"*{formats.day_words(day)}*: {outcome}"))
        if lines:
            blocks.append({"type": "section", "text": plain("\n".join(lines), SECTION_MAX)})
    return esc(clip(header, 3000)), blocks[:MESSAGE_BLOCKS_MAX]


def _text_answers_blocks(report: model.Report, room: int) -> list[dict[str, Any]]:
    """Text answers for an ephemeral reply: one plain-text section per question, clipped."""
    out: list[dict[str, Any]] = []
    for q, answers in report.text_by_question()[:room]:
        lines = [f"{a.member}, {formats.day_words(a.local_date)}: {a.text}" for a in answers]
        out.append(section(f"*{esc_clip(q.text, QUESTION_MAX)}*"))
        out.append({"type": "section", "text": plain("\n".join(lines), SECTION_MAX)})
    return out[: max(0, room)]


# --- /checkin report ------------------------------------------------------------------------------


def _only_own(command: str, checkin: str) -> str:
    """What a member may see instead of someone else's answers, in one line."""
    return (
        f"In {esc(checkin)} you can see your own answers (`{command} report @yourname`) and the "
        f"team figures (`{command} report`); other people's answers are for its leads and admins."
    )


def parse_request(args: str) -> tuple[str | None, str | None, str | None, bool]:
    """'last week @U1 wellbeing dm' → (week text, member id, check-in name, to DM).

    Week words (`last`, `this`, `last week`, `2026-W48`) and `dm`/`me` are read
    as such wherever they stand; the other words are the check-in's name. A
    check-in named like one of those words is named in quotes: `"dm"`,
    `"this week"`.
    """
    quoted = None
    found_name = _QUOTED.search(args)
    if found_name:
        quoted = next(g for g in found_name.groups() if g is not None).strip()
        args = args[: found_name.start()] + " " + args[found_name.end() :]
    member = None
    found = _MENTION.search(args)
    if found:
        member = found.group(1)
        args = _MENTION.sub(" ", args)
    words = args.split()
    week = None
    dm = False
    rest: list[str] = []
    i = 0
    while i < len(words):
        pair = " ".join(words[i : i + 2])
        if week is None and i + 1 < len(words) and _WEEK.match(pair):
            week, i = pair, i + 2
            continue
        if week is None and _WEEK.match(words[i]):
            week, i = words[i], i + 1
            continue
        if words[i].lower() in ("dm", "me"):
            dm, i = True, i + 1
            continue
        rest.append(words[i])
        i += 1
    name = " ".join(([quoted] if quoted else []) + rest) or None
    return week, member, name, dm


def on_report_command(ctx: BotContext, body: dict, args: str, respond: Callable[..., Any]) -> None:
    """`/checkin report …` after the ack: the summary, a member's week, or what was not understood."""
    command = ctx.config.command
    user_id = str(body.get("user_id") or "")
    usage = USAGE.format(command=command)
    week_text, member_id, name, dm = parse_request(args)
    conn = ctx.conn
    try:
        checkin = build.resolve_checkin(conn, name)
        week = build.resolve_week(week_text or "last", ctx.clock(), checkin["timezone"] or "UTC")
    except errors.NotFound as exc:
        respond(text=f"I did not understand that: {esc(str(exc))}.\nTry {usage}.")
        return
    viewer = members.viewer(ctx, user_id)
    if isinstance(viewer, Refusal):
        respond(text=esc(viewer.message))
        return
    if member_id:
        if not viewer.may_see_member(member_id, checkin["id"]):
            respond(text=_only_own(command, checkin["name"]))
            return
        try:
            mw = build.member_week(conn, checkin, member_id, week)
        except errors.NotFound as exc:
            respond(text=f"{exc}.")
            return
        text, blocks = member_message(mw)
        respond(text=text, blocks=blocks)
        return
    try:
        report = for_viewer.weekly_report(conn, viewer, checkin["id"], week, ctx.clock())
    except errors.NotAllowed as exc:
        if not asked.may_see_aggregates(conn, viewer, checkin["id"]):
            respond(
                text=f"The {esc(checkin['name'])} summary is for the people asked in it, "
                "its leads and admins."
            )
        else:
            respond(text=esc(str(exc)))
        return
    text, blocks = summary_message(report)
    if dm and not ctx.config.allows_dm(user_id):
        ctx.logger.info("report to %s's DM skipped: development mode (CHECKIN_DEV_USERS)", user_id)
        blocks = blocks[: MESSAGE_BLOCKS_MAX - 1] + [
            context("Not sent to your DM: in development mode the bot DMs only CHECKIN_DEV_USERS.")
        ]
        dm = False
    if dm:
        channel = open_dm(ctx, user_id)
        call(
            ctx,
            "chat.postMessage",
            channel=channel,
            text=text,
            blocks=blocks,
            checkin_id=report.checkin_id,
        )
        upload_chart(ctx, report, channel)
        respond(text=f"Sent the {report.checkin} summary for {week} to your DMs, with its chart.")
        return
    room = MESSAGE_BLOCKS_MAX - len(blocks)
    respond(text=text, blocks=blocks + _text_answers_blocks(report, room))
