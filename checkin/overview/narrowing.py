"""The SQL that narrows an Overview read to its scope and to what its viewer may see."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict

from checkin.answers.asked import ASKED_SQL
from checkin.errors import NotAllowed
from checkin.overview.scope import Scope
from checkin.people import suppression
from checkin.people.viewer import Viewer


def is_restricted(viewer: Viewer, scope: Scope) -> bool:
    return not viewer.may_see_checkin(scope.checkin_id)


def hidden_scale_values(
    conn: sqlite3.Connection, viewer: Viewer, scope: Scope, where: str, params: dict
) -> dict[tuple[int, str], frozenset[int]]:
    """The 1..5 values of each scale question and week too few people gave to show a member,
    held back with the next-smallest (`checkin.suppression`)."""
    groups: dict[tuple[int, str], dict[int, int]] = defaultdict(dict)
    for r in conn.execute(
        f"""
        SELECT a.question_id, a.week, CAST(a.number AS INTEGER), COUNT(DISTINCT a.member_id)
        FROM answers a WHERE {where} AND a.skipped = 0 AND a.number IS NOT NULL
          AND a.number IN (1, 2, 3, 4, 5)
        GROUP BY a.question_id, a.week, a.number
        """,  # noqa: S608 - built from constant fragments
        params,
    ):
        groups[(r[0], r[1])][r[2]] = r[3]
    out = {}
    for key, sizes in groups.items():
        hidden = suppression.suppress_groups(sizes, viewer.min_group).suppressed
        if hidden:
            out[key] = frozenset(hidden)
    return out


def people_sql(viewer: Viewer, scope: Scope, alias: str) -> str:
    """SQL for the number of people in a group, counted only when the viewer needs it hidden."""
    return f"COUNT(DISTINCT {alias}.member_id)" if is_restricted(viewer, scope) else "NULL"


def figure_shown(viewer: Viewer, checkin_id: int, people: int | None) -> bool:
    return viewer.may_see_checkin(checkin_id) or (people or 0) >= viewer.min_group


def narrowed_members(conn: sqlite3.Connection, viewer: Viewer, scope: Scope) -> list[str] | None:
    """The member ids the scope narrows to, or None for everyone."""
    if is_restricted(viewer, scope):
        problem = suppression.filter_problem(
            viewer,
            scope.checkin_id,
            {"members": scope.members, "channel": scope.channel},
            whole_weeks=True,  # a Scope is whole ISO weeks
        )
        if problem:
            raise NotAllowed(problem[0].upper() + problem[1:])
        return None
    if scope.members:
        return list(scope.members)
    if scope.channel:
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM checkins WHERE EXISTS "
                "(SELECT 1 FROM json_each(checkins.participants) WHERE value = ?)",
                (scope.channel,),
            )
        ]
        marks = ",".join("?" * len(ids)) or "NULL"
        return [
            r[0]
            for r in conn.execute(
                f"SELECT DISTINCT member_id FROM runs WHERE checkin_id IN ({marks})",  # noqa: S608
                ids,
            )
        ]
    return None


def runs_where(
    conn: sqlite3.Connection, viewer: Viewer, scope: Scope, alias: str
) -> tuple[str, dict]:
    weeks = scope.weeks  # listed, not ranged: SQLite seeks to each (check-in, week, status)
    params: dict = {"checkin": scope.checkin_id, "first": scope.first, "last": scope.last}
    params.update({f"w{i}": w for i, w in enumerate(weeks)})
    week_marks = ", ".join(f":w{i}" for i in range(len(weeks)))
    where = (
        f"{alias}.checkin_id = :checkin AND {alias}.week IN ({week_marks}) "
        f"AND {alias}.status IN {ASKED_SQL}"
    )
    who = narrowed_members(conn, viewer, scope)
    if who is not None:
        params["members"] = json.dumps(who)
        where += f" AND {alias}.member_id IN (SELECT value FROM json_each(:members))"  # noqa: S608
    return where, params


def answers_where(
    conn: sqlite3.Connection, viewer: Viewer, scope: Scope, alias: str, kind: str
) -> tuple[str, dict]:
    """The answers to the check-in's questions of `kind` in the scope's weeks.

    Weeks and question ids are listed, not ranged, so SQLite seeks straight to each
    (check-in, week, question) in answers_by_week instead of reading every answer.
    """
    weeks = scope.weeks
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM questions WHERE checkin_id = ? AND kind = ?", (scope.checkin_id, kind)
        )
    ]
    params: dict = {"checkin": scope.checkin_id}
    params.update({f"w{i}": w for i, w in enumerate(weeks)})
    params.update({f"q{i}": q for i, q in enumerate(ids)})
    week_marks = ", ".join(f":w{i}" for i in range(len(weeks)))
    question_marks = ", ".join(f":q{i}" for i in range(len(ids))) or "NULL"
    where = (
        f"{alias}.checkin_id = :checkin AND {alias}.week IN ({week_marks}) "
        f"AND {alias}.question_id IN ({question_marks})"
    )
    who = narrowed_members(conn, viewer, scope)
    if who is not None:
        params["members"] = json.dumps(who)
        where += f" AND {alias}.member_id IN (SELECT value FROM json_each(:members))"  # noqa: S608
    return where, params
