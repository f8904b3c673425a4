"""The `/checkin` router: subcommands registered by feature modules.

`add_subcommand(name, handler, help, admin_only=False, modal=None)` adds one;
the handler is called as `handler(ctx, command_body, args, respond)` after the
command was acknowledged, in the worker (`respond` posts to the command's
response_url: ephemeral unless given `response_type="in_channel"`). An
`admin_only` subcommand runs only for admins (`members.is_admin`). `modal(args)`
may name a modal builder instead: that modal is opened right after the ack,
while the command's trigger_id is good, and the handler is not called. `help`,
an empty command and an unknown subcommand answer with the help text in the
ack itself, only to the person who ran it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_bolt.context.respond import Respond

from bot import listen, members, modals
from bot.context import BotContext
from checkin import errors, slacktext

Handler = Callable[[BotContext, dict, str, Callable[..., Any]], None]


ModalFor = Callable[[str], modals.Builder | None]


@dataclass(frozen=True)
class Subcommand:
    name: str
    handler: Handler
    help: str
    admin_only: bool = False
    modal: ModalFor | None = None  # args -> the modal to open at once instead, or None


_SUBCOMMANDS: dict[str, Subcommand] = {}


def add_subcommand(
    name: str,
    handler: Handler,
    help: str,
    admin_only: bool = False,
    modal: ModalFor | None = None,
) -> None:
    _SUBCOMMANDS[name.lower()] = Subcommand(name.lower(), handler, help, admin_only, modal)


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
            build = sub.modal(args) if sub.modal is not None else None
            if build is not None:
                ack()  # the modal: opened now, while its trigger_id is good
                modals.open_now(ctx, build, {"user": {"id": body.get("user_id")}, **body})
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
