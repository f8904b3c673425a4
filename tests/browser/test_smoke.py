"""The web app in a real browser: Debian's chromium, driven by Playwright, on a demo database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest

from checkin.demo import build_demo

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed (make test installs it as root)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def web_app(tmp_path):  # noqa: ANN001, ANN201
    db = tmp_path / "demo.db"
    summary = build_demo(db, members=8, weeks=3, seed=5, until=date(2026, 11, 27))
    port = free_port()
    env = dict(os.environ, CHECKIN_DB=str(db))
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the web app did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
    yield url, summary
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_overview_renders_in_chromium(web_app, tmp_path):
    from playwright.sync_api import sync_playwright

    url, summary = web_app
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        page.get_by_text("Participation by week").wait_for(timeout=30_000)
        page.get_by_text(f"{summary.answers:,}".replace(",", "")).first.wait_for(timeout=10_000)
        page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
        body = page.inner_text("body")
        browser.close()
    assert "demo workspace" in body
    assert "Traceback" not in body
    assert not errors
    assert (tmp_path / "overview.png").stat().st_size > 10_000
