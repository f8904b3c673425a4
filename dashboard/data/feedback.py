"""The Feedback pages' reads and changes: who may be asked about whom, the requests and
results a viewer may see, asking for feedback, and the reviewer's form.

The form is the one call here without a viewer: the random token of its link is
the credential, and the form shows nothing about whoever holds it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from checkin.feedback import form, listing, requests, results
from checkin.feedback.form import Form
from checkin.feedback.results import Results
from checkin.people.viewer import Viewer
from dashboard.data import source

TTL = 10
CHOICES_TTL = 30  # who can be named changes slowly


def feedback_people(viewer: Viewer) -> list[tuple[str, str]]:
    """(slack id, name) of everyone who may be named as a reviewer or requester."""
    return _feedback_people(source.db_path(), viewer)


@source.cached(ttl=CHOICES_TTL)
def _feedback_people(path: str, viewer: Viewer) -> list[tuple[str, str]]:
    with source.connection(path) as conn:
        return listing.member_choices(conn, viewer)


def feedback_subjects(viewer: Viewer) -> list[tuple[str, str]]:
    """(slack id, name) of the people the viewer may ask feedback about."""
    return _feedback_subjects(source.db_path(), viewer)


@source.cached(ttl=CHOICES_TTL)
def _feedback_subjects(path: str, viewer: Viewer) -> list[tuple[str, str]]:
    with source.connection(path) as conn:
        return listing.subject_choices(conn, viewer, source.admins())


def feedback_requests(viewer: Viewer) -> list[dict]:
    """The requests the viewer may see, with how many were invited and answered."""
    return _feedback_requests(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _feedback_requests(path: str, viewer: Viewer) -> list[dict]:
    with source.connection(path) as conn:
        return listing.requests_for(conn, viewer)


def feedback_results(viewer: Viewer, request_id: int) -> Results:
    """A request's results, laid down once at close (before it, how many answered);
    `NotAllowed` for anyone but its subject, requester and admins."""
    with source.connection() as conn:
        return results.results(conn, viewer, request_id)


def feedback_undelivered(viewer: Viewer, request_id: int) -> list[dict]:
    """The reviewers the bot could not invite (yet), with the reason."""
    with source.connection() as conn:
        return listing.undelivered(conn, viewer, request_id)


def request_feedback(
    viewer: Viewer,
    *,
    subject: str,
    requested_by: str,
    reviewers: Sequence[str],
    due: date,
    today: date,
    notify_subject: bool,
    confirmed: bool,
) -> int:
    """Keep a request and ask the bot to DM the invites; its id.

    `Refused` with the reason, or `NeedsConfirmation` when a reviewer was asked
    about the same person lately and the requester has not confirmed.
    """
    with source.change() as conn:
        return requests.create_request(
            conn,
            subject=subject,
            requested_by=requested_by,
            reviewers=reviewers,
            due=due,
            today=today,
            notify_subject=notify_subject,
            confirmed=confirmed,
            admins=source.admins(),
            requester_is_admin=viewer.is_admin,
        )


def feedback_form(token: str | None) -> Form:
    """The form a reviewer's link opens; `BadToken` says in one line why it does not."""
    with source.connection() as conn:
        return form.open_form(conn, token)


def submit_feedback(token: str | None, answers: Mapping[str, object]) -> None:
    """Store the reviewer's answers anonymously, once per link."""
    with source.change() as conn:
        form.submit_response(conn, token, answers)
