"""DNS rebinding in a real browser: a page reaching the local web app by a foreign name sees nothing.

Chromium resolves `rebound.example` to 127.0.0.1 (`--host-resolver-rules`), as
a web page that re-points its own name at this machine would; the server is
the one `make run` starts without sign-in, on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dashboard.auth import host_problem
from tests.browser.test_pages import CHROMIUM, FLAGS, VIEWPORT, settle, web_app  # noqa: F401

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

REBOUND = "rebound.example"


@pytest.fixture(scope="module")
def rebinding_browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[*FLAGS, f"--host-resolver-rules=MAP {REBOUND} 127.0.0.1"],
        )
        yield chromium
        chromium.close()


def test_a_page_reaching_the_app_by_a_rebound_name_sees_one_line_and_no_data(
    web_app,  # noqa: F811
    rebinding_browser,
) -> None:  # noqa: ANN001
    port = web_app.url.rsplit(":", 1)[1]
    page = rebinding_browser.new_page(viewport=VIEWPORT)
    page.goto(f"http://{REBOUND}:{port}/")
    page.wait_for_selector('[data-testid="stAlertContentError"]', timeout=30_000)
    page.wait_for_timeout(500)
    text = page.inner_text('[data-testid="stMain"]')
    assert host_problem({"Host": REBOUND}) in text
    assert not page.query_selector('[data-testid="stSidebarNavLink"]')
    assert not page.query_selector('[data-testid="stVegaLiteChart"]')
    assert not page.query_selector('[data-testid="stDataFrame"]')
    assert "Overview" not in text and "wellbeing" not in text.lower()
    # the same server, by this machine's own name, shows the pages
    page.goto(f"http://localhost:{port}/")
    settle(page)
    assert page.query_selector('[data-testid="stSidebarNavLink"]')
    page.close()
