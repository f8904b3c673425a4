"""What a feature of the bot is, and how the bot asks every feature the same way.

A feature is a module listed in `bot.features` (the conversation, reports,
the question pool, peer feedback, the Home tab, the `/checkin` router) with:

- `register(app, ctx)`: wire its Bolt listeners and its `/checkin`
  subcommands (`bot.commands.add_subcommand`);
- optionally `tick(ctx)`: called by the scheduler every few seconds; decides
  with `ctx.clock()` what is due, queues slow Slack work with `ctx.defer`,
  never raises;
- optionally `OUTBOX: dict[kind, handler(ctx, payload)]`: the outbox rows it
  does (a handler raises to mark its row failed with the message);
- optionally `home_blocks(ctx, member_id) -> list[block]`: its part of the
  App Home tab.

The scheduler, the outbox worker and the Home tab ask through the functions
here; none of them knows a feature by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from slack_bolt import App

from bot.context import BotContext

OutboxHandler = Callable[[BotContext, dict], None]


class Feature(Protocol):
    """A feature module: `register` always; `tick`, `OUTBOX`, `home_blocks` when it has them."""

    __name__: str

    def register(self, app: App, ctx: BotContext) -> None: ...


def register_all(app: App, ctx: BotContext, features: Iterable[Feature]) -> None:
    for feature in features:
        feature.register(app, ctx)


def tick_all(ctx: BotContext, features: Iterable[Any]) -> None:
    """Each feature's `tick`, in order; one that raises is logged and the next one runs."""
    for feature in features:
        step = getattr(feature, "tick", None)
        if step is None:
            continue
        try:
            step(ctx)
        except Exception:
            ctx.logger.exception("%s.tick failed", feature.__name__)


def outbox_handlers(features: Iterable[Any]) -> dict[str, OutboxHandler]:
    """The outbox kinds the features do, with their handlers."""
    out: dict[str, OutboxHandler] = {}
    for feature in features:
        kinds: Mapping[str, OutboxHandler] = getattr(feature, "OUTBOX", None) or {}
        out.update(kinds)
    return out


def home_blocks(ctx: BotContext, features: Iterable[Any], member_id: str) -> list[dict[str, Any]]:
    """The App Home tab's blocks: each feature's part, in order."""
    out: list[dict[str, Any]] = []
    for feature in features:
        part = getattr(feature, "home_blocks", None)
        if part is not None:
            out += part(ctx, member_id)
    return out
