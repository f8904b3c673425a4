"""Each role on every page of the web app, signed in through the frame (`at.user`).

The workspace is `tests.people.test_roles_reads.build_roles`: "team" with eight
people (in 2026-W47 only Ada and Bo answered; in W48 one person travelled and
three worked from home), and "ops", led by Eve. Every text answer holds a word
only its writer used, so a page that shows another member's words is caught by
that word alone.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from checkin.db import connection
from checkin.people import access
from checkin.people.viewer import Viewer
from dashboard import data
from tests.dashboard.charts_util import panels
from tests.dashboard.test_auth import AUTH, FRAME, signed_in
from tests.dashboard.test_auth import TEAM as WORKSPACE
from tests.people.test_roles_reads import TEAM, W47, W48, WORDS, Roles, build_roles, words_in

ROOT = Path(__file__).resolve().parents[2]
ADA, EVE, ZED = "U0A", "U0E", "U0Z"  # a member, the lead of ops, an admin (CHECKIN_ADMINS)
CHOICE = "Where are you working from?"
FEELING = "How are you feeling?: answers in the weeks picked"
PARTICIPATION = "Check-ins answered per week (drag to pick weeks)"
HEAT = "When people answer"
FOCUS = "How many hours of focus time did you get?"
EVERY_PAGE = ["overview", "summary", "answers", "checkins", "operations"]


@pytest.fixture
def roles(tmp_path, monkeypatch, fixed_now) -> Roles:  # noqa: ANN001
    path = tmp_path / "checkin.db"
    conn = connection.connect(path)
    found = build_roles(conn)
    access.record_workspace(conn, WORKSPACE)
    conn.close()
    monkeypatch.setenv("CHECKIN_DB", str(path))
    monkeypatch.setenv("CHECKIN_ADMINS", ZED)
    return found


def app(user: str, name: str = "Someone") -> AppTest:
    at = AppTest.from_file(FRAME, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user = signed_in(user, team=WORKSPACE, name=name)
    at.run()
    assert not at.exception
    return at


def page(at: AppTest, name: str, checkin_id: int | None = None) -> AppTest:
    at.switch_page(str(ROOT / "dashboard" / "pages" / f"{name}.py")).run()
    if checkin_id is not None:
        at.sidebar.selectbox(key="filter_checkin").set_value(checkin_id).run()
    assert not at.exception
    return at


def weeks(at: AppTest, checkin_id: int, first: str, last: str) -> AppTest:
    at.sidebar.select_slider(key=f"filter_weeks_{checkin_id}").set_value((first, last)).run()
    assert not at.exception
    return at


def everything_shown(at: AppTest) -> str:
    """Every piece of text the page put on screen, tables (and their cards on a phone) and
    search hits included."""
    parts = [e.value for e in [*at.markdown, *at.text, *at.caption, *at.info, *at.error]]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    for frame in at.dataframe:
        parts.append(pd.DataFrame(frame.value).to_string())
    parts += [e.proto.body for e in at.get("html")]
    return "\n".join(str(p) for p in parts)


def search_results(at: AppTest) -> str:
    """The search hits as drawn (escaped HTML with the matches marked); not the cards a
    phone shows for the tables, nor the page's style."""
    return "\n".join(e.proto.body for e in at.get("html") if 'class="hit"' in e.proto.body)


def chart(at: AppTest) -> dict[str, pd.DataFrame]:
    return panels(at.get("vega_lite_chart")[0])


# --- navigation and the admin pages -----------------------------------------------------------


@pytest.mark.parametrize("user", [ADA, EVE], ids=["member", "lead"])
def test_admin_pages_are_not_in_a_members_or_leads_navigation(roles, user) -> None:  # noqa: ANN001
    at = app(user)
    for name in ("checkins", "operations"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(str(ROOT / "dashboard" / "pages" / f"{name}.py"))
    titles = {name: [t.value for t in page(at, name).title] for name in EVERY_PAGE[:3]}
    assert titles == {
        "overview": ["Overview"],
        "summary": ["Weekly summary"],
        "answers": ["Answers"],
    }


def test_an_admin_has_every_page_and_manages_every_checkin(roles) -> None:  # noqa: ANN001
    at = app(ZED)
    assert at.session_state["viewer"].role == "admin"
    for name, title in zip(
        EVERY_PAGE,
        ["Overview", "Weekly summary", "Answers", "Check-ins", "Operations"],
        strict=True,
    ):
        assert [t.value for t in page(at, name).title] == [title]
    page(at, "checkins")
    assert "There are no check-ins you may manage." not in everything_shown(at)


@pytest.mark.parametrize("name", ["checkins", "operations"])
@pytest.mark.parametrize(
    "viewer",
    [
        Viewer(role="member", slack_id=ADA, name="Ada"),
        Viewer(role="lead", slack_id=EVE, name="Eve", lead_of=frozenset({2})),
    ],
    ids=["member", "lead"],
)
def test_an_admin_page_run_directly_shows_a_non_admin_nothing(roles, name, viewer) -> None:  # noqa: ANN001
    assert roles.ops == 2
    at = AppTest.from_file(str(ROOT / "dashboard" / "pages" / f"{name}.py"), default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user = signed_in(viewer.slack_id, team=WORKSPACE)
    at.session_state["viewer"] = viewer
    at.run()
    assert not at.exception
    assert [i.value for i in at.info] in (
        ["There are no check-ins you may manage."],
        ["Operations name members and channels, so only an admin sees them."],
    )
    assert (
        not at.dataframe and not at.text_input and not at.button and not at.get("vega_lite_chart")
    )
    assert not words_in(everything_shown(at))


# --- Overview ---------------------------------------------------------------------------------


@pytest.mark.parametrize("user", [ADA, EVE], ids=["member", "lead-of-another-checkin"])
def test_the_overview_hides_small_groups_and_their_complement_at_every_week_range(
    roles, user
) -> None:  # noqa: ANN001
    at = page(app(user), "overview", roles.team)
    assert not at.sidebar.radio, "no members or channel filter for team figures"
    assert any("whole check-in" in c.value for c in at.sidebar.caption)
    for first, last in ((W47, W48), (W48, W48), (W47, W47)):
        weeks(at, roles.team, first, last)
        panes = chart(at) if at.get("vega_lite_chart") else {}
        if CHOICE in panes:
            # travelling: 1 person, home: 3 held back with it
            assert panes[CHOICE]["option"].tolist() == ["office"]
            assert panes[CHOICE]["count"].tolist() == [4]
        if FEELING in panes:
            people = panes[FEELING].set_index("answer")["people"]
            # the 0s beside the held-back counts are held back too: each says "at least 1"
            assert people.isna().tolist() == [True, True, True, True, False]
            assert people["5 great"] == 4
        if HEAT in panes:
            assert panes[HEAT][["weekday", "hour", "count"]].values.tolist() == [["Mon", 9, 4]]
        if FOCUS in panes:
            assert panes[FOCUS][["low", "high"]].isna().all().all()
        if PARTICIPATION in panes and first == W47:
            w47 = panes[PARTICIPATION].set_index("week").loc[W47]
            assert (w47["asked"], w47["answered"]) == (0, 0), "two answered in W47"
        if (first, last) == (W47, W47):
            assert not at.metric and not panes
            assert "fewer than 3 people answered" in at.info[0].value
        else:
            assert CHOICE in panes and HEAT in panes and FEELING in panes


def test_an_admin_sees_every_group_of_the_overview(roles) -> None:  # noqa: ANN001
    at = page(app(ZED), "overview", roles.team)
    panes = chart(weeks(at, roles.team, W47, W48))
    w48 = panes[CHOICE][panes[CHOICE]["week"] == W48]
    assert dict(zip(w48["option"], w48["count"], strict=True)) == {
        "office": 4,
        "home": 3,
        "travelling": 1,
    }
    assert panes[PARTICIPATION].set_index("week").loc[W47, "answered"] == 2
    assert len(panes[HEAT]) == 4  # W47 09:00, W48 09:00, 10:00 and 15:00
    assert at.sidebar.radio(key="filter_who")


def test_a_lead_narrows_their_own_checkin_to_one_member(roles) -> None:  # noqa: ANN001
    at = page(app(EVE), "overview", roles.ops)
    at.sidebar.radio(key="filter_who").set_value("Some members").run()
    at.sidebar.multiselect(key=f"filter_members_{roles.ops}").set_value(["U0I"]).run()
    assert not at.exception
    bars = chart(at)[PARTICIPATION].set_index("week")
    assert bars.loc[W48, "asked"] == 1


# --- Weekly summary and its downloads ---------------------------------------------------------


def test_a_members_weekly_summary_shows_their_words_only(roles) -> None:  # noqa: ANN001
    at = page(app(ADA, name="Ada"), "summary", roles.team)
    at.selectbox(key=f"summary_week_{roles.team}").set_value(W48).run()
    shown = everything_shown(at)
    assert words_in(shown) == {ADA}
    assert "office 4." in shown and "travelling" not in shown and "home" not in shown
    assert "lowest –, highest –" in shown
    assert "Not answered" not in shown
    at.radio[0].set_value("by member").run()
    assert words_in(everything_shown(at)) == {ADA}


def test_a_week_two_people_answered_has_no_summary_for_a_member(roles) -> None:  # noqa: ANN001
    at = page(app(ADA), "summary", roles.team)
    at.selectbox(key=f"summary_week_{roles.team}").set_value(W47).run()
    assert not at.exception
    assert "Fewer than 3 people answered" in at.error[0].value
    assert not at.get("download_button") and not at.get("vega_lite_chart")
    assert not words_in(everything_shown(at))


def test_the_admin_reads_the_whole_week_two_people_answered(roles) -> None:  # noqa: ANN001
    at = page(app(ZED), "summary", roles.team)
    at.selectbox(key=f"summary_week_{roles.team}").set_value(W47).run()
    assert words_in(everything_shown(at)) == {ADA, "U0B"}


@pytest.mark.parametrize(
    ("user", "checkin", "writers"),
    [
        (ADA, "team", {ADA}),
        (EVE, "team", {EVE}),
        (EVE, "ops", {ADA, "U0I", "U0J"}),
        (ZED, "team", set(TEAM)),
    ],
    ids=["member", "lead-elsewhere", "lead-own", "admin"],
)
def test_the_downloads_hold_what_the_signed_in_viewer_may_read(
    roles, user, checkin, writers
) -> None:  # noqa: ANN001
    checkin_id = roles.team if checkin == "team" else roles.ops
    at = page(app(user), "summary", checkin_id)
    assert [b.label for b in at.get("download_button")] == [
        "Markdown",
        "CSV",
        "JSON",
        "Chart (PNG)",
    ]
    viewer = at.session_state["viewer"]  # what the page's download buttons call with
    for fmt in ("md", "csv", "json"):
        content = data.report_file(viewer, checkin_id, W48, fmt).decode()
        assert words_in(content) == writers, fmt


# --- Answers ------------------------------------------------------------------------------------


def test_a_member_opens_only_their_own_history_and_answers(roles) -> None:  # noqa: ANN001
    at = page(app(ADA), "answers")
    assert at.selectbox(key="answers_member").options == ["Ada (U0A)"]
    assert words_in(everything_shown(at)) == {ADA}
    question = next(
        o for o in at.selectbox(key="answers_question").options if "What did you work on" in o
    )
    at.selectbox(key="answers_question").set_value(roles.questions["team:text"]).run()
    assert question and words_in(everything_shown(at)) == {ADA}
    (table,) = [pd.DataFrame(f.value) for f in at.dataframe if "member" in pd.DataFrame(f.value)]
    assert set(table["member"]) == {"Ada"}


def test_a_members_search_never_finds_another_members_words(roles) -> None:  # noqa: ANN001
    at = page(app(ADA), "answers")
    for word, member in WORDS.items():
        at.text_input(key="answers_query").set_value(word).run()
        assert not at.exception
        assert words_in(search_results(at)) == ({ADA} if member == ADA else set()), word
        assert words_in(everything_shown(at)) == {ADA}, word
    at.text_input(key="answers_query").set_value("shipped OR outage").run()
    assert words_in(search_results(at)) == {ADA}


def test_a_lead_reads_the_answers_of_the_checkin_they_lead_only(roles) -> None:  # noqa: ANN001
    at = page(app(EVE), "answers")
    names = at.selectbox(key="answers_member").options
    assert sorted(names) == ["Ada (U0A)", "Eve (U0E)", "Ivy (U0I)", "Jo (U0J)"]
    at.selectbox(key="answers_member").set_value(ADA).run()
    history = [pd.DataFrame(f.value) for f in at.dataframe][0]
    assert set(history["check-in"]) == {"ops"}
    at.selectbox(key="answers_question").set_value(roles.questions["ops:text"]).run()
    at.text_input(key="answers_query").set_value("outage").run()
    assert words_in(search_results(at)) == {ADA, "U0I", "U0J"}
    at.text_input(key="answers_query").set_value("bramble").run()
    assert not search_results(at) and "bramble" not in everything_shown(at)
    at.selectbox(key="answers_question").set_value(roles.questions["team:text"]).run()
    at.text_input(key="answers_query").set_value("").run()
    assert words_in(everything_shown(at)) - {ADA, "U0I", "U0J"} == {EVE}


def test_an_admin_searches_everyone(roles) -> None:  # noqa: ANN001
    at = page(app(ZED), "answers")
    at.text_input(key="answers_query").set_value("shipped").run()
    assert words_in(search_results(at)) == set(TEAM)
