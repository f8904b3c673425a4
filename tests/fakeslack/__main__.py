"""Run the fake Slack by hand: `python -m tests.fakeslack --port 3000`.

Serves the demo workspace and reads simple commands on stdin so you can act
as a user against a bot started with SLACK_API_URL pointing here.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import threading

from .server import FakeSlack

HELP = """commands (users: U001 alice … U006 frank, deactivated):
  U001 types <text>          message in the user's DM with the bot
  U001 clicks <button text>  click the newest matching button
  U001 selects <option>      pick an option in a select / overflow / radio
  U001 runs /checkin <text>  slash command
  U001 submits key=value …   submit the open modal (key: block_id, action_id or label)
  U001 home                  open the app's Home tab
  dm U001                    what the bot posted in that DM
  disconnect [reason]        send a Socket Mode disconnect (refresh_requested)
  drop                       drop the websocket(s) abruptly
  calls [method]             Web API calls so far
  quit"""


def _describe(message: dict) -> str:
    labels = []
    for block in message.get("blocks") or []:
        for element in block.get("elements", []) + [block.get("accessory") or {}]:
            if isinstance(element, dict) and element.get("type") == "button":
                labels.append(f"[{element['text']['text']}]")
            for option in element.get("options", []) if isinstance(element, dict) else []:
                labels.append(f"({option['text']['text']})")
    return f"{message['ts']}  {message.get('text', '')}  {' '.join(labels)}".rstrip()


def run_command(slack: FakeSlack, line: str) -> str:
    """Do one console command and say what happened."""
    words = shlex.split(line)
    if not words:
        return ""
    head = words[0]
    if head == "help":
        return HELP
    if head == "dm" and len(words) == 2:
        return "\n".join(_describe(m) for m in slack.dm(words[1])) or "(nothing yet)"
    if head == "disconnect":
        return f"sent to {slack.disconnect(words[1] if len(words) > 1 else 'refresh_requested')}"
    if head == "drop":
        return f"dropped {slack.drop_connections()}"
    if head == "calls":
        method = words[1] if len(words) > 1 else None
        return "\n".join(json.dumps(c)[:200] for c in slack.calls(method)) or "(none)"
    if len(words) < 2:
        return "unknown command; try help"
    user, verb, rest = slack.user(head), words[1], words[2:]
    text = " ".join(rest)
    if verb == "types":
        return f"event {user.types(text)}"
    if verb == "clicks":
        return str(user.clicks(text))
    if verb == "selects":
        return str(user.selects(text))
    if verb == "runs":
        return str(user.runs(text))
    if verb == "submits":
        return str(user.submits_modal(dict(w.split("=", 1) for w in rest)))
    if verb == "home":
        return f"event {user.opens_home()}"
    return "unknown command; try help"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fakeslack", description=__doc__)
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--ack-timeout", type=float, default=3.0)
    args = parser.parse_args(argv)
    slack = FakeSlack(host=args.host, port=args.port, ack_timeout=args.ack_timeout).start()
    print(f"fake Slack listening on {slack.base_url}")
    print(f"  SLACK_API_URL={slack.api_url}")
    print(f"  SLACK_BOT_TOKEN={slack.bot_token}")
    print(f"  SLACK_APP_TOKEN={slack.app_token}")
    print("type 'help' for commands; Ctrl-C to stop", flush=True)
    try:
        for line in sys.stdin:
            if line.strip() in ("quit", "exit"):
                return
            try:
                print(run_command(slack, line), flush=True)
            except (AssertionError, KeyError, ValueError) as e:
                print(f"error: {e}", flush=True)
        threading.Event().wait()  # stdin closed (run in the background): keep serving
    except KeyboardInterrupt:
        pass
    finally:
        slack.stop()


if __name__ == "__main__":
    main()
