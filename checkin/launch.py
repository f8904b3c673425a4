"""What `make run` starts.

With both Slack tokens: `honcho start` over the Procfile (the bot and the web
app). Without them: a demo database (made once) and the web app on it, with
the steps to connect Slack printed first.

Either way the web app's address is checked first: without sign-in (`[auth]`
in `.streamlit/secrets.toml`) it is served on 127.0.0.1 only; configured to
listen beyond this machine without sign-in, nothing starts and the reason is
printed. The web app checks the same again at the top of its frame.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path

from checkin.config import ConfigError, load_config
from checkin.demo import build_demo

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


LOCAL_ADDRESS = "127.0.0.1"
ADDRESS_ENV = "STREAMLIT_SERVER_ADDRESS"


def is_loopback(address: str | None) -> bool:
    """Whether an address serves this machine only (None or "" means every interface)."""
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def configured_address(
    environ: Mapping[str, str] | None = None, root: Path = Path(".")
) -> str | None:
    """The address Streamlit will listen on: its environment variable, else the project's
    `.streamlit/config.toml` `[server] address`; None when neither sets one."""
    environ = os.environ if environ is None else environ
    if environ.get(ADDRESS_ENV, "").strip():
        return environ[ADDRESS_ENV].strip()
    server = _read_toml(root / ".streamlit" / "config.toml").get("server") or {}
    address = server.get("address") if isinstance(server, dict) else None
    return str(address).strip() if address else None


def signin_configured(root: Path = Path("."), home: Path | None = None) -> bool:
    """An `[auth]` section in the project's or the user's `.streamlit/secrets.toml`."""
    places = [root / ".streamlit" / "secrets.toml"]
    places.append((home if home is not None else Path.home()) / ".streamlit" / "secrets.toml")
    return any(isinstance(_read_toml(p).get("auth"), dict) for p in places)


class BindRefused(Exception):
    """The web app would be reachable beyond this machine without sign-in; str() says why."""


def public_without_signin(address: str | None) -> str:
    where = f"server.address is {address!r}" if address else "no server.address is set"
    return (
        f"{where}, so the web app would be reachable from other machines, but sign-in is not "
        "configured ([auth] in .streamlit/secrets.toml): anyone who reaches it would see "
        "every answer. Set up sign-in (README: Sign in to the web app) or serve on "
        f"{LOCAL_ADDRESS}."
    )


def web_environment(
    environ: Mapping[str, str] | None = None, root: Path = Path("."), home: Path | None = None
) -> dict[str, str]:
    """The environment to start the web app with: its address pinned to 127.0.0.1
    when sign-in is not configured; `BindRefused` when it is set to listen publicly."""
    env = dict(os.environ if environ is None else environ)
    if signin_configured(root, home):
        return env
    address = configured_address(env, root)
    if address is None:
        env[ADDRESS_ENV] = LOCAL_ADDRESS
    elif not is_loopback(address):
        raise BindRefused(public_without_signin(address))
    return env


def main() -> int:
    try:
        config = load_config()
        base_env = web_environment()
    except (ConfigError, BindRefused) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    bin_dir = Path(sys.executable).parent
    if config.has_slack:
        print(f"starting the bot and the web app: {config.describe()}", flush=True)
        honcho = bin_dir / "honcho"
        env = dict(base_env, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
        os.execve(str(honcho), [str(honcho), "start"], env)
        return 0  # not reached: execve replaces this process
    if bool(config.bot_token) != bool(config.app_token):
        missing = "SLACK_APP_TOKEN" if config.bot_token else "SLACK_BOT_TOKEN"
        print(f"error: {missing} is not set; the bot needs both tokens (see .env.example)")
        return 2

    # An existing database (the bot ran before) is shown as it is; otherwise a demo.
    db_path = config.db_path if config.db_path.exists() else DEMO_DB
    if db_path == DEMO_DB and not DEMO_DB.exists():
        print(f"creating a demo workspace in {db_path} (once)...", flush=True)
        print(build_demo(db_path), flush=True)
    print(CONNECT_STEPS.format(db=db_path), flush=True)
    env = dict(base_env, CHECKIN_DB=str(db_path))
    streamlit = bin_dir / "streamlit"
    os.execve(str(streamlit), [str(streamlit), "run", "streamlit_app.py"], env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
