"""Peer feedback end to end: `/checkin feedback` in the fake Slack, the invites' links opened
and answered through AppTest (query-param token), one reviewer declining in Slack, results
shown at the 3rd answer and the requester told in Slack."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from checkin.clock import system_clock
from checkin.feedback import results
from checkin.feedback.tokens import USED
from tests.bot.conftest import settle, tick
from tests.bot.test_feedback import invite_links, make_lead, token_of

pytestmark = pytest.mark.timeout(90)
APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


def answer(token: str, n: int) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["token"] = token
    at.switch_page("dashboard/pages/feedback_form.py")
    at.run()
    for key in ("clear", "delivers", "helps"):
        at.radio(key=f"fb_{key}").set_value(n)
    at.text_area(key="fb_strengths").input(f"strength {n}")
    [b for b in at.button if b.label == "Send my feedback"][0].click()
    return at.run()


def shown_results() -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page("dashboard/pages/feedback.py")
    return at.run()


def test_three_invited_results_show_when_the_third_answers_and_the_request_closes(
    slack, bot, clock, story_db, monkeypatch
):  # noqa: ANN001
    monkeypatch.setenv("CHECKIN_DB", str(story_db))
    monkeypatch.delenv("CHECKIN_SECRET", raising=False)
    make_lead(bot, "U004")
    due = max(clock().date(), system_clock().date()) + timedelta(days=30)
    slack.user("U004").runs(
        f"/checkin feedback <@U001|alice> from <@U002|bob> <@U003|chitra> <@U005|emma> "
        f"by {due.isoformat()}"
    )
    settle(slack, bot)
    tick(bot)
    links = invite_links(slack)
    assert sorted(links) == ["U002", "U003", "U005"] and len(set(links.values())) == 3

    for n, member in enumerate(("U002", "U003", "U005"), start=1):
        at = answer(token_of(links[member]), n)
        assert at.success and not at.error, [e.value for e in at.error]
        page = shown_results()
        tick(bot)
        ready = [m for m in slack.dm("U004") if "is ready" in m["text"]]
        if n < 3:
            assert page.info[0].value.startswith(f"{n} answered so far. Results show once,")
            assert not ready
        else:
            assert list(page.dataframe[0].value["mean (1–5)"]) == [2.0, 2.0, 2.0]
            assert len(ready) == 1
    request_id = bot.ctx.conn.execute("SELECT id FROM feedback_requests").fetchone()[0]
    assert results.response_count(bot.ctx.conn, request_id) == 3
    again = AppTest.from_file(APP, default_timeout=30)
    again.query_params["token"] = token_of(links["U002"])
    again.switch_page("dashboard/pages/feedback_form.py")
    assert again.run().error[0].value == USED
