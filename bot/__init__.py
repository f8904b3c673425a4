"""The Slack side: Socket Mode app, listeners by feature, scheduler, outbox worker.

Wiring and plumbing:

- `__main__`, `app`: `python -m bot`; the context, the Bolt app with every
  feature registered, Socket Mode, start and stop.
- `features`: the list of features; `feature`: what a feature provides
  (`register`, `tick`, `OUTBOX`, `home_blocks`) and how the bot asks each.
- `context`: what every listener, tick and outbox handler is handed.
- `listen`: listeners that keep the request, ack, and hand the work on;
  `payload`: who, which action, which message; `modals`: modals opened right
  after the ack; `dm`: a member's DM; `blocks`: Block Kit pieces.
- `scheduler`: the tick loop and the heartbeat; `outbox`: rows from the web
  app and the CLI; `maintenance`: the daily backup and retention; `worker`:
  work after the ack, in order per member.
- `slack`: every Web API call, counted; `members`: people, rosters, profiles,
  and who is an admin (`members.is_admin`, the one rule); `killpoint`: named
  steps where a test has the bot killed.

Features: `conversation/` (the check-in itself), `commands` (the `/checkin`
router the others add subcommands to), `home` (the App Home tab), `reports`,
`pool`, `feedback`.

Imports flow one way, with no import inside a function and no cycle: a
feature imports the plumbing (and `commands` to add its subcommands, `home` to
publish the tab again), never `features`, `scheduler` or `app`; `bot` never
imports `dashboard`.
"""
