"""The sidebar's filters appear on the pages they change, and a choice outlives the pages
that do not show it."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import LAST_WEEK, app

WIDGETS = ("selectbox", "select_slider", "radio", "multiselect")


def _open(page: str) -> AppTest:
    at = app().run()
    if page != "overview":
        at.switch_page(f"dashboard/pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def _go(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"dashboard/pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def _filters(at: AppTest) -> list[str]:
    """The keys of the filter widgets in the sidebar, without the check-in's id."""
    keys = [w.key for kind in WIDGETS for w in at.sidebar.get(kind)]
    return sorted(k.rsplit("_", 1)[0] if k[-1].isdigit() else k for k in keys)


def test_the_overview_has_the_checkin_the_weeks_and_who(demo):
    at = _open("overview")
    assert _filters(at) == ["filter_checkin", "filter_weeks", "filter_who"]
    assert [h.value for h in at.sidebar.header] == ["Filters"]


def test_the_weekly_summary_has_the_checkin_only(demo):
    """Its week is picked on the page, and it is the whole team's report."""
    at = _open("summary")
    assert _filters(at) == ["filter_checkin"]
    assert at.selectbox(key=f"summary_week_{demo.checkin_id}")


@pytest.mark.parametrize("page", ["answers", "pool", "feedback", "checkins", "operations"])
def test_pages_with_their_own_controls_have_no_sidebar_filters(demo, page):
    at = _open(page)
    assert _filters(at) == []
    assert not at.sidebar.header
    assert not at.sidebar.caption


def test_the_weeks_and_people_picked_outlive_pages_without_them(demo):
    at = _open("overview")
    weeks = at.sidebar.select_slider(key=f"filter_weeks_{demo.checkin_id}")
    options = [o.split()[0] for o in weeks.options]  # "2026-W48 (23 Nov)"
    first = options[options.index(weeks.value[1]) - 1]  # the week picked last and the one before
    weeks.set_value((first, LAST_WEEK)).run()
    at.sidebar.radio(key="filter_who").set_value("Some members").run()
    member = "U0001001"
    at.sidebar.multiselect(key=f"filter_members_{demo.checkin_id}").set_value([member]).run()
    for page in ("answers", "summary", "checkins"):
        _go(at, page)
    _go(at, "overview")
    assert at.sidebar.select_slider(key=f"filter_weeks_{demo.checkin_id}").value == (
        first,
        LAST_WEEK,
    )
    assert at.sidebar.radio(key="filter_who").value == "Some members"
    assert at.sidebar.multiselect(key=f"filter_members_{demo.checkin_id}").value == [member]
    assert "1 member" in " ".join(c.value for c in at.caption)


def test_the_summary_opens_on_the_last_week_picked_on_the_overview(demo):
    at = _open("overview")
    weeks = at.sidebar.select_slider(key=f"filter_weeks_{demo.checkin_id}")
    options = [o.split()[0] for o in weeks.options]  # "2026-W48 (23 Nov)"
    earlier = options[options.index(LAST_WEEK) - 2]
    weeks.set_value((options[0], earlier)).run()
    _go(at, "summary")
    assert at.selectbox(key=f"summary_week_{demo.checkin_id}").value == earlier
