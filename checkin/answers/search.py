"""Full-text search over text answers: SQLite FTS5, ranked by bm25, highlighted.

The index `answers_fts` (migration 7) is an external-content FTS5 table over
`answers.text`, kept in sync by triggers, so an answer is findable the moment
it is stored and an edit replaces its words. A query uses FTS5's own syntax
(`word`, `"a phrase"`, `prefix*`, `a OR b`, `NOT`); a query that syntax cannot
read becomes a `SearchError` with one plain line, never an exception page.

Matches come back marked with `MARK_START`/`MARK_END` (control characters
that typed text does not contain); `marked_parts` splits them so the page can
escape every part and only then show the matches highlighted.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from checkin.answers.history import Page, page_bounds
from checkin.db.connection import transaction
from checkin.people.members import MEMBER_NAME
from checkin.people.viewer import Viewer
from checkin.people.visible import visible_answers

MARK_START = "\x02"
MARK_END = "\x03"
SNIPPET_TOKENS = 24
PAGE_SIZE = 20
MAX_QUERY_CHARS = 500
RANK_WINDOW = 10_000  # the newest matches ranked by bm25; see SearchPage

_MARKED = re.compile(f"{MARK_START}(.*?){MARK_END}", re.S)


class SearchError(Exception):
    """A query the index cannot run; str() is the line to show the person."""


@dataclass(frozen=True)
class Hit:
    """One matching answer: where it comes from, its snippet with marked matches, its score."""

    answer_id: int
    answered_at: str
    local_date: str
    week: str
    checkin_id: int
    checkin: str
    question_text: str
    member_id: str
    member: str
    text: str
    snippet: str
    score: float  # bm25: lower is a better match


def marked_parts(snippet: str) -> list[tuple[str, bool]]:
    """Split a marked snippet into (text, is_match) parts, markers removed."""
    parts: list[tuple[str, bool]] = []
    pos = 0
    for m in _MARKED.finditer(snippet):
        if m.start() > pos:
            parts.append((snippet[pos : m.start()], False))
        parts.append((m.group(1), True))
        pos = m.end()
    if pos < len(snippet):
        parts.append((snippet[pos:], False))
    return [(text.replace(MARK_START, "").replace(MARK_END, ""), hit) for text, hit in parts]


SYNTAX_HELP = (
    "Search could not read that query. Use plain words, "
    '"a phrase" in double quotes, word* for a prefix, or OR / NOT between words.'
)


def _fts_problem(exc: sqlite3.OperationalError) -> str | None:
    """The plain line for an error the query caused, or None for any other error."""
    message = str(exc)
    if "fts5" in message or "syntax error" in message or "unterminated string" in message:
        return SYNTAX_HELP
    if message.startswith("no such column"):
        return (
            "Search could not read that query: a word followed by a colon is taken as a "
            'column name. Put it in double quotes, e.g. "note: done".'
        )
    if "unknown special query" in message:
        return "Search could not read that query: put words that start with * in double quotes."
    return None


@dataclass(frozen=True)
class SearchPage(Page[Hit]):
    """A page of hits; `matches` counts every match, `total` those ranked and reachable.

    When more than `RANK_WINDOW` answers match, only the newest that many are
    ranked (bm25 costs about 2 µs a match): `capped` is then true and the page
    says so, and more words narrow the search.
    """

    matches: int = 0

    @property
    def capped(self) -> bool:
        return self.matches > self.total


def _confined(query: str) -> bool:
    """Whether the query's parentheses, outside "strings", never close more than they open.

    The query is wrapped as `text : ( … )` after the viewer's filters; a query
    that closed that parenthesis could OR its way past them.
    """
    depth = 0
    quoted = False
    for char in query:
        if char == '"':
            quoted = not quoted  # a doubled "" inside a string toggles twice
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and not quoted


def _word(value: object) -> str:
    return '"' + str(value).replace('"', "") + '"'


def _expression(query: str, viewer: Viewer, member_id: str | None, checkin_id: int | None) -> str:
    """The FTS5 expression: the query over the text, AND the filters and the viewer's rights."""
    parts = [f"text : ({query})"]  # first: FTS5 then steps through the filters' long lists
    if member_id is not None:
        parts.append(f"member_id : {_word(member_id)}")
    if checkin_id is not None:
        parts.append(f"checkin_id : {_word(checkin_id)}")
    if not viewer.is_admin:
        mine = f"member_id : {_word(viewer.slack_id or '-')}"
        if viewer.sees_all_of:
            leads = " OR ".join(_word(i) for i in sorted(viewer.sees_all_of))
            mine = f"({mine} OR checkin_id : ({leads}))"
        parts.append(mine)
    return " AND ".join(parts)


def search_answers(
    conn: sqlite3.Connection,
    viewer: Viewer,
    query: str,
    *,
    checkin_id: int | None = None,
    member_id: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    rank_window: int | None = None,
) -> SearchPage:
    """Text answers matching `query`, best match (bm25) first, a page at a time.

    Only answers the viewer may see are searched and counted: the viewer's
    rights and the filters are words of the index (member and check-in), ANDed
    with the person's query, so counting and ranking read the index alone; the
    page's answers are then read through the same SQL rule as every other read
    (`visible_answers`). An empty query matches nothing; one the FTS5 syntax
    cannot read raises `SearchError`.
    """
    page, size = page_bounds(page, page_size)
    window = rank_window or RANK_WINDOW
    query = (query or "").strip()
    if not query:
        return SearchPage(items=[], total=0, page=1, page_size=size, matches=0)
    if len(query) > MAX_QUERY_CHARS:
        raise SearchError(f"That query is too long; use at most {MAX_QUERY_CHARS} characters.")
    if not _confined(query):
        raise SearchError(SYNTAX_HELP)
    match = [_expression(query, viewer, member_id, checkin_id)]
    where = ""
    params: list = []
    if checkin_id is not None:
        where += " AND a.checkin_id = ?"
        params.append(checkin_id)
    if member_id is not None:
        where += " AND a.member_id = ?"
        params.append(member_id)
    extra, extra_params = visible_answers(viewer)
    where += extra
    params += extra_params
    try:
        matches = conn.execute(
            "SELECT COUNT(*) FROM answers_fts WHERE answers_fts MATCH ?", match
        ).fetchone()[0]
        since = 0
        if matches > window:
            since = conn.execute(
                "SELECT rowid FROM answers_fts WHERE answers_fts MATCH ? "
                "ORDER BY rowid DESC LIMIT 1 OFFSET ?",
                [*match, window - 1],
            ).fetchone()[0]
        total = min(matches, window)
        page = min(page, max(1, -(-total // size)))
        ranked = conn.execute(
            "SELECT rowid AS id, bm25(answers_fts, 1.0, 0.0, 0.0) AS score FROM answers_fts "
            "WHERE answers_fts MATCH ? AND rowid >= ? "
            "ORDER BY score, rowid DESC LIMIT ? OFFSET ?",
            [*match, since, size, (page - 1) * size],
        ).fetchall()
        ids = [r["id"] for r in ranked]
        marks = ", ".join("?" for _ in ids) or "NULL"
        snippets = dict(
            conn.execute(
                "SELECT rowid, snippet(answers_fts, 0, ?, ?, '…', ?) FROM answers_fts "  # noqa: S608
                f"WHERE answers_fts MATCH ? AND rowid IN ({marks})",
                [MARK_START, MARK_END, SNIPPET_TOKENS, *match, *ids],
            ).fetchall()
        )
        details = {
            r["answer_id"]: r
            for r in conn.execute(
                "SELECT a.id AS answer_id, a.answered_at, a.local_date, a.week, a.checkin_id, "  # noqa: S608
                f"c.name AS checkin, a.question_text, a.member_id, {MEMBER_NAME} AS member, a.text "
                "FROM answers a JOIN checkins c ON c.id = a.checkin_id "
                f"JOIN members m ON m.slack_id = a.member_id WHERE a.id IN ({marks}){where}",
                [*ids, *params],
            )
        }
    except sqlite3.OperationalError as exc:
        problem = _fts_problem(exc)
        if problem is None:
            raise
        raise SearchError(problem) from None
    hits = []
    for r in ranked:
        d = details.get(r["id"])
        if d is None:  # the index and the SQL rule disagree: the rule wins
            continue
        hits.append(
            Hit(
                answer_id=d["answer_id"],
                answered_at=d["answered_at"],
                local_date=d["local_date"],
                week=d["week"],
                checkin_id=d["checkin_id"],
                checkin=d["checkin"],
                question_text=d["question_text"],
                member_id=d["member_id"],
                member=d["member"],
                text=d["text"],
                snippet=snippets.get(r["id"], d["text"]),
                score=r["score"],
            )
        )
    return SearchPage(items=hits, total=total, page=page, page_size=size, matches=matches)


def rebuild_index(conn: sqlite3.Connection) -> int:
    """Index every text answer again (after restoring a copy of `answers` by hand).

    Returns the number of answers indexed. Migration 7 does this once; the
    triggers keep the index in step afterwards.
    """
    with transaction(conn):
        conn.execute("INSERT INTO answers_fts (answers_fts) VALUES ('delete-all')")
        count = conn.execute(
            "INSERT INTO answers_fts (rowid, text, member_id, checkin_id) "
            "SELECT a.id, a.text, a.member_id, a.checkin_id FROM answers a "
            "JOIN questions q ON q.id = a.question_id "
            "WHERE q.kind = 'text' AND a.text IS NOT NULL"
        ).rowcount
        conn.execute("INSERT INTO answers_fts (answers_fts) VALUES ('optimize')")
        return count
