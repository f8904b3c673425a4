"""A check-in with `visibility = "team"` on the web: everyone asked reads everyone's answers.

The workspace of `tests.dashboard.test_roles` with its "team" check-in turned
to team visibility: Ada (a member asked in it) reads every colleague's words
and names there, on the Weekly summary, in its downloads and on the Answers
page; in "ops", still private and not led by her, she reads her own only.
"""

from __future__ import annotations

import pytest

from checkin.db import connection
from dashboard import data
from tests.dashboard.test_roles import ADA, EVE, ZED, app, everything_shown, page, roles  # noqa: F401
from tests.people.test_roles_reads import TEAM, W47, W48, words_in


@pytest.fixture
def team_roles(roles, tmp_path):  # noqa: ANN001, ANN201, F811
    conn = connection.connect(tmp_path / "checkin.db")
    conn.execute("UPDATE checkins SET visibility = 'team' WHERE id = ?", (roles.team,))
    conn.close()
    return roles


@pytest.mark.parametrize("user", [ADA, EVE, ZED], ids=["member", "lead-elsewhere", "admin"])
def test_everyone_asked_reads_the_whole_summary_of_a_team_checkin(team_roles, user) -> None:  # noqa: ANN001
    at = page(app(user), "summary", team_roles.team)
    at.selectbox(key=f"summary_week_{team_roles.team}").set_value(W48).run()
    shown = everything_shown(at)
    assert words_in(shown) == set(TEAM)
    assert "Held back" not in shown and "yours only" not in shown
    at.selectbox(key=f"summary_week_{team_roles.team}").set_value(W47).run()
    assert words_in(everything_shown(at)) == {ADA, "U0B"}  # two answered: still shown by name
    viewer = at.session_state["viewer"]
    for fmt in ("md", "csv", "json"):
        content = data.report_file(viewer, team_roles.team, W48, fmt).decode()
        assert words_in(content) == set(TEAM), fmt


def test_a_member_of_a_team_checkin_reads_colleagues_on_the_answers_page(team_roles) -> None:  # noqa: ANN001
    at = page(app(ADA), "answers")
    names = at.selectbox(key="answers_member").options
    assert "Bo (U0B)" in names and "Ivy (U0I)" not in names  # Ivy is only in ops
    at.text_input(key="answers_query").set_value("bramble").run()
    assert "bramble" in everything_shown(at) or "bramble" in "".join(
        e.proto.body for e in at.get("html")
    )
    at.text_input(key="answers_query").set_value("indigo").run()  # Ivy's word, in private ops
    assert "indigo" not in everything_shown(at)
    assert "indigo" not in "".join(e.proto.body for e in at.get("html"))


def test_the_private_checkin_beside_it_stays_private(team_roles) -> None:  # noqa: ANN001
    viewer = page(app(ADA), "summary", team_roles.ops).session_state["viewer"]
    assert viewer.shared == frozenset({team_roles.team})
    assert viewer.suppresses(team_roles.ops) and not viewer.suppresses(team_roles.team)
    content = data.report_file(viewer, team_roles.ops, W48, "csv").decode()
    assert words_in(content) == {ADA}
