"""The web app in a real browser: Debian's chromium, driven by Playwright, on a demo database.

Every page the navigation lists is visited (found from the sidebar, so pages
added later are covered too): it must load without a Streamlit exception, draw
its charts and pass axe-core (the accessibility engine behind most audits) with
no serious or critical violation of checkin's own making. On the Overview a
brush across the weekly bars changes the other charts; on the Weekly summary
the Markdown download is the report the command line writes. A screenshot of
each page goes to docs/screenshots/, and of the pages people open on a phone
(the feedback form, the Weekly summary, Answers) at a phone's width too. A page that reaches
the app by a foreign name (DNS rebinding) sees one line and no data.
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from checkin.checkins import model
from checkin.clock import system_clock
from checkin.db import connection
from checkin.demo import DemoSummary, build_demo
from checkin.feedback import invites, requests
from checkin.reports import build, formats
from dashboard.auth import host_problem

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
PHONE = {"width": 390, "height": 844}  # an iPhone 12 to 15, in CSS pixels
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


REBOUND = "rebound.example"  # a foreign name chromium resolves to this machine (below)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Chromium, resolving `rebound.example` to 127.0.0.1 as a web page that re-points its own
    name at this machine would (DNS rebinding); every other name as usual."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[*FLAGS, f"--host-resolver-rules=MAP {REBOUND} 127.0.0.1"],
        )
        yield chromium
        chromium.close()


# What sticks out past the right edge of the screen, where a phone would cut it off or scroll
# the whole page sideways for it. What scrolls sideways on its own (a table, a chart, code)
# is fine: its box stays on the screen.
WIDER_THAN_SCREEN = """() => {
    const limit = document.documentElement.clientWidth + 1;
    const main = document.querySelector('[data-testid="stMain"]');
    const scrolls = e => {
        for (let a = e.parentElement; a && a !== main; a = a.parentElement) {
            const overflow = getComputedStyle(a).overflowX;
            if ((overflow === 'auto' || overflow === 'scroll')
                && a.getBoundingClientRect().right <= limit) return true;
        }
        return false;
    };
    return [...main.querySelectorAll('*')]
        .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > limit)
        .filter(e => !scrolls(e))
        .map(e => (e.getAttribute('data-testid') || e.tagName) + ': '
            + (e.innerText || '').slice(0, 60))
        .slice(0, 10);
}"""


def settle(page) -> None:  # noqa: ANN001
    """Wait until the script has run and its charts are drawn.

    Streamlit marks its app element with the script's state (data-test-script-state:
    running, then notRunning); a rerun that a click asked for may take a moment to start.
    Charts and tables load their code when first shown: a skeleton holds their place."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # attached: on a phone the sidebar starts folded away
    page.wait_for_selector('[data-testid="stSidebarNavLink"]', state="attached", timeout=30_000)
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


def open_from_sidebar(page, title: str, address: str) -> None:  # noqa: ANN001
    """Open a page as people do, from the sidebar (the app stays loaded: no new session), and
    wait for it to be drawn. The pointer then leaves the sidebar, which shows more on hover."""
    page.locator('[data-testid="stSidebarNavLink"]', has_text=title).first.click()
    page.wait_for_url(address)
    page.wait_for_function("t => document.title === t", arg=f"{title} · checkin")
    page.mouse.move(VIEWPORT["width"] // 2, 2)
    settle(page)


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


# Where axe-core finds a serious or critical violation in markup checkin cannot change,
# (rule, the element as axe names it) -> why. Nothing broader: any other element breaking
# the same rule still fails the test.
NOT_OURS = {
    ("svg-img-alt", ".weeks_brush_bg"): (
        "Vega-Lite draws the Overview's week brush as two rect marks of its own and gives "
        "them no description and no way to set one (an interval selection's `mark` takes "
        "colours and a cursor only); the chart's own description says what the brush does"
    ),
    ("svg-img-alt", ".weeks_brush"): "the same brush's second mark (see .weeks_brush_bg)",
}


REQUIRED = {"heading-order"}  # moderate for axe, but a page's outline is ours to keep right


def axe_violations(page) -> list[str]:  # noqa: ANN001
    """The serious and critical axe-core violations on the page that are checkin's own (and
    any of REQUIRED), one line each: rule (impact) element: what is wrong."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}) {' '.join(node['target'])}: "
        + "; ".join(c["message"] for c in node["any"] + node["all"] + node["none"])
        for v in found
        if v["impact"] in ("serious", "critical") or v["id"] in REQUIRED
        for node in v["nodes"]
        if (v["id"], " ".join(node["target"])) not in NOT_OURS
    ]


def feedback_link(web_app: WebApp) -> str:
    """A reviewer's one-time link to the feedback form, on a new request in the demo."""
    conn = connection.connect(web_app.db)
    try:
        people = [r[0] for r in conn.execute("SELECT slack_id FROM members ORDER BY slack_id")]
        today = system_clock().date()
        request_id = requests.create_request(
            conn,
            subject=people[0],
            requested_by=people[0],
            reviewers=people[1:4],
            due=today + timedelta(days=7),
            today=today,
        )
        token = invites.issue_link_token(conn, invites.invites_to_send(conn, request_id)[0]["id"])
    finally:
        conn.close()
    return f"{web_app.url}/feedback_form?token={token}"


def picture(page, name: str, width: int) -> None:  # noqa: ANN001
    """docs/screenshots/NAME.png: the whole page, `width` CSS pixels wide.

    The page scrolls inside Streamlit's main block: a window as tall as it pictures all of it."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": min(max(height, 800), 4000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_every_page_loads_draws_its_charts_passes_axe_and_is_pictured(web_app, browser) -> None:  # noqa: ANN001
    page = browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    pages = navigation(page, web_app.url)
    titles = [t for t, _ in pages]
    assert "Overview" in titles and "Weekly summary" in titles
    charted = {}
    inaccessible = {}
    for title, address in pages:
        if page.title() != f"{title} · checkin":  # the first is open already
            open_from_sidebar(page, title, address)
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
        assert not page.locator(".checkin-card:visible").count(), f"{title}: cards on a wide screen"
        # checkin's toolbar: the page's name and checkin's own icon, no Deploy or developer menu
        assert page.title() == f"{title} · checkin"
        assert (
            page.locator("link[rel*=icon]")
            .first.get_attribute("href")
            .startswith(f"{web_app.url}/media/")
        )
        assert not page.locator('[data-testid="stAppDeployButton"]').count(), title
        inaccessible[title] = axe_violations(page)
        picture(page, slug(title), VIEWPORT["width"])
        page.set_viewport_size(VIEWPORT)
    assert charted["Overview"] >= 1 and charted["Weekly summary"] >= 1
    assert not errors, errors
    assert not any(inaccessible.values()), {t: v for t, v in inaccessible.items() if v}
    page.close()


def test_on_a_phone_the_form_the_summary_and_answers_fit_and_are_pictured(web_app, browser) -> None:  # noqa: ANN001
    """At 390 px nothing is cut off or wider than the screen (a chart scrolls sideways on its
    own), people's words show as cards, and the feedback form passes axe-core too;
    docs/screenshots/phone-*.png show each page."""
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    wider = {}
    for name, address in (
        ("weekly-summary", f"{web_app.url}/summary"),
        ("answers", f"{web_app.url}/answers"),
        ("feedback-form", feedback_link(web_app)),
    ):
        page.goto(address)
        if name == "feedback-form":
            page.get_by_role("button", name="Send my feedback").wait_for(timeout=30_000)
            page.wait_for_selector(SCRIPT_DONE, state="attached", timeout=30_000)
            assert axe_violations(page) == []
        else:
            settle(page)
            # people's words as cards, not in columns too narrow to read
            assert page.locator(".checkin-card").first.is_visible(), name
            tables = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]:visible')
            assert not tables.count(), name
        wider[name] = page.evaluate(WIDER_THAN_SCREEN)
        picture(page, f"phone-{name}", PHONE["width"])
        page.set_viewport_size(PHONE)
    assert not errors, errors
    assert wider == {name: [] for name in wider}
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


def test_a_page_reaching_the_app_by_a_rebound_name_sees_one_line_and_no_data(
    web_app,  # noqa: ANN001
    browser,  # noqa: ANN001
) -> None:
    """DNS rebinding: a page reaching the local web app (the one `make run` starts without
    sign-in, on 127.0.0.1) by a foreign name sees one line and no data."""
    port = web_app.url.rsplit(":", 1)[1]
    page = browser.new_page(viewport=VIEWPORT)
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
