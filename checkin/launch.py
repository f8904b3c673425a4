"""What `make run` starts.

With both Slack tokens: `honcho start` over the Procfile (the bot and the web
app). Without them: a demo database (made once) and the web app on it, with
the steps to connect Slack printed first.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from checkin.config import ConfigError, load_config

DEMO_DB = Path("data/demo.db")

CONNECT_STEPS = """\
No Slack tokens found, so this is the web app alone, on {db}.
To connect Slack:
  1. python -m checkin manifest   → paste it at api.slack.com/apps → Create New App → From a manifest
  2. Basic Information → App-Level Tokens → add one with connections:write → SLACK_APP_TOKEN=xapp-…
  3. Install App → Bot User OAuth Token → SLACK_BOT_TOKEN=xoxb-…
  4. cp .env.example .env, put both tokens in it, set CHECKIN_ENV and CHECKIN_DEV_USERS
  5. python -m checkin checkins import data/checkins.example.toml   (edit participants first)
  6. make run
"""


def main() -> int:
    try:
        config = load_config()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    bin_dir = Path(sys.executable).parent
    if config.has_slack:
        print(f"starting the bot and the web app: {config.describe()}", flush=True)
        honcho = bin_dir / "honcho"
        env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
        os.execve(str(honcho), [str(honcho), "start"], env)
        return 0  # not reached: execve replaces this process
    if bool(config.bot_token) != bool(config.app_token):
        missing = "SLACK_APP_TOKEN" if config.bot_token else "SLACK_BOT_TOKEN"
        print(f"error: {missing} is not set; the bot needs both tokens (see .env.example)")
        return 2

    # An existing database (the bot ran before) is shown as it is; otherwise a demo.
    db_path = config.db_path if config.db_path.exists() else DEMO_DB
    if db_path == DEMO_DB and not DEMO_DB.exists():
        from checkin.demo import build_demo

        print(f"creating a demo workspace in {db_path} (once)...", flush=True)
        print(build_demo(db_path), flush=True)
    print(CONNECT_STEPS.format(db=db_path), flush=True)
    env = dict(os.environ, CHECKIN_DB=str(db_path))
    streamlit = bin_dir / "streamlit"
    os.execve(str(streamlit), [str(streamlit), "run", "streamlit_app.py"], env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
