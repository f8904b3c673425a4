"""The Question pool page's reads and changes: the pool as the viewer may see it, a
question's answers, suggesting a question, and moderating one (admins)."""

from __future__ import annotations

from checkin.people.viewer import Viewer
from checkin.pool import listing, moderation, submit
from checkin.pool.moderation import Moderated
from checkin.pool.submit import Submitted
from dashboard.data import source

TTL = 10


def pool_questions(viewer: Viewer) -> list[dict]:
    """The pool: approved questions, and for an admin every one; a member's own suggestions too."""
    return _pool_questions(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _pool_questions(path: str, viewer: Viewer) -> list[dict]:
    with source.connection(path) as conn:
        return listing.listing(conn, viewer)


def pool_answers(viewer: Viewer, question_id: int) -> list[dict]:
    """The answers a pool question got in the check-ins that asked it, as the viewer may see them."""
    return _pool_answers(source.db_path(), viewer, question_id)


@source.cached(ttl=TTL)
def _pool_answers(path: str, viewer: Viewer, question_id: int) -> list[dict]:
    with source.connection(path) as conn:
        return listing.answers_to(conn, viewer, question_id)


def moderates_pool(viewer: Viewer) -> bool:
    """Whether the viewer may approve, reject and reword questions: an admin."""
    with source.connection() as conn:
        return moderation.viewer_moderates(conn, viewer, source.admins())


def submit_pool_question(
    viewer: Viewer,
    text: str,
    *,
    kind: str,
    options: list[str] | None,
    labels: list[str] | None,
    anonymous: bool,
) -> Submitted:
    """Suggest a question from the web; `Refused` with the reason when it cannot be kept."""
    with source.change() as conn:
        return submit.submit(
            conn,
            text,
            submitted_by=viewer.slack_id or "operator",
            source="web",
            kind=kind,
            options=options,
            labels=labels,
            anonymous=anonymous,
        )


def moderate_pool_question(
    viewer: Viewer, question_id: int, action: str, *, text: str | None = None
) -> Moderated:
    """Approve, reject or reword (`action` "edit" with `text`); `Refused` for a non-admin."""
    with source.change() as conn:
        return moderation.moderate_as(
            conn, viewer, question_id, action, text=text, configured=source.admins()
        )
