"""Settings from the environment (optionally a `.env` file), checked at start.

A missing or malformed value raises `ConfigError` with one line naming the
variable and what to do; entry points print that line and exit 2. Tokens are
kept in `Secret` wrappers so a stray print or log shows `***`, never the value.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_DB = "data/checkin.db"
ENVIRONMENTS = ("production", "development")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class ConfigError(Exception):
    """A setting a person must fix; str() is the one line to show them."""


class Secret:
    """A string that does not reveal itself in repr, str or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


@dataclass(frozen=True)
class Config:
    db_path: Path = Path(DEFAULT_DB)
    env: str = "development"
    dev_users: tuple[str, ...] = ()
    admins: tuple[str, ...] = ()  # CHECKIN_ADMINS: Slack ids who see and manage everything
    command: str = "/checkin"
    api_url: str = "https://slack.com/api/"
    dashboard_url: str = "http://localhost:8501"
    log_level: str = "INFO"
    events_days: int = 90  # CHECKIN_EVENTS_DAYS: how long the bot keeps its `events` rows
    bot_token: Secret = field(default_factory=lambda: Secret(""))
    app_token: Secret = field(default_factory=lambda: Secret(""))
    secret_override: Secret = field(default_factory=lambda: Secret(""))
    backup_dir: Path | None = None  # set: the bot takes one backup a day into it
    backup_keep: int = 14
    retention_weeks: int | None = None  # workspace default; None keeps answers forever
    tick_seconds: float = 5.0  # CHECKIN_TICK_SECONDS: how often the bot's scheduler ticks
    heartbeat_seconds: float = 15.0  # CHECKIN_HEARTBEAT_SECONDS: how often it writes its heartbeat
    stall_seconds: float = 300.0  # CHECKIN_STALL_SECONDS: a loop silent this long restarts the bot

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def has_slack(self) -> bool:
        return bool(self.bot_token) and bool(self.app_token)

    def require_slack(self) -> None:
        """Stop with a clear line when the bot is started without its tokens."""
        if not self.bot_token:
            raise ConfigError(
                "SLACK_BOT_TOKEN is not set: copy the bot token (xoxb-…) from your Slack app's "
                "OAuth & Permissions page into .env (see .env.example)"
            )
        if not self.app_token:
            raise ConfigError(
                "SLACK_APP_TOKEN is not set: create an app-level token (xapp-…) with the "
                "connections:write scope under Basic Information and put it in .env"
            )

    def allows_dm(self, user_id: str) -> bool:
        """In development only the listed users may receive a DM."""
        return self.is_production or user_id in self.dev_users

    def describe(self) -> str:
        """One line for logs: what this process is pointed at, never a token."""
        who = "everyone" if self.is_production else (", ".join(self.dev_users) or "nobody")
        return (
            f"environment={self.env} database={self.db_path} api={self.api_url} "
            f"command={self.command} dms_to={who}"
        )


def load_config(
    environ: Mapping[str, str] | None = None, dotenv_path: str | Path | None = ".env"
) -> Config:
    """Read the settings; `environ` wins over the `.env` file."""
    values: dict[str, str] = {}
    if dotenv_path and Path(dotenv_path).is_file():
        from dotenv import dotenv_values

        values.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str, default: str = "") -> str:
        return (values.get(name) or default).strip()

    env = get("CHECKIN_ENV", "development").lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(f"CHECKIN_ENV must be 'production' or 'development', not {env!r}")

    dev_users = tuple(u for u in re.split(r"[,\s]+", get("CHECKIN_DEV_USERS")) if u)
    for user in dev_users:
        if not USER_ID.match(user):
            raise ConfigError(
                f"CHECKIN_DEV_USERS: {user!r} is not a Slack user id (like U0123ABCD); "
                "separate ids with commas"
            )

    admins = tuple(u for u in re.split(r"[,\s]+", get("CHECKIN_ADMINS")) if u)
    for user in admins:
        if not USER_ID.match(user):
            raise ConfigError(
                f"CHECKIN_ADMINS: {user!r} is not a Slack user id (like U0123ABCD); "
                "separate ids with commas"
            )

    command = get("CHECKIN_COMMAND", "/checkin")
    if not re.fullmatch(r"/[a-z0-9_-]{1,31}", command):
        raise ConfigError(f"CHECKIN_COMMAND must be a slash command like /checkin, not {command!r}")

    api_url = _url("SLACK_API_URL", get("SLACK_API_URL", "https://slack.com/api/"))
    if not api_url.endswith("/"):
        api_url += "/"
    dashboard_url = _url(
        "CHECKIN_DASHBOARD_URL", get("CHECKIN_DASHBOARD_URL", "http://localhost:8501")
    ).rstrip("/")

    bot_token = get("SLACK_BOT_TOKEN")
    if bot_token and not bot_token.startswith("xoxb-"):
        raise ConfigError(
            "SLACK_BOT_TOKEN must be a bot token starting with xoxb- "
            "(OAuth & Permissions → Bot User OAuth Token)"
        )
    app_token = get("SLACK_APP_TOKEN")
    if app_token and not app_token.startswith("xapp-"):
        raise ConfigError(
            "SLACK_APP_TOKEN must be an app-level token starting with xapp- "
            "(Basic Information → App-Level Tokens, scope connections:write)"
        )

    log_level = get("CHECKIN_LOG_LEVEL", "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(
            f"CHECKIN_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {log_level!r}"
        )

    events_days_text = get("CHECKIN_EVENTS_DAYS", "90")
    if not events_days_text.isdigit() or not 1 <= int(events_days_text) <= 36500:
        raise ConfigError(
            f"CHECKIN_EVENTS_DAYS must be a number of days from 1 up, not {events_days_text!r}"
        )

    db = get("CHECKIN_DB", DEFAULT_DB)
    secret = get("CHECKIN_SECRET")
    if secret and len(secret) < 16:
        raise ConfigError("CHECKIN_SECRET must be at least 16 characters (or unset it)")

    backup_dir = get("CHECKIN_BACKUP_DIR")
    backup_keep = _whole("CHECKIN_BACKUP_KEEP", get("CHECKIN_BACKUP_KEEP", "14"), 1, 10_000)
    retention = get("CHECKIN_RETENTION_WEEKS")
    retention_weeks = _whole("CHECKIN_RETENTION_WEEKS", retention, 1, 5200) if retention else None

    tick_seconds = _seconds("CHECKIN_TICK_SECONDS", get("CHECKIN_TICK_SECONDS", "5"), 0.1, 300)
    heartbeat_seconds = _seconds(
        "CHECKIN_HEARTBEAT_SECONDS", get("CHECKIN_HEARTBEAT_SECONDS", "15"), 0.1, 30
    )
    stall_seconds = _seconds("CHECKIN_STALL_SECONDS", get("CHECKIN_STALL_SECONDS", "300"), 1, 86400)

    return Config(
        db_path=Path(db),
        env=env,
        dev_users=dev_users,
        admins=admins,
        command=command,
        api_url=api_url,
        dashboard_url=dashboard_url,
        log_level=log_level,
        events_days=int(events_days_text),
        bot_token=Secret(bot_token),
        app_token=Secret(app_token),
        secret_override=Secret(secret),
        backup_dir=Path(backup_dir) if backup_dir else None,
        backup_keep=backup_keep,
        retention_weeks=retention_weeks,
        tick_seconds=tick_seconds,
        heartbeat_seconds=heartbeat_seconds,
        stall_seconds=stall_seconds,
    )


def _seconds(name: str, value: str, low: float, high: float) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not low <= seconds <= high:
        raise ConfigError(
            f"{name} must be a number of seconds from {low:g} to {high:g}, not {value!r}"
        )
    return seconds


def _whole(name: str, value: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return int(value)


def _url(name: str, value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, not {value!r}")
    return value


def signing_secret(config: Config) -> bytes:
    """The key that signs feedback-form links.

    CHECKIN_SECRET when set; otherwise generated once into `checkin.secret`
    beside the database (mode 600). Never stored in the database itself.
    """
    if config.secret_override:
        return config.secret_override.reveal().encode()
    path = config.db_path.parent / "checkin.secret"
    if not path.exists():
        _create_secret(path)
    value = path.read_bytes().strip()
    if len(value) < MIN_SECRET_BYTES:
        raise ConfigError(
            f"{path} holds {'no' if not value else 'too short a'} secret (at least "
            f"{MIN_SECRET_BYTES} characters); delete the file to have a new one made, "
            "or set CHECKIN_SECRET"
        )
    return value


MIN_SECRET_BYTES = 16


def _create_secret(path: Path) -> None:
    """Write a new secret where no reader can see it half-written.

    It goes to a temporary file (mode 600) beside `path`, then is linked into
    place; when another process made one first, theirs is kept (links it
    already signed stay valid) and ours is dropped.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".checkin.secret.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_urlsafe(32).encode())
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
