"""The feedback form in a real browser: open a reviewer's link, fill and send the form,
open the same link again and see it refused."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from checkin.clock import system_clock
from checkin.db import connection
from checkin.feedback import invites, requests, results
from checkin.feedback.tokens import USED
from checkin.people import members
from tests.browser.test_pages import CHROMIUM, FLAGS, ROOT, free_port

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed (make test installs it as root)",
)


@pytest.fixture
def link(tmp_path, web_app_server):  # noqa: ANN001, ANN201
    path = tmp_path / "checkin.db"
    conn = connection.connect(path)
    for slack_id, name in (
        ("U001", "Alice Moreau"),
        ("U002", "Bob Okafor"),
        ("U003", "Chitra Iyer"),
        ("U004", "Dmitri Volkov"),
    ):
        members.upsert_member(conn, slack_id, real_name=name)
    today = system_clock().date()
    request_id = requests.create_request(
        conn,
        subject="U001",
        requested_by="U001",
        reviewers=["U002", "U003", "U004"],
        due=today + timedelta(days=10),
        today=today,
    )
    invite = invites.invites_to_send(conn, request_id)[0]
    token = invites.issue_link_token(conn, invite["id"])
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "CHECKIN_SECRET"}
    env["CHECKIN_DB"] = str(path)
    url = web_app_server(port, env, ROOT, "--server.address", "127.0.0.1")
    yield {"url": f"{url}/feedback_form?token={token}", "conn": conn, "request_id": request_id}
    conn.close()


def test_a_reviewer_fills_the_form_and_the_same_link_is_then_refused(link, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(link["url"])
        page.get_by_text("Feedback about Alice Moreau").wait_for(timeout=30_000)
        assert "token=" not in page.url  # cleared from the address bar
        for question, label in (
            ("Communicates clearly", "4 · usually"),
            ("Delivers what they commit to", "5 · always"),
            ("Helps others get their work done", "3 · often"),
        ):
            group = page.get_by_role("radiogroup", name=question)
            group.get_by_text(label, exact=True).click()
        page.get_by_label("What are their strengths?").fill("Calm in incidents")
        page.get_by_label("One thing they could do better").fill("Share drafts earlier")
        page.get_by_role("button", name="Send my feedback").click()
        page.get_by_text("Thank you: your answers were stored anonymously,").wait_for(
            timeout=20_000
        )
        page.screenshot(path=str(tmp_path / "sent.png"), full_page=True)

        again = browser.new_page()
        again.goto(link["url"])
        again.get_by_text(USED).wait_for(timeout=30_000)
        body = again.inner_text("body")
        browser.close()
    assert "Send my feedback" not in body and "Traceback" not in body
    assert not errors
    assert results.response_count(link["conn"], link["request_id"]) == 1
    stored = link["conn"].execute("SELECT answers FROM feedback_responses").fetchone()[0]
    assert "Calm in incidents" in stored and '"clear": 4' in stored
