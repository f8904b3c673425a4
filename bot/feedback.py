"""Peer feedback in Slack: `/checkin feedback`, the invites with their one-time links, declines,
one reminder, and the note that results are ready.

The invites go out through the outbox (`OUTBOX["feedback_invites"]`), whether
the request came from here or from the web app. The form itself is a page of
the web app; Slack never sees an answer. The rules live in `checkin.feedback`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_bolt.context.respond import Respond
from slack_sdk.errors import SlackApiError

from bot import blocks, members
from bot.commands import add_subcommand
from bot.context import BotContext
from bot.dm import open_dm
from bot.listen import acked
from bot.payload import action_of, user_of
from bot.slack import SlackUnavailable, call, error_code, is_transient
from checkin import errors
from checkin.checkins.timing import local_today
from checkin.clock import parse_iso
from checkin.config import USER_ID
from checkin.feedback import form, invites, listing, requests, results

OPEN = "feedback_open"  # the link button: Slack sends a click too, which only needs its ack
DECLINE = "feedback_decline"
CONFIRM = "feedback_confirm"
CANCEL = "feedback_cancel"
FORM_PAGE = "feedback_form"
RESULTS_PAGE = "feedback"
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def register(app: App, ctx: BotContext) -> None:
    add_subcommand(
        "feedback",
        feedback_command,
        "`feedback @subject from @a @b @c [by 2026-12-11]`: ask at least 3 people for anonymous "
        "feedback about someone, due in 7 days unless you say (add `share` to tell the subject "
        "when results are ready)",
    )
    app.action(OPEN)(_ack_only)
    app.action(DECLINE)(acked(ctx, on_decline))
    app.action(CONFIRM)(acked(ctx, on_confirm))
    app.action(CANCEL)(acked(ctx, on_cancel))


def _ack_only(ack: Callable[..., Any]) -> None:
    ack()


def tick(ctx: BotContext) -> None:
    """Failed invites tried again, one reminder two days before the due date, requests
    closed when due, the note that results are ready. Never raises."""
    for step in (retry_invites, remind, close_due, announce_results):
        try:
            step(ctx)
        except Exception:
            ctx.logger.exception("feedback: %s failed", step.__name__)


# --- the command -------------------------------------------------------------------------


def usage(ctx: BotContext) -> str:
    return f"`{ctx.config.command} feedback @subject from @a @b @c [by 2026-12-11]`"


def parse(text: str) -> dict[str, Any]:
    """The subject, reviewers, due date and `share` of the command's text (unchecked)."""
    halves = re.split(r"\sfrom\s", f" {text} ", maxsplit=1, flags=re.I)
    head, tail = (halves[0], halves[1]) if len(halves) == 2 else (halves[0], "")
    parts = re.split(r"\sby\s", f" {tail or head} ", maxsplit=1, flags=re.I)
    middle, due_part = (parts[0], parts[1]) if len(parts) == 2 else (parts[0], "")
    subject_part, reviewers_part = (head, middle) if tail else (middle, "")
    words = due_part.split()
    due = next((w for w in words if w.lower() != "share"), None)
    if not due_part:  # no `by`: `share` may close the list of reviewers
        words = middle.split()
    subjects = _MENTION.findall(subject_part)
    return {
        "subject": subjects[0] if subjects else None,
        "subjects": subjects,
        "reviewers": _MENTION.findall(reviewers_part),
        "due": due,
        "share": any(w.lower() == "share" for w in words),
    }


def feedback_command(ctx: BotContext, body: dict, args: str, respond: Callable[..., Any]) -> None:
    user_id = str(body.get("user_id") or "")
    request = parse(args)
    if request["subject"] is None:
        respond(text=f"Say whom the feedback is about first: {usage(ctx)}")
        return
    if len(request["subjects"]) > 1:
        respond(text=f"Name one subject before `from`, then the reviewers: {usage(ctx)}")
        return
    _send(ctx, user_id, request, respond, confirmed=False)


def _send(
    ctx: BotContext,
    user_id: str,
    request: dict[str, Any],
    respond: Callable[..., Any],
    confirmed: bool,
) -> None:
    for person in dict.fromkeys([request["subject"], *request["reviewers"]]):
        members.refresh_member(ctx, person)  # bot, deactivated: as Slack says now
    requester = members.member(ctx, user_id)
    today = local_today(requester["tz"] if requester else None, ctx.clock())
    try:
        request_id = requests.create_request(
            ctx.conn,
            subject=request["subject"],
            requested_by=user_id,
            reviewers=request["reviewers"],
            due=request["due"],
            today=today,
            notify_subject=request["share"],
            confirmed=confirmed,
            admins=ctx.config.admins,
            clock=ctx.clock,
        )
    except requests.NeedsConfirmation as exc:
        value = json.dumps({k: request[k] for k in ("subject", "reviewers", "due", "share")})
        respond(text=str(exc), blocks=confirm_blocks(str(exc), value))
        return
    except errors.Refused as exc:
        respond(text=str(exc))
        return
    names = ", ".join(requests.name_of(ctx.conn, r) for r in dict.fromkeys(request["reviewers"]))
    subject = requests.name_of(ctx.conn, request["subject"])
    share = f" and {subject}" if request["share"] and request["subject"] != user_id else ""
    kept = requests.get_request(ctx.conn, request_id)
    due = kept["closes_on"] if kept else request["due"]
    respond(
        text=f"Asked {names} for feedback about {subject}, due {due} (request #{request_id}). "
        f"Their answers are anonymous; you{share} will get a DM when the request closes (on the "
        f"due date, or once everyone has answered), with the results if at least "
        f"{requests.MIN_RESPONSES} answered.",
        replace_original=True,
    )


def on_confirm(ctx: BotContext, body: dict) -> None:
    action = action_of(body)
    try:
        request = json.loads(action.get("value") or "{}")
    except ValueError:
        return
    request.setdefault("share", False)
    respond = Respond(response_url=body.get("response_url"))
    _send(ctx, user_of(body), request, respond, confirmed=True)


def on_cancel(ctx: BotContext, body: dict) -> None:
    Respond(response_url=body.get("response_url"))(
        text="Not sent: nobody was asked.", replace_original=True
    )


# --- invites ---------------------------------------------------------------------------------


def form_link(ctx: BotContext, token: str) -> str:
    return f"{ctx.config.dashboard_url}/{FORM_PAGE}?token={token}"


def send_invites(ctx: BotContext, payload: dict) -> None:
    """The outbox's `feedback_invites`: DM each reviewer not DMed yet their own link.

    A DM that fails for a reason that may pass (5xx, timeout, 429 beyond the
    client's budget) is tried again later with backoff (`tick` queues it
    again); one Slack will never take (a deactivated reviewer, a
    development-mode skip) is kept as refused, with its reason for the
    requester. No invite is sent twice: a sent one is never picked again, and
    after a post whose answer was lost the DM is read before posting again.
    """
    request = requests.get_request(ctx.conn, int(payload.get("request_id") or 0))
    if request is None:
        raise LookupError(f"no feedback request {payload.get('request_id')}")
    for invite in invites.invites_to_send(ctx.conn, request["id"], ctx.clock()):
        _send_invite(ctx, request, invite)


def _send_invite(ctx: BotContext, request: Any, invite: Any) -> None:
    member, invite_id = invite["member_id"], invite["id"]
    if invite["posting_at"] and invite["channel_id"]:
        try:
            found = _posted_invite(ctx, invite)
        except (SlackApiError, SlackUnavailable) as exc:
            _failed(ctx, invite, exc)  # not known whether it went out: never post blind
            return
        if found is not None:
            invites.mark_invite_sent(ctx.conn, invite_id, invite["channel_id"], found, ctx.clock)
            return
        invites.mark_invite_not_posted(ctx.conn, invite_id)
    try:
        channel = open_dm(ctx, member)
    except (SlackApiError, SlackUnavailable) as exc:
        _failed(ctx, invite, exc)
        return
    token = invites.issue_link_token(ctx.conn, invite_id)
    text, body = invite_blocks(ctx, request, invite_id, form_link(ctx, token))
    invites.mark_invite_posting(ctx.conn, invite_id, channel, ctx.clock)
    try:
        posted = call(
            ctx, "chat.postMessage", member=member, channel=channel, text=text, blocks=body
        )
    except (SlackApiError, SlackUnavailable) as exc:
        if not _may_have_posted(exc):
            invites.mark_invite_not_posted(ctx.conn, invite_id)
        _failed(ctx, invite, exc)
        return
    invites.mark_invite_sent(ctx.conn, invite_id, channel, posted["ts"], ctx.clock)


def _may_have_posted(exc: Exception) -> bool:
    """A post that failed with a 5xx or no answer at all may have been made by Slack."""
    if isinstance(exc, SlackUnavailable):
        return True
    return isinstance(exc, SlackApiError) and exc.response.status_code >= 500


def _posted_invite(ctx: BotContext, invite: Any) -> str | None:
    """The ts of the invite's DM if Slack did post it (the answer to the post was lost)."""
    oldest = parse_iso(invite["posting_at"]) - timedelta(minutes=1)
    history = call(
        ctx,
        "conversations.history",
        member=invite["member_id"],
        channel=invite["channel_id"],
        oldest=f"{oldest.timestamp():.6f}",
        limit=100,
    )
    wanted = f"feedback:{invite['id']}"
    for message in history.get("messages") or []:
        if any(b.get("block_id") == wanted for b in message.get("blocks") or []):
            return str(message.get("ts"))
    return None


def _failed(ctx: BotContext, invite: Any, exc: Exception) -> None:
    code = error_code(exc)
    if is_transient(exc):
        when = invites.mark_invite_failed(ctx.conn, invite["id"], code, ctx.clock)
        ctx.logger.warning(
            "feedback invite #%s to %s: %s; trying again at %s",
            invite["id"],
            invite["member_id"],
            code,
            when.isoformat(),
        )
    else:
        invites.mark_invite_refused(ctx.conn, invite["id"], listing.refusal_reason(code))
        ctx.logger.warning(
            "feedback invite #%s to %s refused: %s", invite["id"], invite["member_id"], code
        )


def retry_invites(ctx: BotContext) -> None:
    """Queue again (outbox) the invites whose retry after a failed DM is due."""
    for request_id in invites.enqueue_retries(ctx.conn, ctx.clock):
        ctx.logger.info("feedback request #%s: trying the failed invites again", request_id)


OUTBOX = {"feedback_invites": send_invites}


def on_decline(ctx: BotContext, body: dict) -> None:
    user_id = user_of(body)
    try:
        invite_id = int(action_of(body).get("value") or 0)
    except (TypeError, ValueError):
        return
    outcome = invites.decline(ctx.conn, invite_id, user_id, ctx.clock)
    text = {
        "declined": "You declined this feedback request. Thanks for letting us know.",
        "already": "You declined this feedback request already.",
    }.get(outcome)
    if text is None:
        return
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts")
    try:
        if outcome == "declined" and channel and ts:
            call(
                ctx,
                "chat.update",
                member=user_id,
                channel=channel,
                ts=ts,
                text=text,
                blocks=declined_blocks(text),
            )
        else:
            call(ctx, "chat.postMessage", member=user_id, channel=user_id, text=text)
    except (SlackApiError, SlackUnavailable) as exc:
        ctx.logger.warning("feedback decline for %s: %s", user_id, error_code(exc))


def remind(ctx: BotContext) -> None:
    for invite in invites.invites_to_remind(ctx.conn, ctx.clock()):
        if not invites.claim_reminder(ctx.conn, invite["id"], ctx.clock):
            continue
        subject = requests.name_of(ctx.conn, invite["subject_id"])
        text = (
            f"A reminder: your feedback about {subject} is due on {invite['closes_on']}. "
            "If you already answered, thank you, there is nothing more to do. If not, the "
            "button in the message above opens the form (or decline it there)."
        )
        try:
            call(
                ctx,
                "chat.postMessage",
                member=invite["member_id"],
                channel=invite["channel_id"] or invite["member_id"],
                text=text,
                thread_ts=invite["message_ts"],
                reply_broadcast=True,
            )
        except (SlackApiError, SlackUnavailable) as exc:
            ctx.logger.warning("feedback reminder to %s: %s", invite["member_id"], error_code(exc))


def close_due(ctx: BotContext) -> None:
    """Close the requests whose due date has passed: their results are laid down once."""
    for request_id in results.close_due(ctx.conn, ctx.clock):
        ctx.logger.info("feedback request #%s closed", request_id)


def announce_results(ctx: BotContext) -> None:
    """Tell the requester (and the subject, with `share`) that a request closed."""
    for request in results.results_to_announce(ctx.conn):
        if not results.mark_results_told(ctx.conn, request["id"], ctx.clock):
            continue
        subject = requests.name_of(ctx.conn, request["subject_id"])
        link = f"{ctx.config.dashboard_url}/{RESULTS_PAGE}?request={request['id']}"
        people = [request["requested_by"]]
        if request["notify_subject"] and request["subject_id"] not in people:
            people.append(request["subject_id"])
        for person in [p for p in people if USER_ID.match(p or "")]:
            about = "you" if person == request["subject_id"] else subject
            if request["results"]:
                text = (
                    f"The feedback about {about} is ready: {request['answered']} people answered."
                )
                body = results_blocks(text, request["id"], link)
            else:
                text = (
                    f"The feedback request about {about} closed with {request['answered']} "
                    f"answered, fewer than {request['min_responses']}: to keep everyone "
                    "anonymous, nothing is shown."
                )
                body = [blocks.section(blocks.esc(text))]
            try:
                call(ctx, "chat.postMessage", member=person, channel=person, text=text, blocks=body)
            except (SlackApiError, SlackUnavailable) as exc:
                ctx.logger.warning("feedback results note to %s: %s", person, error_code(exc))


# --- Block Kit: the invite, the confirmation, the declined invite, the results note --------


def invite_blocks(ctx: BotContext, request: Any, invite_id: int, link: str) -> tuple[str, list]:
    subject = requests.name_of(ctx.conn, request["subject_id"])
    by = requests.name_of(ctx.conn, request["requested_by"])
    due = request["closes_on"]
    text = f"{by} asked for your feedback about {subject}, by {due}."
    note = form.ANONYMITY_NOTE.format(n=request["min_responses"])
    return text, [
        blocks.section(
            f"*{blocks.esc(by)}* asked for your feedback about *{blocks.esc(subject)}*, "
            f"by *{due}*. A few ratings and two short answers, in the web app."
        ),
        blocks.context(blocks.esc(note) + " The link works once, until the due date."),
        {
            "type": "actions",
            "block_id": f"feedback:{invite_id}",
            "elements": [
                {**blocks.button("Give feedback", OPEN, str(invite_id), "primary"), "url": link},
                blocks.button("Decline", DECLINE, str(invite_id)),
            ],
        },
    ]


def confirm_blocks(text: str, value: str) -> list[dict[str, Any]]:
    """The request needs a second thought (`NeedsConfirmation`): send anyway, or cancel."""
    return [
        blocks.section(blocks.esc(text)),
        {
            "type": "actions",
            "block_id": "feedback:confirm",
            "elements": [
                blocks.button("Send anyway", CONFIRM, value, "primary"),
                blocks.button("Cancel", CANCEL, "cancel"),
            ],
        },
    ]


def declined_blocks(text: str) -> list[dict[str, Any]]:
    """The invite once declined: its buttons gone."""
    return [blocks.section(text)]


def results_blocks(text: str, request_id: int, link: str) -> list[dict[str, Any]]:
    """The note that results are ready, with the link to them in the web app."""
    return [
        blocks.section(blocks.esc(text)),
        {
            "type": "actions",
            "block_id": f"feedback:results:{request_id}",
            "elements": [{**blocks.button("See the results", OPEN, "results"), "url": link}],
        },
    ]
