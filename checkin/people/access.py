"""Who is signed in to the web app, and in which role: claims → `Viewer` or a refusal.

Sign-in (Streamlit's `st.login`, OpenID Connect) hands the web app the
provider's claims. With Slack as the provider they carry the Slack user id
(`https://slack.com/user_id`) and team id (`https://slack.com/team_id`); the
team must be the workspace the bot is installed in, as the bot recorded it
from `auth.test`. With another provider (Google Workspace, Okta, Keycloak)
the member is found by the email address the bot read from `users.info`
(scope `users:read.email`), and only when the provider says it verified the
address (`email_verified: true`): an address anyone could type into an
account of their own must not stand for a Slack member.

Roles:
- admin: listed in `CHECKIN_ADMINS`, or a Slack workspace admin or owner as
  the bot recorded it (`members.is_admin`);
- lead: named in a check-in's `leads`, or a member of its report channel when
  the check-in says `leads_from_report_channel = true`; `lead_of` holds those
  check-in ids;
- member: anyone else the bot knows in the workspace.

Leads and members also see in full the check-ins with `visibility = "team"`
they were asked in (`Viewer.shared`, `checkin.people.visible`). The bot makes
its viewers with the same rules (`viewer_for_member`), so Slack and the web
show a person the same things.

A signed-out person, another workspace's user, an unknown or a deactivated
member gets a `Refusal` with one line to show. This module reads the database
only; it never calls Slack.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from checkin.clock import Clock, iso, system_clock
from checkin.db.connection import get_meta, set_meta, transaction
from checkin.people import channels
from checkin.people.admins import is_admin
from checkin.people.viewer import MIN_GROUP, Viewer
from checkin.people.visible import shared_checkins

SLACK_USER_ID = "https://slack.com/user_id"
SLACK_TEAM_ID = "https://slack.com/team_id"
TEAM_META = "team_id"

# inactive_reason values that mean the Slack account itself is gone (not a closed DM)
DEACTIVATED = frozenset(
    {"deactivated", "user_disabled", "user_not_found", "account_inactive", "user_not_visible"}
)

RefusalReason = Literal[
    "signed_out", "no_workspace", "other_team", "unknown", "unverified", "deactivated"
]


def _plain(value: object, limit: int = 80) -> str:
    """A claim quoted in a refusal: only characters of ids and addresses, so the line
    shows as written wherever it is rendered (Streamlit renders Markdown)."""
    return re.sub(r"[^A-Za-z0-9@._+-]", "", str(value))[:limit]


@dataclass(frozen=True)
class Refusal:
    """Why a signed-in person sees nothing; `message` is the line to show them."""

    reason: RefusalReason
    message: str


# --- what the bot records -----------------------------------------------------


def record_workspace(conn: sqlite3.Connection, team_id: str | None) -> None:
    """Remember the bot's own workspace (from `auth.test`): only its users may sign in."""
    if team_id:
        with transaction(conn):
            set_meta(conn, TEAM_META, team_id)


def workspace_team(conn: sqlite3.Connection) -> str | None:
    return get_meta(conn, TEAM_META)


def record_email(conn: sqlite3.Connection, member_id: str, email: str | None) -> None:
    """A member's address from `users.info`, for sign-in through another provider."""
    with transaction(conn):
        conn.execute(
            "UPDATE members SET email = ? WHERE slack_id = ?",
            ((email or "").strip() or None, member_id),
        )


def record_report_channel(
    conn: sqlite3.Connection,
    checkin_id: int,
    member_ids: Iterable[str],
    clock: Clock = system_clock,
) -> None:
    """The members of a check-in's report channel as just read; replaces the last reading."""
    now = iso(clock())
    with transaction(conn):
        conn.execute("DELETE FROM report_channel_members WHERE checkin_id = ?", (checkin_id,))
        conn.executemany(
            "INSERT OR IGNORE INTO report_channel_members (checkin_id, member_id, seen_at) "
            "VALUES (?, ?, ?)",
            [(checkin_id, m, now) for m in member_ids],
        )


# --- roles --------------------------------------------------------------------


def lead_checkins(conn: sqlite3.Connection, slack_id: str) -> frozenset[int]:
    """The check-ins the person leads: named in `leads`, or in the report channel if the
    check-in says so and the bot last saw that channel private (`checkin.people.channels`)."""
    rows = conn.execute(
        f"""
        SELECT c.id FROM checkins c, json_each(c.leads) j WHERE j.value = :who
        UNION
        SELECT c.id FROM checkins c
        JOIN report_channel_members r ON r.checkin_id = c.id
        WHERE c.leads_from_report_channel = 1 AND r.member_id = :who
          AND {channels.PRIVATE_REPORT_CHANNEL}
        """,  # noqa: S608 - a constant fragment
        {"who": slack_id},
    ).fetchall()
    return frozenset(r[0] for r in rows)


def email_verified(claims: Mapping[str, Any]) -> bool:
    """Whether the provider says it checked the address: `email_verified` true (or the
    string "true", as some providers send it). Absent, false or anything else is not."""
    verified = claims.get("email_verified")
    if isinstance(verified, str):
        return verified.strip().lower() == "true"
    return verified is True


def _member_by_email(conn: sqlite3.Connection, email: str) -> sqlite3.Row | None:
    rows = conn.execute(
        "SELECT * FROM members WHERE email = ? COLLATE NOCASE AND is_bot = 0 LIMIT 2",
        (email.strip(),),
    ).fetchall()
    return rows[0] if len(rows) == 1 else None  # two members, one address: not a match


def identify(
    conn: sqlite3.Connection,
    claims: Mapping[str, Any],
    *,
    admins: Collection[str] = (),
    min_group: int = MIN_GROUP,
) -> Viewer | Refusal:
    """The viewer for the signed-in person described by `claims` (st.user), or why not."""
    if not claims.get("is_logged_in"):
        return Refusal("signed_out", "Sign in to see the check-ins.")
    slack_id = claims.get(SLACK_USER_ID)
    row: sqlite3.Row | None = None
    if slack_id:
        expected = workspace_team(conn)
        if expected is None:
            return Refusal(
                "no_workspace",
                "This web app does not know its Slack workspace yet: start the bot once "
                "(python -m bot) so it can record it, then reload this page.",
            )
        team = claims.get(SLACK_TEAM_ID)
        if team != expected:
            return Refusal(
                "other_team",
                f"You signed in with an account of another Slack workspace ({_plain(team) or 'unknown'}). "
                "Sign out and sign in with your account in this team's workspace.",
            )
        row = conn.execute("SELECT * FROM members WHERE slack_id = ?", (slack_id,)).fetchone()
    else:
        email = str(claims.get("email") or "")
        if not email:
            return Refusal(
                "unknown",
                "Your sign-in did not say who you are in Slack (no Slack id and no verified "
                "email address). Ask an admin to check the sign-in settings.",
            )
        if not email_verified(claims):
            return Refusal(
                "unverified",
                f"Your sign-in provider did not confirm that {_plain(email)} is yours "
                "(email_verified), so it cannot stand for a Slack account here. Sign in with "
                "Slack, or ask an admin to use a provider that verifies addresses.",
            )
        row = _member_by_email(conn, email)
        if row is None:
            return Refusal(
                "unknown",
                f"No member of this workspace has the address {_plain(email)}. Sign in with the "
                "address of your Slack account, or ask an admin.",
            )
        slack_id = row["slack_id"]

    return _viewer(conn, slack_id, row, admins, min_group, claims.get("name"))


def viewer_for_member(
    conn: sqlite3.Connection,
    slack_id: str,
    *,
    admins: Collection[str] = (),
    min_group: int = MIN_GROUP,
) -> Viewer | Refusal:
    """The viewer for a Slack user id, by the rules sign-in uses (`identify`): what the bot
    shows a person in Slack is what the web app shows them signed in."""
    if not slack_id:
        return Refusal("unknown", "I could not tell who asked.")
    row = conn.execute("SELECT * FROM members WHERE slack_id = ?", (slack_id,)).fetchone()
    return _viewer(conn, slack_id, row, admins, min_group, None)


def _viewer(
    conn: sqlite3.Connection,
    slack_id: str,
    row: sqlite3.Row | None,
    admins: Collection[str],
    min_group: int,
    claimed_name: object,
) -> Viewer | Refusal:
    """Role, check-ins led and shared for a known Slack id, or why the person sees nothing."""
    if row is not None and row["is_bot"]:
        row = None
        is_listed = False
    else:
        is_listed = slack_id in admins
    if row is not None and not row["active"] and (row["inactive_reason"] or "") in DEACTIVATED:
        return Refusal(
            "deactivated",
            "Your Slack account in this workspace is deactivated, so the check-ins show you nothing.",
        )
    leads = lead_checkins(conn, slack_id)
    if row is None and not is_listed and not leads:
        return Refusal(
            "unknown",
            "You are not a member of any check-in here yet, so there is nothing to show you. "
            "Ask an admin to add you.",
        )
    name = (claimed_name or (row["real_name"] or row["name"] if row else "")) or slack_id
    if is_listed or (row is not None and is_admin(conn, slack_id, admins)):
        role = "admin"
    elif leads:
        role = "lead"
    else:
        role = "member"
    return Viewer(
        role=role,
        slack_id=slack_id,
        name=str(name),
        lead_of=leads if role == "lead" else frozenset(),
        shared=shared_checkins(conn, slack_id) if role != "admin" else frozenset(),
        min_group=min_group,
    )
