"""The Answers page's reads: whose answers and which questions the viewer may read,
one member's history, one question's answers, and full-text search."""

from __future__ import annotations

from checkin.answers import history, search
from checkin.answers.history import AnswerEntry, MemberChoice, Page, QuestionChoice, Wording
from checkin.answers.search import SearchPage
from checkin.people.viewer import Viewer
from dashboard.data import source

TTL = 30  # seconds: a new answer shows within half a minute


def answer_members(viewer: Viewer) -> list[MemberChoice]:
    """The members whose answers the viewer may read."""
    return _answer_members(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _answer_members(path: str, viewer: Viewer) -> list[MemberChoice]:
    with source.connection(path) as conn:
        return history.members(conn, viewer)


def answer_questions(viewer: Viewer) -> list[QuestionChoice]:
    """The questions whose answers the viewer may read, retired ones too."""
    return _answer_questions(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _answer_questions(path: str, viewer: Viewer) -> list[QuestionChoice]:
    with source.connection(path) as conn:
        return history.questions(conn, viewer)


def member_history(
    viewer: Viewer, member_id: str, *, checkin_id: int | None, page: int, page_size: int
) -> Page[AnswerEntry]:
    """One page of a member's answers, newest first, in one check-in or all."""
    return _member_history(source.db_path(), viewer, member_id, checkin_id, page, page_size)


@source.cached(ttl=TTL)
def _member_history(
    path: str, viewer: Viewer, member_id: str, checkin_id: int | None, page: int, page_size: int
) -> Page[AnswerEntry]:
    with source.connection(path) as conn:
        return history.member_history(
            conn, viewer, member_id, checkin_id=checkin_id, page=page, page_size=page_size
        )


def question_history(
    viewer: Viewer, question_id: int, *, week: str | None, page: int, page_size: int
) -> Page[AnswerEntry]:
    """One page of a question's answers, newest first, in one week or all."""
    return _question_history(source.db_path(), viewer, question_id, week, page, page_size)


@source.cached(ttl=TTL)
def _question_history(
    path: str, viewer: Viewer, question_id: int, week: str | None, page: int, page_size: int
) -> Page[AnswerEntry]:
    with source.connection(path) as conn:
        return history.question_history(
            conn, viewer, question_id, week=week, page=page, page_size=page_size
        )


def question_wordings(viewer: Viewer, question_id: int) -> list[Wording]:
    """The wordings a question has had, newest first."""
    return _question_wordings(source.db_path(), viewer, question_id)


@source.cached(ttl=TTL)
def _question_wordings(path: str, viewer: Viewer, question_id: int) -> list[Wording]:
    with source.connection(path) as conn:
        return history.question_wordings(conn, viewer, question_id)


def search_answers(
    viewer: Viewer,
    query: str,
    *,
    checkin_id: int | None,
    member_id: str | None,
    page: int,
    page_size: int,
) -> SearchPage:
    """One page of the text answers matching `query`, best first; `SearchError` for a bad query."""
    return _search_answers(source.db_path(), viewer, query, checkin_id, member_id, page, page_size)


@source.cached(ttl=TTL)
def _search_answers(
    path: str,
    viewer: Viewer,
    query: str,
    checkin_id: int | None,
    member_id: str | None,
    page: int,
    page_size: int,
) -> SearchPage:
    with source.connection(path) as conn:
        return search.search_answers(
            conn,
            viewer,
            query,
            checkin_id=checkin_id,
            member_id=member_id,
            page=page,
            page_size=page_size,
        )
