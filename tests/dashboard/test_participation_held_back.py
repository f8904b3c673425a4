"""A member's pages in a week whose participation is held back, signed in through the frame.

The workspace is `tests.people.test_participation_held_back.build`: in 2026-W47 Ada,
Bo and Cy answered the scale question only and Di the number question only, so the
week's participation is held back from members; W46 and W48 show theirs.
"""

from __future__ import annotations

import pytest

from checkin.db import connection
from checkin.people import access
from tests.dashboard.test_auth import TEAM as WORKSPACE
from tests.dashboard.test_roles import PARTICIPATION, ZED, app, chart, everything_shown, page, weeks
from tests.people.test_participation_held_back import W46, W47, W48, Mood, build

ADA = "U0A"


@pytest.fixture
def mood(tmp_path, monkeypatch, fixed_now) -> Mood:  # noqa: ANN001
    path = tmp_path / "checkin.db"
    conn = connection.connect(path)
    found = build(conn)
    access.record_workspace(conn, WORKSPACE)
    conn.close()
    monkeypatch.setenv("CHECKIN_DB", str(path))
    monkeypatch.setenv("CHECKIN_ADMINS", ZED)
    return found


def test_a_member_sees_a_dash_for_a_held_back_weeks_participation(mood) -> None:  # noqa: ANN001
    at = page(app(ADA, name="Ada"), "summary", mood.id)
    at.selectbox(key=f"summary_week_{mood.id}").set_value(W47).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Participation"] == "–"
    assert metrics["Answered"] == "– of 5"
    assert metrics["People who answered"] == "– of 5"
    shown = everything_shown(at)
    assert "Participation: – (held back" in shown and "(4 of 5)" not in shown
    assert "Average 4 of 5" in shown, "the scale question three answered is shown"


def test_the_overview_leaves_a_held_back_week_out_of_the_range(mood) -> None:  # noqa: ANN001
    at = weeks(page(app(ADA, name="Ada"), "overview", mood.id), mood.id, W46, W48)
    participation = at.metric[0]
    assert participation.value == "90%", "9 of 10 in W46 and W48; W47 left out"
    bars = chart(at)[PARTICIPATION].set_index("week")
    assert bars.loc[W47, "asked"] == 5
    assert bars.loc[[W47], ["answered", "skipped", "answered_pct"]].isna().all().all()
    assert bars.loc[W48, "answered"] == 5
    at = weeks(at, mood.id, W47, W47)
    assert not at.exception
    assert at.metric[0].value == "–"
    assert at.get("vega_lite_chart"), "the scale question's figures still show"
    admin = weeks(page(app(ZED), "overview", mood.id), mood.id, W47, W47)
    assert admin.metric[0].value == "80%"
