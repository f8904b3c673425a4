"""Benchmark: the web app's Overview reads on a big workspace, the app's memory, and pandas.

    .venv/bin/python bench/dashboard.py                  # bench/out/report-2000x52-s1.db
    .venv/bin/python bench/dashboard.py --no-browser     # the reads only

Uses the database `bench/report.py` builds (2,000 members x 52 weeks, about 1.4
million answers); copy it into bench/out/ rather than building another. It
prints, for the 8 weeks ending 2026-W47:

- cold: `checkin.overview.figures.overview` in a new process with a new connection (the
  SQLite page cache empty; the file may be in the OS cache), median of 3;
- warm: the same reads again on an open connection, median of --repeat, in
  wall-clock time and in this process's CPU time (on a shared machine other
  work stretches the first, not the second);
- the same warm reads as a member viewer sees them (every group's people
  counted, groups of fewer than three hidden), CPU time;
- the CPU time of each read on its own (participation, scale figures, the two
  medians of time to answer, choice counts, number medians, the heatmap);
- cached: the same through `dashboard.data` (st.cache_data), what a rerun of
  the page costs;
- pandas: the naive way, the 16 weeks' runs and answers loaded into pandas and
  the same figures computed there, and how many times slower it is;
- the web app's resident memory after headless Chromium visited every page
  in its navigation (`streamlit run` on a free port; VmRSS and VmHWM from /proc).

Targets: warm < 300 ms, cold < 1.5 s, RSS < 500 MB.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checkin import weeks  # noqa: E402
from checkin.db import connection  # noqa: E402
from checkin.overview import figures  # noqa: E402
from checkin.overview.scope import Scope  # noqa: E402
from checkin.people.viewer import OPERATOR, Viewer  # noqa: E402

WEEK = "2026-W47"
WEEKS = 8
TARGET_WARM_MS = 300
TARGET_COLD_MS = 1500
TARGET_RSS_MB = 500
CHROMIUM = "/usr/bin/chromium"
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

COLD = """
import sys, time
sys.path.insert(0, {root!r})
from checkin.db import connection
from checkin.overview import figures
from checkin.overview.scope import Scope
from checkin.people.viewer import OPERATOR
conn = connection.connect({path!r})
started = time.perf_counter()
figures.overview(conn, OPERATOR, Scope({checkin}, {first!r}, {last!r}))
print((time.perf_counter() - started) * 1000)
"""


def median_ms(fn, repeat: int, clock=time.perf_counter) -> float:  # noqa: ANN001
    """Median milliseconds of `repeat` calls; `clock=time.process_time` counts this
    process's CPU only, which other work on a shared machine does not inflate."""
    times = []
    for _ in range(repeat):
        started = clock()
        fn()
        times.append((clock() - started) * 1000)
    return statistics.median(times)


def breakdown(conn, scope: Scope, repeat: int) -> list[tuple[str, float]]:  # noqa: ANN001
    """CPU milliseconds (median of `repeat`) of each of the Overview's reads on its own."""
    both = scope.with_previous()
    reads = [
        ("participation (16 weeks)", lambda: figures.participation_by_week(conn, OPERATOR, both)),
        ("scale (16 weeks)", lambda: figures.scale_by_week(conn, OPERATOR, both)),
        (
            "median time to answer (x2)",
            lambda: (
                figures.median_minutes(conn, OPERATOR, scope),
                figures.median_minutes(conn, OPERATOR, scope.previous()),
            ),
        ),
        ("choice counts", lambda: figures.choice_by_week(conn, OPERATOR, scope)),
        ("number medians", lambda: figures.number_by_week(conn, OPERATOR, scope)),
        ("heatmap", lambda: figures.answer_heatmap(conn, OPERATOR, scope)),
    ]
    return [(name, median_ms(fn, repeat, clock=time.process_time)) for name, fn in reads]


def cold_ms(path: Path, scope: Scope) -> float:
    code = COLD.format(
        root=str(ROOT),
        path=str(path),
        checkin=scope.checkin_id,
        first=scope.first,
        last=scope.last,
    )
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        runs.append(float(out.stdout.strip()))
    return statistics.median(runs)


def cached_ms(path: Path, scope: Scope, repeat: int) -> tuple[float, float]:
    """(first call, median of cache hits) through the web app's data layer."""
    os.environ["CHECKIN_DB"] = str(path)
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    import streamlit as st

    from dashboard import data

    st.cache_data.clear()
    first = median_ms(lambda: data.overview(OPERATOR, scope), 1)
    return first, median_ms(lambda: data.overview(OPERATOR, scope), repeat)


def pandas_overview(conn, scope: Scope) -> dict:  # noqa: ANN001
    """The Overview's figures the naive way: every row of the 16 weeks into pandas."""
    import pandas as pd

    both = scope.with_previous()
    runs = pd.read_sql_query(
        "SELECT r.id, r.week, r.member_id, r.status, r.sent_at, r.due_at, m.tz "
        "FROM runs r LEFT JOIN members m ON m.slack_id = r.member_id "
        "WHERE r.checkin_id = ? AND r.week BETWEEN ? AND ?",
        conn,
        params=[scope.checkin_id, both.first, both.last],
    )
    answers = pd.read_sql_query(
        "SELECT a.run_id, a.week, a.question_id, q.kind, a.text, a.number, a.skipped, "
        "a.answered_at FROM answers a JOIN questions q ON q.id = a.question_id "
        "WHERE a.checkin_id = ? AND a.week BETWEEN ? AND ?",
        conn,
        params=[scope.checkin_id, both.first, both.last],
    )
    runs = runs[runs.status.isin(["open", "answered", "skipped", "closed"])]
    given = answers[answers.skipped == 0]
    first_at = given.groupby("run_id").answered_at.min()
    runs = runs.assign(first_at=runs.id.map(first_at))
    runs["answered"] = runs.first_at.notna()
    runs["current"] = runs.week >= scope.first
    per_week = runs.groupby("week").agg(asked=("id", "size"), answered=("answered", "sum"))
    now = runs[runs.current]
    done = now[now.answered]
    minutes = (
        pd.to_datetime(done.first_at, utc=True, format="ISO8601")
        - pd.to_datetime(done.sent_at.fillna(done.due_at), utc=True, format="ISO8601")
    ).dt.total_seconds() / 60
    in_range = given[given.week >= scope.first]
    scale = (
        in_range[in_range.kind == "scale"]
        .groupby(["question_id", "week"])
        .number.agg(["mean", "std", "count"])
    )
    dist = in_range[in_range.kind == "scale"].groupby(["question_id", "week", "number"]).size()
    choice = in_range[in_range.kind == "choice"].groupby(["question_id", "week", "text"]).size()
    number = (
        in_range[in_range.kind == "number"]
        .groupby(["question_id", "week"])
        .number.agg(["median", "min", "max", "mean"])
    )
    local = []
    for tz, group in done.groupby("tz"):
        at = pd.to_datetime(group.first_at, utc=True, format="ISO8601").dt.tz_convert(ZoneInfo(tz))
        local.append(
            pd.DataFrame({"week": group.week, "day": at.dt.day_of_week, "hour": at.dt.hour})
        )
    heat = pd.concat(local).groupby(["week", "day", "hour"]).size()
    return {
        "participation": now.answered.mean(),
        "median_minutes": minutes.median(),
        "per_week": per_week,
        "scale": scale,
        "dist": dist,
        "choice": choice,
        "number": number,
        "heat": heat,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_after_every_page(path: Path) -> tuple[float, float, list[str]]:
    """(VmRSS, VmHWM) in MB of `streamlit run` after Chromium visited every page, and the pages."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "streamlit_app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=dict(os.environ, CHECKIN_DB=str(path)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the web app did not start") from None
                time.sleep(0.2)
        titles = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.wait_for_selector('[data-testid="stSidebarNavLink"]', timeout=60_000)
            links = [
                (a.inner_text().strip().splitlines()[-1], a.get_attribute("href"))
                for a in page.query_selector_all('[data-testid="stSidebarNavLink"]')
            ]
            for title, href in links:
                page.goto(href if href.startswith("http") else f"{url}/{href.lstrip('/')}")
                page.wait_for_selector(
                    '[data-testid="stMain"] [data-testid="stElementContainer"]', timeout=60_000
                )
                page.wait_for_timeout(500)
                page.wait_for_function(
                    "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                    timeout=120_000,
                )
                titles.append(title)
            browser.close()
        status = Path(f"/proc/{proc.pid}/status").read_text()
        fields = {
            line.split(":")[0]: int(line.split()[1]) for line in status.splitlines() if "kB" in line
        }
        return fields["VmRSS"] / 1024, fields["VmHWM"] / 1024, titles
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def verdict(value: float, target: float) -> str:
    return "ok" if value < target else "MISSED"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "report-2000x52-s1.db")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-browser", action="store_true", help="skip the memory figure")
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(
            f"error: no {args.db}: copy the report benchmark's database into bench/out/ "
            "(or build it once with `.venv/bin/python bench/report.py`)",
            file=sys.stderr,
        )
        return 2
    conn = connection.connect(args.db)  # brings the copy to the current schema once
    checkin = conn.execute("SELECT id FROM checkins WHERE name = 'wellbeing'").fetchone()[0]
    total = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    last = WEEK
    first = weeks.weeks_between("2026-W01", WEEK)[-WEEKS]
    scope = Scope(checkin, first, last)
    load = os.getloadavg()[0]

    cold = cold_ms(args.db, scope)
    warm = median_ms(lambda: figures.overview(conn, OPERATOR, scope), args.repeat)
    warm_cpu = median_ms(
        lambda: figures.overview(conn, OPERATOR, scope), args.repeat, clock=time.process_time
    )
    ours = figures.overview(conn, OPERATOR, scope)
    parts = breakdown(conn, scope, args.repeat)
    someone = conn.execute("SELECT member_id FROM runs WHERE checkin_id = ? LIMIT 1", (checkin,))
    member = Viewer(role="member", slack_id=someone.fetchone()[0])
    as_member = median_ms(
        lambda: figures.overview(conn, member, scope), args.repeat, clock=time.process_time
    )
    first_call, cached = cached_ms(args.db, scope, args.repeat)
    naive_ms = median_ms(lambda: pandas_overview(conn, scope), 3)
    naive = pandas_overview(conn, scope)
    assert abs(naive["participation"] - ours.headline.participation) < 1e-9
    assert abs(naive["median_minutes"] - ours.headline.median_minutes) < 0.1
    in_range = sum(p.answered for p in ours.participation)

    print(
        f"database: {args.db} ({total:,} answers); Overview of {first}..{last} ({WEEKS} weeks, "
        f"{in_range:,} check-ins answered); load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"overview reads, cold (new process and connection): {cold:.0f} ms, "
        f"target < {TARGET_COLD_MS} ms: {verdict(cold, TARGET_COLD_MS)}"
    )
    print(
        f"overview reads, warm (open connection, median of {args.repeat}): {warm:.0f} ms, "
        f"target < {TARGET_WARM_MS} ms: {verdict(warm, TARGET_WARM_MS)}; "
        f"CPU time {warm_cpu:.0f} ms: {verdict(warm_cpu, TARGET_WARM_MS)}"
    )
    print(
        "  CPU per read, each on its own (the medians count their answered runs first): "
        + ", ".join(f"{name} {ms:.0f} ms" for name, ms in parts)
    )
    print(
        f"  as a member (groups of fewer than {member.min_group} people counted and hidden): "
        f"CPU time {as_member:.0f} ms"
    )
    print(
        f"overview through the web app's cache: first {first_call:.0f} ms, "
        f"then {cached:.1f} ms a rerun"
    )
    print(
        f"pandas, same figures from the 16 weeks' rows: {naive_ms:.0f} ms "
        f"= {naive_ms / warm:.1f}x the SQL reads (warm)"
    )
    if not args.no_browser:
        rss, peak, pages = rss_after_every_page(args.db)
        print(
            f"web app after visiting {len(pages)} pages ({', '.join(pages)}): RSS {rss:.0f} MB "
            f"(peak {peak:.0f} MB), target < {TARGET_RSS_MB} MB: {verdict(rss, TARGET_RSS_MB)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
