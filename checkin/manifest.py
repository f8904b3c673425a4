"""The Slack app manifest: paste it into "Create New App → From a manifest".

Each scope is listed with the feature that needs it, so nobody has to guess
why the app asks for it, and none is there "just in case".
"""

from __future__ import annotations

from checkin.config import Config

BOT_DISPLAY_NAME = "checkin"  # the bot's name in Slack: `/invite @checkin`

# scope -> why the app needs it
BOT_SCOPES: dict[str, str] = {
    "chat:write": "post check-in questions, reminders and the weekly summary",
    "im:write": "open the direct message in which each member is asked (conversations.open)",
    "im:history": "receive typed answers in that DM (the message.im event)",
    "commands": "the slash command",
    "users:read": "each member's name, time zone and whether the account is deactivated",
    "users:read.email": "each member's email address, so signing in to the web app through "
    "another provider (Google, Okta, Keycloak) finds the member",
    "channels:read": 'expand a "#channel" participant into its members; find the report channel',
    "groups:read": "the same for a private channel the app was added to",
    "channels:history": "after a restart, look in the report or standup channel for a post "
    "already made (conversations.history and .replies), so it is not posted twice",
    "groups:history": "the same when the report channel is private",
    "files:write": "upload the weekly chart image to the report channel",
}


# user scopes of "Sign in with Slack" (the web app's st.login), asked only when the
# web app has an HTTPS address (CHECKIN_DASHBOARD_URL): Slack wants HTTPS redirect URLs
SIGNIN_SCOPES: dict[str, str] = {
    "openid": "sign in to the web app with Slack (OpenID Connect)",
    "email": "the signed-in person's email address",
    "profile": "the signed-in person's name, shown in the web app's sidebar",
}


def signin_redirect(config: Config) -> str | None:
    """The web app's sign-in callback, when it is served over HTTPS."""
    if not config.dashboard_url.startswith("https://"):
        return None
    return f"{config.dashboard_url}/oauth2callback"


def manifest(config: Config) -> dict:
    """The manifest as data (the YAML is rendered from this)."""
    command = config.command
    return {
        "display_information": {
            "name": "checkin",
            "description": "Team check-ins in Slack, with a weekly summary",
            "background_color": "#2c3e50",
            "long_description": (
                "Asks each member a few questions on a schedule in a direct message, keeps "
                "every answer in a database your team owns, and posts a weekly summary with "
                "a chart. Answers are explored in the checkin web app."
            ),
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": BOT_DISPLAY_NAME, "always_online": True},
            "slash_commands": [
                {
                    "command": command,
                    "description": "Check-ins: report, pause, resume, skip, help",
                    "usage_hint": "report last week | pause until 2026-12-24 | help",
                    "should_escape": True,
                }
            ],
        },
        "oauth_config": _oauth_config(config),
        "settings": {
            "event_subscriptions": {"bot_events": ["app_home_opened", "message.im"]},
            "interactivity": {"is_enabled": True},
            "org_deploy_enabled": False,
            "socket_mode_enabled": True,
            "token_rotation_enabled": False,
        },
    }


def _oauth_config(config: Config) -> dict:
    oauth: dict = {"scopes": {"bot": list(BOT_SCOPES)}}
    redirect = signin_redirect(config)
    if redirect:
        oauth = {
            "redirect_urls": [redirect],
            "scopes": {**oauth["scopes"], "user": list(SIGNIN_SCOPES)},
        }
    return oauth


def manifest_yaml(config: Config) -> str:
    """YAML with a comment per scope; written by hand to need no YAML library."""
    data = manifest(config)
    lines = [
        "# Slack app manifest for checkin: https://api.slack.com/apps → Create New App →",
        "# From a manifest → paste this. Then: Basic Information → App-Level Tokens →",
        "# generate one with connections:write (SLACK_APP_TOKEN, xapp-…); Install App →",
        "# copy the Bot User OAuth Token (SLACK_BOT_TOKEN, xoxb-…). Both go in .env.",
    ]
    lines += _yaml(data, 0, comments={**BOT_SCOPES, **SIGNIN_SCOPES})
    return "\n".join(lines) + "\n"


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _yaml(value: object, indent: int, comments: dict[str, str]) -> list[str]:
    pad = "  " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                out.append(f"{pad}{key}:")
                out += _yaml(item, indent + 1, comments)
            else:
                out.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                sub = _yaml(item, indent + 1, comments)
                out.append(f"{pad}- {sub[0].strip()}")
                out += sub[1:]
            else:
                note = f"  # {comments[item]}" if isinstance(item, str) and item in comments else ""
                out.append(f"{pad}- {_scalar(item)}{note}")
    return out
