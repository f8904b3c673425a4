"""The check-in conversation: due runs are sent, answered one question at a time, recapped.

One module per idea:

- `sending`: a run made once per (check-in, member, local date), claimed, its
  first question posted; a send left unsure found in the DM or sent again.
- `continuing`: what a run owes its member after each answer (the next
  question, or the recap), tried again until it is posted; reminders.
- `scheduling`: the conversation's part of each scheduler tick, all of it
  queued per member (the scheduler thread never calls Slack).
- `answering`: button clicks and typed answers, stored once.
- `pausing`: skip today, snooze, pause until a date, resume (buttons, Home tab,
  `/checkin pause | resume | skip`).
- `editing`: the recap's "Edit answers" modal.
- `broadcasting`: standup mode, each member's answers posted to the check-in's
  channel once as they finish, kept current when edited.
- `send_now`: `/checkin send` and the outbox's `send_checkin`.
- `home_tab`: the conversation's part of the App Home tab.
- `blocks`: its Block Kit; `clicks`: which run a click is about.

As a feature (`bot.features`): `register`, `tick`, `OUTBOX`, `home_blocks`.
"""

from __future__ import annotations

from slack_bolt import App

from bot.context import BotContext
from bot.conversation import answering, editing, home_tab, pausing, scheduling, send_now


def register(app: App, ctx: BotContext) -> None:
    """The conversation's listeners and its `/checkin pause | resume | skip | send`."""
    answering.register(app, ctx)
    pausing.register(app, ctx)
    editing.register(app, ctx)
    send_now.register(app, ctx)


tick = scheduling.tick
OUTBOX = send_now.OUTBOX
home_blocks = home_tab.home_blocks
