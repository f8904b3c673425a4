"""The whole sign-in flow in a real browser, against the suite's own OpenID Connect provider.

The web app runs as `streamlit run streamlit_app.py` with `[auth]` pointing at
a provider on 127.0.0.1 that signs RS256 id_tokens with Slack's claim names.
Chromium clicks "Sign in with Slack", follows the redirects through
authorize and back to /oauth2callback (where Streamlit exchanges the code and
checks the id_token), lands on the web app as that member and signs out.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest

from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.clock import FakeClock
from checkin.db import connection
from checkin.people import access, members
from tests.browser.test_pages import CHROMIUM, FLAGS, free_port
from tests.oidc.provider import OIDCProvider, SlackPerson

ROOT = Path(__file__).resolve().parents[2]
TEAM = "T0001"

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not installed (make test installs it as root)",
    ),
    pytest.mark.timeout(180),
]

CHECKINS = """
[[checkin]]
name = "daily"
participants = ["U001", "U002"]

[[checkin.question]]
text = "How are you?"
kind = "text"
"""

ANA = SlackPerson("U001", TEAM, "Ana Ash")


@pytest.fixture(scope="module")
def provider():  # noqa: ANN201
    p = OIDCProvider().start()
    yield p
    p.stop()


@pytest.fixture(scope="module")
def web_app(provider, tmp_path_factory, web_app_server):  # noqa: ANN001, ANN201
    """The web app with sign-in configured, on its own database and secrets."""
    home = tmp_path_factory.mktemp("signin")
    path = home / "checkin.db"
    clock = FakeClock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    conn = connection.connect(path)
    import_definitions(conn, parse_toml(CHECKINS), clock=clock)
    access.record_workspace(conn, TEAM)
    members.upsert_member(conn, "U001", name="ana", real_name="Ana Ash", clock=clock)
    members.upsert_member(conn, "U002", name="bo", real_name="Bo Birch", clock=clock)
    conn.close()

    secrets_file = home / ".streamlit" / "secrets.toml"
    secrets_file.parent.mkdir()

    def write_secrets(url: str) -> None:
        secrets_file.write_text(
            "[auth]\n"
            f'redirect_uri = "{url}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
            f'client_id = "{provider.client_id}"\n'
            f'client_secret = "{provider.client_secret}"\n'
            f'server_metadata_url = "{provider.discovery_url}"\n'
        )

    env = dict(os.environ, CHECKIN_DB=str(path), HOME=str(home))
    env.pop("CHECKIN_ADMINS", None)
    yield web_app_server(
        free_port(),
        env,
        home,
        "--server.address",
        "127.0.0.1",
        "--secrets.files",
        str(secrets_file),
        before=write_secrets,
    )


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    context.close()


def sign_in(page, url: str) -> None:  # noqa: ANN001
    """Click the button and follow the provider's redirects until Streamlit's callback answers."""
    page.goto(url)
    button = page.get_by_role("button", name="Sign in with Slack")
    button.wait_for(timeout=30_000)
    with page.expect_response(lambda r: "/oauth2callback" in r.url, timeout=30_000):
        button.click()
    page.wait_for_load_state()


def user_cookies(page) -> list[str]:  # noqa: ANN001
    return [c["name"] for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]


def cookie_header_bytes(page) -> int:  # noqa: ANN001
    """The size of the Cookie header the browser now sends to the web app."""
    return len("; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies()))


def test_a_member_signs_in_lands_on_the_web_app_and_signs_out(web_app, provider, page):
    provider.next_user, provider.expire, provider.tamper = ANA, False, False
    sign_in(page, web_app)
    page.get_by_text("Signed in as").wait_for(timeout=30_000)
    sidebar = page.locator("[data-testid='stSidebar']").inner_text()
    assert "Ana Ash" in sidebar and "member" in sidebar
    page.get_by_role("heading", name="Overview").first.wait_for(timeout=10_000)  # the overview
    assert user_cookies(page)
    assert "POST /token" in provider.log
    size = cookie_header_bytes(page)
    print(f"\nsigned in with Slack's claims: a {size}-byte Cookie header on every request")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in with Slack").wait_for(timeout=30_000)
    assert "Signed in as" not in page.inner_text("body")
    assert not user_cookies(page)
    assert not page.errors


def test_a_user_of_another_workspace_is_refused(web_app, provider, page):
    provider.next_user = SlackPerson("U001", "T0OTHER", "Ana Elsewhere")
    provider.expire, provider.tamper = False, False
    sign_in(page, web_app)
    page.get_by_text("another Slack workspace").wait_for(timeout=30_000)
    body = page.inner_text("body")
    assert "Overview" not in body and "Traceback" not in body
    page.get_by_role("button", name="Sign out").wait_for()


def test_an_unknown_member_is_refused(web_app, provider, page):
    provider.next_user = SlackPerson("U0STRANGER", TEAM, "Sam Stranger")
    provider.expire, provider.tamper = False, False
    sign_in(page, web_app)
    page.get_by_text("not a member of any check-in").wait_for(timeout=30_000)
    assert "Overview" not in page.inner_text("body")


@pytest.mark.parametrize("spoil", ["expire", "tamper", "unsigned"])
def test_an_expired_or_altered_id_token_does_not_sign_anyone_in(web_app, provider, page, spoil):
    provider.next_user, provider.expire, provider.tamper = ANA, False, False
    provider.unsigned = False
    setattr(provider, spoil, True)
    tokens_before = provider.log.count("POST /token")
    try:
        sign_in(page, web_app)
        page.get_by_role("button", name="Sign in with Slack").wait_for(timeout=30_000)
    finally:
        setattr(provider, spoil, False)
    assert provider.log.count("POST /token") == tokens_before + 1  # the token was offered
    assert not user_cookies(page)
    body = page.inner_text("body")
    assert "Signed in as" not in body and "Overview" not in body
