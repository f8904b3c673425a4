"""The question pool in Slack: `/checkin ask`, the App Home's submit modal, admins' moderation DMs.

A submission (from here or the web app) is DMed to each admin once, with
Approve / Edit / Reject buttons; the first admin to moderate wins, and every
admin's DM is then updated in place (`chat.update`) to show the outcome. The
submitter is told the outcome in a DM (an anonymous one cannot be: nobody is
stored). The rules live in `checkin.pool`; this module only talks to Slack.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot import blocks, listen, members
from bot.commands import add_subcommand
from bot.context import BotContext
from bot.dm import open_dm, tell
from bot.listen import acked
from bot.modals import opens_modal
from bot.payload import action_of, user_of
from bot.slack import SlackUnavailable, call, error_code, is_transient
from checkin import errors, slacktext
from checkin.config import USER_ID
from checkin.ops import inbox
from checkin.people import admins
from checkin.pool import duplicates, moderation, submit

SUBMIT_OPEN = "pool_submit_open"
SUBMIT_VIEW = "pool_submit"
APPROVE = "pool_approve"
REJECT = "pool_reject"
EDIT_OPEN = "pool_edit_open"
EDIT_VIEW = "pool_edit"
KIND_NAMES = {"text": "Free text", "choice": "Multiple choice", "scale": "1–5 scale"}
OUTCOME = {"approved": ":white_check_mark: Approved", "rejected": ":no_entry_sign: Rejected"}


def register(app: App, ctx: BotContext) -> None:
    add_subcommand(
        "ask",
        ask_command,
        "`ask What's the best book you read this year?`: suggest a question for the "
        "random-question pool (`ask anonymously …` stores no name)",
    )
    app.action(SUBMIT_OPEN)(opens_modal(ctx, submit_modal_for))
    app.view(SUBMIT_VIEW)(submit_listener(ctx))
    listen.handles(ctx, "on_submit_modal", on_submit_modal)
    app.action(APPROVE)(acked(ctx, on_moderate))
    app.action(REJECT)(acked(ctx, on_moderate))
    app.action(EDIT_OPEN)(opens_modal(ctx, edit_modal_for))
    app.view(EDIT_VIEW)(edit_listener(ctx))
    listen.handles(ctx, "on_edit_modal", on_edit_modal)


def tick(ctx: BotContext) -> None:
    """Moderation DMs for web submissions, outcomes moderated on the web; never raises."""
    try:
        sync(ctx)
    except Exception:
        ctx.logger.exception("question pool: sync failed")


# --- typed text ------------------------------------------------------------------------


def decode(text: str) -> str:
    """What the person typed: the router already decoded `&amp;` and the like
    (`slacktext.command_text`); links and mentions become text here."""
    return slacktext.decode_tokens(text)


# --- submitting -------------------------------------------------------------------------


def ask_command(ctx: BotContext, body: dict, args: str, respond: Callable[..., Any]) -> None:
    """`/checkin ask [anonymously] QUESTION`: keep it as pending and tell the admins."""
    user_id = str(body.get("user_id") or "")
    anonymous = False
    words = args.split(maxsplit=1)
    if words and words[0].lower() in ("anonymous", "anonymously"):
        anonymous, args = True, words[1] if len(words) > 1 else ""
    if not args.strip():
        respond(
            text=f"Write the question after `ask`: `{ctx.config.command} ask What's the best "
            "book you read this year?`"
        )
        return
    try:
        submit.check_text(args)  # the markup-only rule looks at mentions and links as sent
        kept = submit.submit(
            ctx.conn,
            decode(args),
            submitted_by=user_id,
            source="slack_command",
            anonymous=anonymous,
            clock=ctx.clock,
        )
    except errors.Refused as exc:
        respond(text=str(exc))
        return
    if anonymous:
        _forget_sender(ctx, "command", "trigger_id", body.get("trigger_id"))
    how = " anonymously (your name is not stored)" if anonymous else ""
    respond(text=f"Thanks! “{kept.text}” was submitted{how} and will be reviewed by an admin.")
    sync(ctx)


def _tell_anonymously(ctx: BotContext, member_id: str, text: str) -> None:
    """As `tell`, but neither the event it records nor the log names the member."""
    try:
        call(ctx, "chat.postMessage", channel=member_id, text=text)
    except (SlackApiError, SlackUnavailable) as exc:
        ctx.logger.warning("DM to an anonymous submitter: %s", error_code(exc))


def _forget_sender(ctx: BotContext, kind: str, key: str, value: object) -> None:
    """An anonymous submission is kept: its kept Slack request no longer names the sender."""
    if not value:
        return
    try:
        inbox.forget_sender(ctx.conn, kind, key, str(value))
    except Exception:
        ctx.logger.exception("could not clear an anonymous submission's kept request")


def submit_modal_for(ctx: BotContext, body: dict) -> dict[str, Any]:
    return submit_modal()


def _values(body: dict) -> dict:
    return ((body.get("view") or {}).get("state") or {}).get("values") or {}


def _submission(body: dict) -> dict[str, Any]:
    values = _values(body)
    kind = ((values.get("kind") or {}).get("kind") or {}).get("selected_option") or {}
    picked = ((values.get("anonymous") or {}).get("anonymous") or {}).get("selected_options")
    raw = ((values.get("choices") or {}).get("choices") or {}).get("value")
    kind_value = kind.get("value") or "text"
    items = submit.split_list(raw)
    return {
        "text": ((values.get("text") or {}).get("text") or {}).get("value") or "",
        "kind": kind_value,
        "options": items if kind_value == "choice" else None,
        "labels": items if kind_value == "scale" else None,
        "anonymous": bool(picked),
    }


def _problem(ctx: BotContext, form: dict[str, Any]) -> dict[str, str] | None:
    """The modal's errors by block, checked before the ack (reads only)."""
    try:
        text = submit.check_text(form["text"])
    except errors.Refused as exc:
        return {"text": str(exc)}
    try:
        submit.check_choices(form["kind"], form["options"], form["labels"])
    except errors.Refused as exc:
        return {"choices": str(exc)}
    twin = duplicates.near_duplicate(ctx.conn, text)
    if twin is not None:
        return {"text": f"A question like this is already in the pool: “{twin['text']}”"}
    return None


def submit_listener(ctx: BotContext) -> Callable[..., None]:
    def listener(ack: Callable[..., Any], body: dict) -> None:
        try:
            problem = _problem(ctx, _submission(body))
            if problem:
                ack(response_action="errors", errors=problem)
                return
            listen.take(ctx, ack, "on_submit_modal", on_submit_modal, body)
        except Exception:
            ctx.logger.exception("pool submit modal failed")

    return listener


def on_submit_modal(ctx: BotContext, body: dict) -> None:
    user_id = user_of(body)
    form = _submission(body)
    try:
        kept = submit.submit(
            ctx.conn, clock=ctx.clock, submitted_by=user_id, source="slack_home", **form
        )
    except errors.Refused as exc:
        tell(ctx, user_id, f"Your question was not kept: {exc}")
        return
    if form["anonymous"]:
        _forget_sender(ctx, "on_submit_modal", "view_id", (body.get("view") or {}).get("id"))
    how = " anonymously" if form["anonymous"] else ""
    text = f"Thanks! “{kept.text}” was submitted{how} and will be reviewed by an admin."
    if form["anonymous"]:
        _tell_anonymously(ctx, user_id, text)
    else:
        tell(ctx, user_id, text)
    sync(ctx)


# --- moderation ----------------------------------------------------------------------------


def on_moderate(ctx: BotContext, body: dict) -> None:
    user_id = user_of(body)
    action = action_of(body)
    try:
        question_id = int(action.get("value") or 0)
    except ValueError:
        return
    if not members.is_admin(ctx, user_id):
        tell(ctx, user_id, "Only admins moderate the question pool.")
        return
    verb = "approve" if action.get("action_id") == APPROVE else "reject"
    try:
        moderation.moderate(ctx.conn, question_id, verb, user_id, clock=ctx.clock)
    except errors.Refused as exc:
        tell(ctx, user_id, f"Not approved: {exc}")
        return
    sync(ctx)


def edit_modal_for(ctx: BotContext, body: dict) -> dict[str, Any] | None:
    user_id = user_of(body)
    try:
        row = submit.get(ctx.conn, int(action_of(body).get("value") or 0))
    except ValueError:
        row = None
    # no users.info here: the trigger_id lasts 3 s; whoever got the DM is known already
    if row is None or not members.is_admin(ctx, user_id, look_up=False):
        return None
    return edit_modal(row)


def edit_listener(ctx: BotContext) -> Callable[..., None]:
    def listener(ack: Callable[..., Any], body: dict) -> None:
        try:
            text = ((_values(body).get("text") or {}).get("text") or {}).get("value")
            question_id = int((body.get("view") or {}).get("private_metadata") or 0)
            try:
                clean = submit.check_text(text)
                twin = duplicates.near_duplicate(ctx.conn, clean, exclude_id=question_id)
                if twin is not None:
                    raise errors.Refused(
                        f"A question like this is already in the pool: “{twin['text']}”"
                    )
            except errors.Refused as exc:
                ack(response_action="errors", errors={"text": str(exc)})
                return
            listen.take(ctx, ack, "on_edit_modal", on_edit_modal, body)
        except Exception:
            ctx.logger.exception("pool edit modal failed")

    return listener


def on_edit_modal(ctx: BotContext, body: dict) -> None:
    user_id = user_of(body)
    if not members.is_admin(ctx, user_id):
        return
    text = ((_values(body).get("text") or {}).get("text") or {}).get("value")
    question_id = int((body.get("view") or {}).get("private_metadata") or 0)
    try:
        moderation.moderate(ctx.conn, question_id, "edit", user_id, text=text, clock=ctx.clock)
    except errors.Refused as exc:
        tell(ctx, user_id, f"Not saved: {exc}")
        return
    sync(ctx)


# --- keeping Slack in step with the database -------------------------------------------------


def sync(ctx: BotContext) -> None:
    """Send pending questions' moderation DMs, update moderated ones in place (and pending
    ones reworded on the web, to the new wording), tell submitters."""
    conn = ctx.conn
    for row in moderation.awaiting_moderation_dms(conn):
        if not moderation.claim_moderation_dms(conn, row["id"], ctx.clock):
            continue
        text, body = moderation_blocks(ctx, row)
        for admin in admins.admin_ids(conn, ctx.config.admins):
            try:
                channel = open_dm(ctx, admin)
                posted = call(
                    ctx, "chat.postMessage", member=admin, channel=channel, text=text, blocks=body
                )
                moderation.keep_moderation_message(
                    conn, row["id"], admin, channel, posted["ts"], row["text"]
                )
            except (SlackApiError, SlackUnavailable) as exc:
                ctx.logger.warning(
                    "pool #%s: moderation DM to %s: %s", row["id"], admin, error_code(exc)
                )
    for message in moderation.stale_moderation_messages(conn):
        row = submit.get(conn, message["pool_question_id"])
        text, body = outcome_blocks(row)
        try:
            call(
                ctx,
                "chat.update",
                member=message["admin_id"],
                channel=message["channel_id"],
                ts=message["message_ts"],
                text=text,
                blocks=body,
            )
        except (SlackApiError, SlackUnavailable) as exc:
            ctx.logger.warning(
                "pool #%s: updating %s's DM: %s", row["id"], message["admin_id"], error_code(exc)
            )
        moderation.mark_message_updated(conn, row["id"], message["admin_id"])
    for message in moderation.reworded_moderation_messages(conn):
        row = submit.get(conn, message["pool_question_id"])
        text, body = moderation_blocks(ctx, row)
        try:
            call(
                ctx,
                "chat.update",
                member=message["admin_id"],
                channel=message["channel_id"],
                ts=message["message_ts"],
                text=text,
                blocks=body,
            )
        except (SlackApiError, SlackUnavailable) as exc:
            ctx.logger.warning(
                "pool #%s: rewording %s's DM: %s", row["id"], message["admin_id"], error_code(exc)
            )
            if is_transient(exc):
                continue  # the next tick tries again
        moderation.mark_message_shows(conn, row["id"], message["admin_id"], row["text"])
    for row in moderation.outcomes_to_tell(conn):
        if not moderation.mark_outcome_told(conn, row["id"], ctx.clock):
            continue
        if not USER_ID.match(row["submitted_by"] or ""):  # anonymous, or the web's operator
            continue
        if row["status"] == "approved":
            edited = " (an admin edited its wording)" if row["original_text"] else ""
            note = f"Your question “{row['text']}” was approved{edited}: it will be asked in check-ins."
        else:
            note = f"Your question “{row['text']}” was not taken into the pool this time."
        tell(ctx, row["submitted_by"], note)


# --- Block Kit: the Home tab's part, the modals, the moderation DMs ------------------------


def home_blocks(ctx: BotContext, member_id: str) -> list[dict[str, Any]]:
    """The App Home's part: a button opening the submit modal (the same for everyone)."""
    return [
        {"type": "divider"},
        blocks.section("*Question pool*: suggest a question for the team's check-ins."),
        {
            "type": "actions",
            "block_id": "home:pool",
            "elements": [blocks.button("Suggest a question", SUBMIT_OPEN, "home")],
        },
    ]


def submit_modal(metadata: str = "") -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": SUBMIT_VIEW,
        "private_metadata": metadata,
        "title": blocks.plain("Suggest a question", blocks.MODAL_TITLE_MAX),
        "submit": blocks.plain("Submit", blocks.MODAL_TITLE_MAX),
        "close": blocks.plain("Cancel", blocks.MODAL_TITLE_MAX),
        "blocks": [
            {
                "type": "input",
                "block_id": "text",
                "label": blocks.plain("Question"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "multiline": True,
                    "max_length": submit.MAX_CHARS,
                    "placeholder": blocks.plain("What's the best book you read this year?"),
                },
            },
            {
                "type": "input",
                "block_id": "kind",
                "label": blocks.plain("Kind of answer"),
                "element": {
                    "type": "static_select",
                    "action_id": "kind",
                    "initial_option": _option("text"),
                    "options": [_option(k) for k in submit.KINDS],
                },
            },
            {
                "type": "input",
                "block_id": "choices",
                "optional": True,
                "label": blocks.plain("Options (choice) or 5 labels (scale)"),
                "hint": blocks.plain("One per line, or separated by commas."),
                "element": {"type": "plain_text_input", "action_id": "choices", "multiline": True},
            },
            {
                "type": "input",
                "block_id": "anonymous",
                "optional": True,
                "label": blocks.plain("Anonymous"),
                "element": {
                    "type": "checkboxes",
                    "action_id": "anonymous",
                    "options": [
                        {
                            "text": blocks.plain("Submit anonymously (your name is not stored)"),
                            "value": "yes",
                        }
                    ],
                },
            },
        ],
    }


def _option(kind: str) -> dict[str, Any]:
    return {"text": blocks.plain(KIND_NAMES[kind]), "value": kind}


def moderation_blocks(ctx: BotContext, row: Any) -> tuple[str, list[dict[str, Any]]]:
    if row["anonymous"]:
        who = "anonymous (no name was kept)"
    elif USER_ID.match(row["submitted_by"] or ""):
        who = f"<@{row['submitted_by']}>"
    else:
        who = "the web app's operator"
    where = {
        "slack_command": "the slash command",
        "slack_home": "the App Home",
        "web": "the web app",
        "demo": "the demo",
    }.get(row["source"], row["source"])
    text = f"New question for the pool from {who} (via {where}): {row['text']}"
    extra = ""
    if row["options"]:
        extra = "\nOptions: " + ", ".join(json.loads(row["options"]))
    elif row["labels"]:
        extra = "\nLabels 1–5: " + ", ".join(json.loads(row["labels"]))
    body = [
        blocks.section(
            f"New question for the pool from {who} (via {where}), "
            f"{KIND_NAMES.get(row['kind'], row['kind']).lower()}:"
        ),
        blocks.section(blocks.clip(row["text"] + extra, blocks.SECTION_MAX), markup=False),
        {
            "type": "actions",
            "block_id": f"pool:{row['id']}",
            "elements": [
                blocks.button("Approve", APPROVE, str(row["id"]), "primary"),
                blocks.button("Edit", EDIT_OPEN, str(row["id"])),
                blocks.button("Reject", REJECT, str(row["id"]), "danger"),
            ],
        },
    ]
    return text, body


def outcome_blocks(row: Any) -> tuple[str, list[dict[str, Any]]]:
    outcome = OUTCOME.get(row["status"], row["status"])
    reviewer = row["reviewed_by"] or ""
    by = f" by <@{reviewer}>" if USER_ID.match(reviewer) else " on the web app" if reviewer else ""
    text = f"{outcome}{by}: {row['text']}"
    return text, [
        blocks.section(f"{outcome}{by}:"),
        blocks.section(blocks.clip(row["text"], blocks.SECTION_MAX), markup=False),
    ]


def edit_modal(row: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "private_metadata": str(row["id"]),
        "title": blocks.plain("Edit the question", blocks.MODAL_TITLE_MAX),
        "submit": blocks.plain("Save and approve", blocks.MODAL_TITLE_MAX),
        "close": blocks.plain("Cancel", blocks.MODAL_TITLE_MAX),
        "blocks": [
            {
                "type": "input",
                "block_id": "text",
                "label": blocks.plain("Question"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "multiline": True,
                    "max_length": submit.MAX_CHARS,
                    "initial_value": row["text"],
                },
            }
        ],
    }
