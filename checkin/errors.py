"""Errors a person can cause that every feature shares; str() says what and what to do.

Feature-specific errors live in their package (`DefinitionError` in
checkin/checkins, `BadToken` in checkin/feedback, `ReportError` in
checkin/reports, ...); each name is defined once.
"""

from __future__ import annotations


class NotFound(Exception):
    """Something a person named does not exist; str() says what and what to do."""


class NotAllowed(Exception):
    """The viewer may not see or do this; str() says what they may do instead."""


class Refused(Exception):
    """A submission was refused (a pool question, a feedback request); str() says why."""
