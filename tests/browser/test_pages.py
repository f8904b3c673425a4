"""The web app in a real browser: Debian's chromium, driven by Playwright, on a demo database.

Every page the navigation lists is visited (found from the sidebar, so pages
added later are covered too): it must load without a Streamlit exception and
draw its charts. On the Overview a brush across the weekly bars changes the
other charts; on the Weekly summary the Markdown download is the report the
command line writes. A screenshot of each page goes to docs/screenshots/.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from checkin.checkins import model
from checkin.db import connection
from checkin.demo import DemoSummary, build_demo
from checkin.reports import build, formats

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}
SCRIPT_RUNNING = '[data-testid="stApp"][data-test-script-state="running"]'
SCRIPT_DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
LOADED = """() => ![...document.querySelectorAll('[data-testid="stMain"] [data-testid="stSkeleton"]')]
    .some(e => e.offsetParent !== null)"""
EVIL = "Blocked by **b** [x](http://evil) <script>alert(1)</script> $x$ :red[y]?"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed (make test installs it as root)",
)


@dataclass(frozen=True)
class WebApp:
    url: str
    db: Path
    summary: DemoSummary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_web_app(port: int, env: dict, cwd: Path, *options: str, before=None):  # noqa: ANN001, ANN201
    """`streamlit run streamlit_app.py` with `env` (the whole environment) in `cwd` on `port`,
    or on another free port when that one was taken meanwhile (another test process may take
    it between free_port() and the bind); headless, without usage statistics or a file
    watcher, plus `options`. Returns the process and its address once /_stcore/health
    answers. `before(address)` is called before each start, to write what names it."""
    for _ in range(3):
        url = f"http://127.0.0.1:{port}"
        if before is not None:
            before(url)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "streamlit_app.py"),
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
                *options,
            ],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read()
                return proc, url
            except OSError:
                time.sleep(0.05)
        stop_web_app(proc)
        err = proc.stderr.read().decode(errors="replace")
        if f"Port {port} is not available" not in err:
            break
        port = free_port()
    pytest.fail(f"the web app did not start: {err[-2000:]}")


def stop_web_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def web_app(tmp_path_factory, web_app_server) -> Iterator[WebApp]:  # noqa: ANN001
    path = tmp_path_factory.mktemp("web") / "demo.db"
    summary = build_demo(path, members=10, weeks=6, seed=5, until=date.today())
    env = dict(os.environ, CHECKIN_DB=str(path))
    yield WebApp(web_app_server(free_port(), env, ROOT), path, summary)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


def settle(page) -> None:  # noqa: ANN001
    """Wait until the script has run and its charts are drawn.

    Streamlit marks its app element with the script's state (data-test-script-state:
    running, then notRunning); a rerun that a click asked for may take a moment to start.
    Charts and tables load their code when first shown: a skeleton holds their place."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_selector('[data-testid="stSidebarNavLink"]', timeout=30_000)
    page.wait_for_selector(
        '[data-testid="stMain"] [data-testid="stElementContainer"]', timeout=30_000
    )
    try:
        page.wait_for_selector(SCRIPT_RUNNING, state="attached", timeout=300)
    except PlaywrightTimeout:
        pass  # already done, or nothing to run
    page.wait_for_selector(SCRIPT_DONE, state="attached", timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_function(LOADED, timeout=30_000)
    charts = shown_charts(page)
    for chart in charts:
        chart.wait_for_selector("canvas, svg", state="attached", timeout=30_000)
    if charts:
        page.wait_for_timeout(300)  # drawn into the canvas, not only attached


def shown_charts(page) -> list:  # noqa: ANN001
    """The page's charts that are on show (a chart in a closed expander is drawn when opened)."""
    return [c for c in page.query_selector_all('[data-testid="stVegaLiteChart"]') if c.is_visible()]


def navigation(page, url: str) -> list[tuple[str, str]]:  # noqa: ANN001
    """(title, address) of every page the sidebar's navigation lists."""
    page.goto(url)
    settle(page)
    links = page.query_selector_all('[data-testid="stSidebarNavLink"]')
    found = []
    for link in links:
        title = link.inner_text().strip().splitlines()[-1].strip()  # after the icon's name
        href = link.get_attribute("href") or ""
        found.append((title, href if href.startswith("http") else f"{url}/{href.lstrip('/')}"))
    return found


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def test_every_page_loads_draws_its_charts_and_is_pictured(web_app, browser) -> None:  # noqa: ANN001
    page = browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    pages = navigation(page, web_app.url)
    titles = [t for t, _ in pages]
    assert "Overview" in titles and "Weekly summary" in titles
    SHOTS.mkdir(parents=True, exist_ok=True)
    charted = {}
    for title, address in pages:
        page.goto(address)
        settle(page)
        body = page.inner_text("body")
        failed = page.query_selector(
            '[data-testid="stException"], [data-testid="stAlertContentError"]'
        )
        assert not failed, f"{title}: {failed.inner_text()[:500]}"
        assert "Traceback" not in body, title
        charts = shown_charts(page)
        for chart in charts:
            assert chart.query_selector("canvas, svg"), f"{title}: a chart was not drawn"
        charted[title] = len(charts)
        # the page scrolls inside Streamlit's main block: a tall window pictures all of it
        height = page.evaluate(
            "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight"
        )
        page.set_viewport_size({"width": VIEWPORT["width"], "height": min(max(height, 1000), 4000)})
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / f"{slug(title)}.png"))
        page.set_viewport_size(VIEWPORT)
    assert charted["Overview"] >= 1 and charted["Weekly summary"] >= 1
    assert not errors, errors
    page.close()


def test_a_brush_across_the_weekly_bars_changes_the_other_charts(web_app, browser) -> None:  # noqa: ANN001
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(web_app.url)
    settle(page)
    chart = page.query_selector('[data-testid="stVegaLiteChart"]')
    chart.scroll_into_view_if_needed()
    canvas = chart.query_selector("canvas") or chart.query_selector("svg")
    box = canvas.bounding_box()
    before = chart.screenshot()
    # the weekly bars are the top-left panel: drag across its right half
    y = box["y"] + 120
    page.mouse.move(box["x"] + 250, y)
    page.mouse.down()
    page.mouse.move(box["x"] + 330, y, steps=8)
    page.mouse.move(box["x"] + 380, y, steps=8)
    page.mouse.up()
    page.wait_for_timeout(800)
    after = chart.screenshot()
    assert after != before, "the brush changed what the charts show"
    page.screenshot(path=str(SHOTS / "overview-brushed.png"), full_page=True)
    page.close()


def test_the_markdown_download_is_the_command_lines_report(web_app, browser, tmp_path) -> None:  # noqa: ANN001
    page = browser.new_page(viewport=VIEWPORT, accept_downloads=True)
    page.goto(web_app.url)
    settle(page)
    page.get_by_role("link", name="Weekly summary").click()
    settle(page)
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="Markdown").click()
    download = info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    week = re.search(r"(\d{4}-W\d\d)\.md$", download.suggested_filename).group(1)
    conn = connection.connect(web_app.db)
    try:
        report = build.build_report(
            conn, model.get_checkin(conn, "wellbeing"), week, datetime.now(UTC)
        )
    finally:
        conn.close()
    text = target.read_text(encoding="utf-8")
    assert text == formats.to_markdown(report)
    assert text.startswith(f"# wellbeing: week {week}")
    page.close()


def test_text_people_typed_is_shown_as_typed_in_the_browser(web_app, browser) -> None:  # noqa: ANN001
    page = browser.new_page(viewport=VIEWPORT)
    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    conn = connection.connect(web_app.db)
    conn.execute("UPDATE questions SET text = ? WHERE text = 'Anything blocking you?'", (EVIL,))
    conn.close()
    page.goto(web_app.url)
    settle(page)
    page.get_by_role("link", name="Weekly summary").click()
    settle(page)
    # a week no other test opened, so the page reads it afresh rather than from the cache
    week = page.query_selector('[data-testid="stMain"] [data-testid="stSelectbox"]')
    week.click()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    settle(page)
    assert EVIL in page.inner_text('[data-testid="stMain"]')
    main = page.query_selector('[data-testid="stMain"]')
    assert not main.query_selector('a[href="http://evil"]')
    assert not main.query_selector("strong:text-is('b')")
    assert not alerts
    page.close()


def test_each_page_keeps_its_address(web_app, browser) -> None:  # noqa: ANN001
    """A page's URL is its file name in dashboard/pages: the bot's links (/feedback?request=…,
    /feedback_form?token=…) and people's bookmarks keep working when the pages move."""
    page = browser.new_page(viewport=VIEWPORT)
    links = navigation(page, web_app.url)
    paths = {title: urllib.parse.urlparse(address).path for title, address in links}
    assert paths == {
        "Overview": "/",
        "Weekly summary": "/summary",
        "Answers": "/answers",
        "Question pool": "/pool",
        "Feedback": "/feedback",
        "Check-ins": "/checkins",
        "Operations": "/operations",
    }
    page.goto(f"{web_app.url}/feedback?request=1")
    settle(page)
    assert page.inner_text('[data-testid="stMain"] h1') == "Feedback"
    page.close()


def test_the_app_listens_on_this_machine_only(web_app) -> None:  # noqa: ANN001
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    port = int(web_app.url.rsplit(":", 1)[1])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outward address
        outward = s.getsockname()[0]
    if outward.startswith("127."):
        pytest.skip("this machine has no address but loopback")
    with pytest.raises(OSError):
        socket.create_connection((outward, port), timeout=2).close()
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
