"""Which weeks' participation a member may see: how many check-ins were answered, by how
many people.

A week's participation is a team figure like any other, and it says more than
it seems: that some colleague answered something. In a small week that can
pin a figure held back. When every question a colleague could have answered
but one would have reached `min_group` people (and been shown) had they
answered it, the member learns that an answer stands behind the one held back.

So, for a viewer who sees a check-in's figures with small groups held back
(`Viewer.suppresses`), a week's participation is

- *too few* when fewer than `min_group` people answered that week: no team
  figure of the week is shown at all (the summary is refused);
- *held back* when a question asked that week (a text question aside, whose
  count is always shown) was answered by fewer than `min_group` people, so
  that its figures are held back whole;
- shown otherwise. A week whose answers are all gone (retention) has nothing
  held back to give away, and shows it too.

Whether a week is held back depends only on what the member sees anyway
(which questions show "too few people answered") and on which questions the
week's check-ins asked, never on a count held back. A narrower rule (hold it
back only when no shown question was answered in every answered check-in)
was tried and is not safe: that it was held back said that some answered
check-in was not accounted for by the shown questions, which pinned a count
in the same way (`tests/people/test_nothing_to_subtract.py` found one).

Answered check-ins are counted per check-in (a run) and per person, and both
go. Whatever is made of a held-back week's participation goes with it: its
rate, its answered and skipped counts, the people who answered, skipped or did
not, the heatmap's hours (they add up to the answered count), and every
figure over several weeks (the range's rate, the change from the weeks
before) leaves the week out.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from checkin.people.viewer import Viewer
from checkin.people.visible import ASKED_SQL


@dataclass(frozen=True)
class HeldBack:
    """The weeks whose participation a viewer may not see, and why."""

    too_few: frozenset[str] = field(default_factory=frozenset)  # < min_group answered
    held_back: frozenset[str] = field(default_factory=frozenset)  # could pin a held-back count

    def hides(self, week: str | None) -> bool:
        """Whether the week's participation (and what is made of it) is not shown."""
        return week is not None and (week in self.too_few or week in self.held_back)


def held_back(
    conn: sqlite3.Connection, viewer: Viewer, checkin_id: int, weeks: Sequence[str]
) -> HeldBack:
    """The weeks of `weeks` whose participation `viewer` may not see (the module's rule)."""
    if not weeks or not viewer.suppresses(checkin_id):
        return HeldBack()
    least = viewer.min_group
    marks = ", ".join("?" for _ in weeks)
    params = [checkin_id, *weeks]
    answerers_of_week: dict[str, int] = dict(
        conn.execute(
            # runs_answer_minutes covers it: answer_minutes is set with the first answer
            "SELECT week, COUNT(DISTINCT member_id) FROM runs "  # noqa: S608
            f"WHERE checkin_id = ? AND week IN ({marks}) AND status IN {ASKED_SQL} "
            "AND answer_minutes IS NOT NULL GROUP BY week",
            params,
        ).fetchall()
    )
    too_few = frozenset(w for w in weeks if answerers_of_week.get(w, 0) < least)
    # the questions each week asked (set when its check-ins were sent, whatever the answers)
    asked: dict[str, set[int]] = {}
    for week, ids in conn.execute(
        "SELECT DISTINCT week, question_ids FROM runs "  # noqa: S608
        f"WHERE checkin_id = ? AND week IN ({marks}) AND status IN {ASKED_SQL}",
        params,
    ):
        asked.setdefault(week, set()).update(json.loads(ids or "[]"))
    kinds = dict(conn.execute("SELECT id, kind FROM questions WHERE checkin_id = ?", (checkin_id,)))
    answerers: dict[tuple[str, int], int] = {
        (r[0], r[1]): r[2]
        for r in conn.execute(
            # answers_by_week covers it
            "SELECT a.week, a.question_id, COUNT(DISTINCT a.member_id) FROM answers a "  # noqa: S608
            f"WHERE a.checkin_id = ? AND a.week IN ({marks}) AND a.skipped = 0 "
            "GROUP BY a.week, a.question_id",
            params,
        )
    }
    with_answers = {week for week, _ in answerers}

    def some_question_too_few(week: str) -> bool:
        return any(
            kinds.get(q) != "text" and answerers.get((week, q), 0) < least
            for q in asked.get(week, ())
        )

    return HeldBack(
        too_few=too_few,
        held_back=frozenset(
            w for w in weeks if w not in too_few and w in with_answers and some_question_too_few(w)
        ),
    )
