"""Feedback-form link tokens: who may open which form, once, until the due date.

A token is `<invite id>.<nonce>.<mac>`: the invite it names, a random nonce
from the operating system's CSPRNG (`secrets`), and an HMAC-SHA256 over both
with the signing secret (`checkin.config.signing_secret`). The database keeps
only a SHA-256 hash of the whole token, so a copy of the database cannot
open any form, and a token that was altered fails its HMAC before the
database is read. Expiry and single use live on the invite row
(`checkin.feedback`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

NONCE_BYTES = 18
SHAPE = re.compile(r"^(\d{1,12})\.([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$")


class BadToken(Exception):
    """A link that opens no form; str() is the message for the person holding it."""


ALTERED = "This feedback link is not valid: it is incomplete or was changed. Open it again from the Slack message."
UNKNOWN = "This feedback link is not known here: it may belong to a request that was removed."
USED = "This feedback link has been used already: your answers were received. Thank you!"
EXPIRED = "This feedback link has expired: the request's due date has passed."
DECLINED = "You declined this feedback request, so this link no longer opens the form."
MISSING = "This page opens from a feedback link in Slack; no link was given."


@dataclass(frozen=True)
class Issued:
    token: str  # goes in the link, never into the database or a log
    token_hash: str  # what the database keeps


def _mac(secret: bytes, invite_id: int, nonce: str) -> str:
    digest = hmac.new(secret, f"{invite_id}.{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(secret: bytes, invite_id: int) -> Issued:
    """A fresh token for an invite (a new one replaces any earlier hash)."""
    if not secret:
        raise ValueError("no signing secret")
    nonce = base64.urlsafe_b64encode(secrets.token_bytes(NONCE_BYTES)).rstrip(b"=").decode()
    token = f"{invite_id}.{nonce}.{_mac(secret, invite_id, nonce)}"
    return Issued(token=token, token_hash=token_hash(token))


def verify(secret: bytes, token: str | None) -> int:
    """The invite id a genuine token names; `BadToken` for an empty or altered one."""
    if not token or not str(token).strip():
        raise BadToken(MISSING)
    match = SHAPE.match(str(token).strip())
    if match is None:
        raise BadToken(ALTERED)
    invite_id, nonce, mac = int(match[1]), match[2], match[3]
    if not hmac.compare_digest(mac, _mac(secret, invite_id, nonce)):
        raise BadToken(ALTERED)
    return invite_id
