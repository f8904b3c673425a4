"""Feedback as the web app lists it, viewer first: requests, undelivered invites, whom one may ask about."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection

from checkin.clock import Clock, iso, system_clock
from checkin.feedback.requests import get_request, name_of
from checkin.feedback.results import may_see_results
from checkin.people import access
from checkin.people.admins import is_admin
from checkin.people.viewer import Viewer


def requests_for(conn: sqlite3.Connection, viewer: Viewer) -> list[dict]:
    """The requests the viewer may follow: admins all; others those about or by them."""
    rows = conn.execute(
        "SELECT q.*, (SELECT COUNT(*) FROM feedback_invites i WHERE i.request_id = q.id) "
        "AS invited, (SELECT COUNT(*) FROM feedback_invites i WHERE i.request_id = q.id "
        "AND i.declined_at IS NOT NULL) AS declined, CASE WHEN q.status = 'closed' THEN q.answered "
        "ELSE (SELECT COUNT(*) FROM feedback_responses r WHERE r.request_id = q.id) END "
        "AS answered_now FROM feedback_requests q "
        "ORDER BY q.created_at DESC, q.id DESC"
    ).fetchall()
    return [
        {
            "id": r["id"],
            "subject": name_of(conn, r["subject_id"]),
            "requested_by": name_of(conn, r["requested_by"]),
            "due": r["closes_on"],
            "invited": r["invited"],
            "declined": r["declined"],
            "answered": r["answered_now"],
            "closed": r["status"] == "closed",
            "ready": r["results"] is not None,
            "min_responses": r["min_responses"],
        }
        for r in rows
        if may_see_results(viewer, r)
    ]


REFUSAL_REASONS = {
    "dm_skipped": "development mode: the bot DMs only the people in CHECKIN_DEV_USERS",
    "user_disabled": "their Slack account is deactivated",
    "account_inactive": "their Slack account is deactivated",
    "deactivated": "their Slack account is deactivated",
    "user_not_found": "Slack does not know this account",
    "user_not_visible": "Slack does not let the bot see this account",
    "cannot_dm_bot": "the account is a bot",
    "channel_not_found": "Slack could not open a DM with them",
    "messages_tab_disabled": "they turned off direct messages from apps",
    "is_archived": "their DM with the bot is archived",
}


def refusal_reason(code: str) -> str:
    """The line the requester reads for an invite Slack will never take, from Slack's code."""
    return REFUSAL_REASONS.get(code, f"Slack refused the DM ({code})")


def undelivered(
    conn: sqlite3.Connection, viewer: Viewer, request_id: int, clock: Clock = system_clock
) -> list[dict]:
    """The request's invites that did not reach their reviewer, each with its reason:
    `refused` (never will), `retrying` (Slack failed; tried again at `retry_at`), or
    `expired` (the due date passed first). For the requester and admins only: the
    subject of a request someone else made is not told whom it asked.

    Only invites never sent are listed: they cannot have been answered, so naming
    their reviewer says nothing about who wrote what.
    """
    request = get_request(conn, request_id)
    if request is None or not (
        viewer.is_admin or (viewer.slack_id and viewer.slack_id == request["requested_by"])
    ):
        return []
    now = iso(clock())
    out = []
    for r in conn.execute(
        "SELECT * FROM feedback_invites WHERE request_id = ? AND sent_at IS NULL "
        "AND declined_at IS NULL ORDER BY id",
        (request_id,),
    ):
        if r["refused"]:
            state, reason = "refused", r["refused"]
        elif r["expires_at"] and r["expires_at"] <= now:
            state, reason = "expired", "the due date passed before Slack took the DM"
        elif r["retry_at"]:
            state = "retrying"
            reason = (
                f"Slack did not take the DM ({r['last_error']}); trying again at "
                f"{r['retry_at'][11:16]} UTC (attempt {r['attempts'] + 1})"
            )
        else:
            state, reason = "sending", "the bot has not sent it yet"
        out.append({"reviewer": name_of(conn, r["member_id"]), "state": state, "reason": reason})
    return out


def member_choices(conn: sqlite3.Connection, viewer: Viewer) -> list[tuple[str, str]]:
    """(slack id, name) of the people a request may name: active humans."""
    rows = conn.execute(
        "SELECT slack_id, COALESCE(NULLIF(real_name, ''), NULLIF(name, ''), slack_id) "
        "FROM members WHERE active = 1 AND is_bot = 0 ORDER BY 2"
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def subject_choices(
    conn: sqlite3.Connection, viewer: Viewer, admins: Collection[str] = ()
) -> list[tuple[str, str]]:
    """(slack id, name) of the people this viewer may ask feedback about (`may_request`):
    admins anyone; a lead themselves and the people of their check-ins; a member themselves."""
    everyone = member_choices(conn, viewer)
    if viewer.is_admin or is_admin(conn, viewer.slack_id, admins):
        return everyone
    allowed = {viewer.slack_id} | _people_of(
        conn, sorted(access.lead_checkins(conn, str(viewer.slack_id)))
    )
    return [(slack_id, name) for slack_id, name in everyone if slack_id in allowed]


def _people_of(conn: sqlite3.Connection, checkin_ids: list[int]) -> set[str]:
    """Who takes part in these check-ins, as `leads_checkin_of` counts them."""
    if not checkin_ids:
        return set()
    marks = ", ".join("?" for _ in checkin_ids)
    return {
        r[0]
        for r in conn.execute(
            f"SELECT j.value FROM checkins c, json_each(c.participants) j "  # noqa: S608
            f"WHERE c.id IN ({marks}) UNION SELECT r.member_id FROM runs r "
            f"WHERE r.checkin_id IN ({marks})",
            (*checkin_ids, *checkin_ids),
        )
    }
