"""The `/checkin` router: subcommands registered by feature modules.

`add_subcommand(name, handler, help, admin_only=False)` adds one; the
handler is called as `handler(ctx, command_body, args, respond)` after the
command was acknowledged, in the worker (`respond` posts to the command's
response_url: ephemeral unless given `response_type="in_channel"`). `help`,
an empty command and an unknown subcommand answer with the help text in the
ack itself, only to the person who ran it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_bolt import App
from slack_bolt.context.respond import Respond

from bot import listen, members, modals
from bot.context import BotContext
from checkin import errors, slacktext
from checkin.checkins import model
from checkin.checkins.timing import local_today
from checkin.ops import outbox

Handler = Callable[[BotContext, dict, str, Callable[..., Any]], None]


@dataclass(frozen=True)
class Subcommand:
    name: str
    handler: Handler
    help: str
    admin_only: bool = False


_SUBCOMMANDS: dict[str, Subcommand] = {}


def add_subcommand(name: str, handler: Handler, help: str, admin_only: bool = False) -> None:
    _SUBCOMMANDS[name.lower()] = Subcommand(name.lower(), handler, help, admin_only)


def subcommands() -> list[Subcommand]:
    return sorted(_SUBCOMMANDS.values(), key=lambda s: s.name)


def help_text(command: str) -> str:
    lines = [f"*{command}* — what you can do:"]
    lines.append(f"• `{command} help`: this list")
    for sub in subcommands():
        admin = " (admins only)" if sub.admin_only else ""
        lines.append(f"• `{command} {sub.name}`: {sub.help}{admin}")
    return "\n".join(lines)


def register(app: App, ctx: BotContext) -> None:
    app.command(ctx.config.command)(command_listener(ctx))
    listen.handles(ctx, "command", on_command)


def command_listener(ctx: BotContext) -> Callable[..., None]:
    def listener(ack: Callable[..., Any], body: dict) -> None:
        try:
            name, _, args = (
                slacktext.command_text(str(body.get("text") or "")).strip().partition(" ")
            )
            sub = _SUBCOMMANDS.get(name.lower())
            if sub is None:
                unknown = f"I do not know `{name}`.\n" if name and name != "help" else ""
                ack(text=unknown + help_text(ctx.config.command), response_type="ephemeral")
                return
            if name.lower() == "pause" and args.strip().lower() in ("", "until"):
                ack()  # the pause modal: opened now, while its trigger_id is good
                from bot import conversation

                modals.open_now(
                    ctx, conversation.pause_view, {"user": {"id": body.get("user_id")}, **body}
                )
                return
            listen.take(ctx, ack, "command", on_command, body)
        except Exception:
            ctx.logger.exception("command failed")

    return listener


def on_command(ctx: BotContext, body: dict) -> None:
    """The work after a subcommand's ack (also when replayed after a restart)."""
    name, _, args = slacktext.command_text(str(body.get("text") or "")).strip().partition(" ")
    sub = _SUBCOMMANDS.get(name.lower())
    if sub is None:
        return
    respond = Respond(response_url=body.get("response_url"))
    run(ctx, sub, body, args.strip(), respond)


def run(
    ctx: BotContext, sub: Subcommand, body: dict, args: str, respond: Callable[..., Any]
) -> None:
    """Run a subcommand after the ack; its failure is told to the person, never raised."""
    user_id = str(body.get("user_id") or "")
    try:
        if sub.admin_only:
            if not members.is_admin(ctx, user_id):
                respond(text=f"Only workspace admins may use `{ctx.config.command} {sub.name}`.")
                return
        sub.handler(ctx, body, args, respond)
    except errors.NotFound as exc:
        respond(text=str(exc))
    except Exception:
        ctx.logger.exception("%s %s failed", ctx.config.command, sub.name)
        respond(text="Sorry, that did not work; the error is in the bot's log.")


# --- the conversation's own subcommands ---------------------------------------------


def _pause(ctx: BotContext, body: dict, args: str, respond: Callable[..., Any]) -> None:
    from bot import conversation

    words = args.split()
    if words and words[0].lower() == "until":
        words = words[1:]
    if not words:
        modals.open_view(ctx, conversation.pause_view, {"user": {"id": body.get("user_id")}, **body})
        return
    try:
        until = date.fromisoformat(words[0])
    except ValueError:
        respond(
            text=f"Say the last day away as a date: `{ctx.config.command} pause until 2026-12-24`."
        )
        return
    user_id = str(body.get("user_id"))
    row = members.member(ctx, user_id)
    if until < local_today(row["tz"] if row else None, ctx.clock()):
        respond(text=f"{until.isoformat()} has passed; pick today or a later day.")
        return
    respond(text=conversation.pause(ctx, user_id, until))


def _resume(ctx: BotContext, body: dict, args: str, respond: Callable[..., Any]) -> None:
    from bot import conversation

    respond(text=conversation.resume(ctx, str(body.get("user_id"))))


def _skip(ctx: BotContext, body: dict, args: str, respond: Callable[..., Any]) -> None:
    from bot import conversation

    count = conversation.skip_today(ctx, str(body.get("user_id")))
    respond(text="Skipped today's check-in." if count else "You have no open check-in today.")


def _send(ctx: BotContext, body: dict, args: str, respond: Callable[..., Any]) -> None:
    name, _, who = args.partition(" ")
    if not name:
        respond(text=f"Which check-in? `{ctx.config.command} send NAME`")
        return
    checkin = model.get_checkin(ctx.conn, name)
    wanted = [w.strip("<@>").split("|")[0] for w in who.split()]
    outbox_id = outbox.enqueue(
        ctx.conn,
        "send_checkin",
        {"checkin": checkin["name"], "members": wanted},
        requested_by=str(body.get("user_id")),
        clock=ctx.clock,
    )
    respond(text=f"Sending *{checkin['name']}* now (request #{outbox_id}).")


add_subcommand("pause", _pause, "`pause until 2026-12-24`: no questions until then (out of office)")
add_subcommand("resume", _resume, "come back from a pause")
add_subcommand("skip", _skip, "skip today's check-in")
add_subcommand("send", _send, "`send NAME`: start a check-in now", admin_only=True)
