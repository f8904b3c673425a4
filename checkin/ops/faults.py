"""Which failures pass on their own (a locked or full database) and are worth trying again."""

from __future__ import annotations

import sqlite3

PASSING_DATABASE_ERRORS = (
    "locked",
    "busy",
    "disk is full",
    "disk i/o",
    "unable to open",
    "database or disk is full",
)


def is_passing_database_error(exc: BaseException) -> bool:
    """A database error that a later try can get past: a lock, a full disk, an I/O error."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    message = str(exc).lower()
    return any(part in message for part in PASSING_DATABASE_ERRORS)


def describe(exc: BaseException) -> str:
    """One line for the Operations page: the error's kind and message, never a traceback."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__
