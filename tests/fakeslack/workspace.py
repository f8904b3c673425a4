"""The data a fake Slack workspace holds: users, channels, messages, views, files.

Plain dicts shaped like the Web API returns them, guarded by one re-entrant
lock so the server thread and the test thread can both read and write.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Iterable
from typing import Any

TEAM_ID = "T0001"
TEAM_NAME = "Checkin Test Co"
TEAM_DOMAIN = "checkin-test"
APP_ID = "A0001"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0001"
BOT_NAME = "checkin"

# 2027-01-04T00:00:00Z: message ts values count up from here, after every date the tests
# set, so a history `oldest` bound taken from a test's fake clock never hides a message.
DEFAULT_EPOCH = 1799020800

DEMO_USERS: list[dict[str, Any]] = [
    # id, name, real name, tz, tz_offset (seconds east of UTC, as Slack reports it today)
    {
        "id": "U001",
        "name": "alice",
        "real_name": "Alice Moreau",
        "tz": "Europe/Paris",
        "tz_offset": 3600,
    },
    {
        "id": "U002",
        "name": "bob",
        "real_name": "Bob Okafor",
        "tz": "America/New_York",
        "tz_offset": -18000,
    },
    {
        "id": "U003",
        "name": "chitra",
        "real_name": "Chitra Iyer",
        "tz": "Asia/Kolkata",
        "tz_offset": 19800,
    },
    {
        "id": "U004",
        "name": "dmitri",
        "real_name": "Dmitri Volkov",
        "tz": "Europe/Berlin",
        "tz_offset": 3600,
    },
    {
        "id": "U005",
        "name": "emma",
        "real_name": "Emma Larsen",
        "tz": "America/Los_Angeles",
        "tz_offset": -28800,
    },
    {
        "id": "U006",
        "name": "frank",
        "real_name": "Frank Weber",
        "tz": "Europe/London",
        "tz_offset": 0,
        "deleted": True,
    },
]

DEMO_CHANNELS: list[dict[str, Any]] = [
    {
        "id": "C0001",
        "name": "general",
        "members": ["U001", "U002", "U003", "U004", "U005", BOT_USER_ID],
    },
    {"id": "C0002", "name": "team", "members": ["U001", "U002", "U003", "U004", BOT_USER_ID]},
]


def _tz_label(offset: int) -> str:
    sign = "+" if offset >= 0 else "-"
    hours, minutes = divmod(abs(offset) // 60, 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def make_user(
    id: str,
    name: str,
    real_name: str,
    tz: str = "UTC",
    tz_offset: int = 0,
    deleted: bool = False,
    is_bot: bool = False,
    bot_id: str | None = None,
) -> dict[str, Any]:
    """A user object as `users.info` returns it."""
    user: dict[str, Any] = {
        "id": id,
        "team_id": TEAM_ID,
        "name": name,
        "deleted": deleted,
        "real_name": real_name,
        "tz": tz,
        "tz_label": _tz_label(tz_offset),
        "tz_offset": tz_offset,
        "is_admin": False,
        "is_owner": False,
        "is_bot": is_bot,
        "is_app_user": False,
        "updated": DEFAULT_EPOCH,
        "profile": {
            "real_name": real_name,
            "display_name": name,
            "real_name_normalized": real_name,
            "display_name_normalized": name,
            "email": None if is_bot else f"{name}@{TEAM_DOMAIN}.example",
            "team": TEAM_ID,
        },
    }
    if is_bot:
        user["profile"]["bot_id"] = bot_id
    return user


class Workspace:
    """One Slack team: users, channels (public and DM), history, views, files."""

    def __init__(self, epoch: int = DEFAULT_EPOCH) -> None:
        self.lock = threading.RLock()
        self.team: dict[str, Any] = {
            "id": TEAM_ID,
            "name": TEAM_NAME,
            "domain": TEAM_DOMAIN,
            "email_domain": f"{TEAM_DOMAIN}.example",
            "icon": {"image_default": True},
        }
        self.app_id = APP_ID
        self.bot_user_id = BOT_USER_ID
        self.bot_id = BOT_ID
        self.bot_name = BOT_NAME
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[str]] = {}
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.dm_by_user: dict[str, str] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.view_owner: dict[str, str] = {}
        self.view_stack: dict[str, list[str]] = {}
        self.home: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.ephemeral: dict[str, list[dict[str, Any]]] = {}
        self.usergroups: dict[str, str] = {}  # handle -> S… id, for typed @handle mentions
        self._epoch = epoch
        self._ts_counter = itertools.count(1)
        self._id_counter = itertools.count(1)
        self.add_user(make_user(BOT_USER_ID, BOT_NAME, "Checkin", is_bot=True, bot_id=BOT_ID))

    # ----- construction

    @classmethod
    def demo(cls) -> Workspace:
        """Team T0001 with six people (one deactivated), #general and #team, the group @leads."""
        ws = cls()
        for u in DEMO_USERS:
            ws.add_user(make_user(**u))
        for c in DEMO_CHANNELS:
            ws.add_channel(c["id"], c["name"], c["members"])
        ws.usergroups["leads"] = "S0001"
        return ws

    def add_user(self, user: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.users[user["id"]] = user
            return user

    def add_channel(
        self, channel_id: str, name: str, members: Iterable[str], is_private: bool = False
    ) -> dict[str, Any]:
        with self.lock:
            channel = {
                "id": channel_id,
                "name": name,
                "name_normalized": name,
                "is_channel": not is_private,
                "is_group": is_private,
                "is_im": False,
                "is_mpim": False,
                "is_private": is_private,
                "is_archived": False,
                "is_general": name == "general",
                "created": self._epoch - 86400,
                "creator": next(iter(self.users)),
                "topic": {"value": "", "creator": "", "last_set": 0},
                "purpose": {"value": "", "creator": "", "last_set": 0},
            }
            self.channels[channel_id] = channel
            self.members[channel_id] = list(members)
            self.history[channel_id] = []
            return channel

    def invite(self, channel: str, user_id: str) -> None:
        """Add someone (the bot: `BOT_USER_ID`) to a channel, as `/invite @checkin` does."""
        with self.lock:
            channel_id = self.resolve_channel(channel)
            if channel_id is None:
                raise KeyError(channel)
            if user_id not in self.members[channel_id]:
                self.members[channel_id].append(user_id)

    def remove(self, channel: str, user_id: str) -> None:
        """Take someone (the bot: `BOT_USER_ID`) out of a channel."""
        with self.lock:
            channel_id = self.resolve_channel(channel)
            if channel_id is None:
                raise KeyError(channel)
            if user_id in self.members[channel_id]:
                self.members[channel_id].remove(user_id)

    def is_member(self, channel_id: str, user_id: str) -> bool:
        with self.lock:
            return user_id in self.members.get(channel_id, [])

    def deactivate(self, user_id: str) -> None:
        """Mark a user `deleted`, as when an admin deactivates the account."""
        with self.lock:
            self.users[user_id]["deleted"] = True
            dm = self.dm_by_user.get(user_id)
            if dm:
                self.channels[dm]["is_archived"] = True

    # ----- ids and timestamps

    def next_ts(self) -> str:
        """A unique, increasing message timestamp such as "1764259200.000100"."""
        n = next(self._ts_counter) * 100
        return f"{self._epoch + n // 1_000_000}.{n % 1_000_000:06d}"

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._id_counter):08X}"

    # ----- lookups

    def resolve_channel(self, ref: str) -> str | None:
        """A channel id from an id, "#name", "name", or a user id (their DM)."""
        with self.lock:
            if ref in self.channels:
                return ref
            if ref in self.users and not self.users[ref].get("is_bot"):
                return self.open_dm(ref)
            name = ref.lstrip("#")
            for cid, c in self.channels.items():
                if c.get("name") == name:
                    return cid
            return None

    def open_dm(self, user_id: str) -> str:
        """The DM channel between the bot and a user, created on first use, stable."""
        with self.lock:
            if user_id in self.dm_by_user:
                return self.dm_by_user[user_id]
            dm_id = "D" + user_id[1:] if user_id.startswith("U") else "D" + user_id
            self.dm_by_user[user_id] = dm_id
            self.channels[dm_id] = {
                "id": dm_id,
                "created": self._epoch,
                "is_im": True,
                "is_org_shared": False,
                "user": user_id,
                "is_user_deleted": bool(self.users[user_id].get("deleted")),
                "is_archived": bool(self.users[user_id].get("deleted")),
                "priority": 0,
            }
            self.members[dm_id] = [user_id, self.bot_user_id]
            self.history[dm_id] = []
            return dm_id

    def find_message(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        with self.lock:
            for m in self.history.get(channel_id, []):
                if m["ts"] == ts:
                    return m
            return None

    # ----- messages

    def post(self, channel_id: str, message: dict[str, Any]) -> dict[str, Any]:
        """Append a message (ts assigned here) and count it as a reply in its thread.

        A reply carries `parent_user_id`; its parent gets `thread_ts`, `reply_count`,
        `reply_users`, `reply_users_count` and `latest_reply`, as conversations.history
        and .replies show them.
        """
        with self.lock:
            message = dict(message)
            message["ts"] = self.next_ts()
            message.setdefault("type", "message")
            message.setdefault("team", TEAM_ID)
            thread_ts = message.get("thread_ts")
            parent = None
            if thread_ts and thread_ts != message["ts"]:
                parent = self.find_message(channel_id, thread_ts)
            if parent is not None:
                message["parent_user_id"] = parent.get("user", "")
            self.history[channel_id].append(message)
            if parent is not None:
                author = message.get("user", "")
                users = [u for u in parent.get("reply_users", []) if u != author] + [author]
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                parent["reply_users"] = users
                parent["reply_users_count"] = len(users)
                parent["latest_reply"] = message["ts"]
            return message

    def thread(self, channel_id: str, ts: str) -> list[dict[str, Any]]:
        """A thread's parent and its replies, oldest first (copies)."""
        with self.lock:
            return [
                copy.deepcopy(m)
                for m in self.history.get(channel_id, [])
                if m["ts"] == ts or m.get("thread_ts") == ts
            ]

    def snapshot(self, channel_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self.history.get(channel_id, []))
