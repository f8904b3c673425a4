"""Feedback-form link tokens: who may open which form, once, until the due date.

A token is 32 random bytes from the operating system's CSPRNG (`secrets`),
written URL-safe. Nothing derives it from the signing secret, so whoever holds
the secret (and the database) cannot make or recompute one. The token itself is
never stored: the invite keeps `invite_hash(token)`, and once the form is
answered the table of spent links keeps `spent_hash(token)`. Both are SHA-256
with a different prefix, so the spent hash cannot be computed from the
invite's hash: a spent link cannot be matched to its invite without the token,
which only the reviewer's Slack DM holds.
"""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 32
SHAPE = re.compile(r"^[A-Za-z0-9_.-]{32,200}$")  # also links issued before (id.nonce.mac)


class BadToken(Exception):
    """A link that opens no form; str() is the message for the person holding it."""


ALTERED = "This feedback link is not valid: it is incomplete or was changed. Open it again from the Slack message."
UNKNOWN = "This feedback link is not known here: it may belong to a request that was removed."
USED = "This feedback link has been used already: your answers were received. Thank you!"
EXPIRED = "This feedback link has expired: the request's due date has passed."
CLOSED = "This feedback request is closed: everyone who was asked has answered. Thank you!"
DECLINED = "You declined this feedback request, so this link no longer opens the form."
MISSING = "This page opens from a feedback link in Slack; no link was given."


def new_token() -> str:
    """A fresh link token; it goes in the link, never into the database or a log."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def invite_hash(token: str) -> str:
    """What the invite keeps of its link."""
    return hashlib.sha256(f"invite:{token}".encode()).hexdigest()


def spent_hash(token: str) -> str:
    """What the table of spent links keeps once the form is answered."""
    return hashlib.sha256(f"spent:{token}".encode()).hexdigest()


def legacy_hash(token: str) -> str:
    """The hash invites kept of links issued before this scheme (still honoured until due)."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_shape(token: str | None) -> str:
    """The token as typed, trimmed; `BadToken` for an empty or mangled one."""
    raw = str(token or "").strip()
    if not raw:
        raise BadToken(MISSING)
    if SHAPE.match(raw) is None:
        raise BadToken(ALTERED)
    return raw
