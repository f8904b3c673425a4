"""What the roles cost: the web app's main reads for an admin, a member and a lead.

A member's reads count the distinct people behind every group and hold back
small ones (checkin/suppression.py); this prints how long that takes next to
the admin's, on the report benchmark's database (copy it into bench/out/ or
build it with `.venv/bin/python bench/report.py`):

    .venv/bin/python bench/roles.py [--db bench/out/report-2000x52-s1.db] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checkin import weeks  # noqa: E402
from checkin.answers import search  # noqa: E402
from checkin.answers.history import member_history  # noqa: E402
from checkin.db import connection  # noqa: E402
from checkin.overview.figures import overview  # noqa: E402
from checkin.overview.scope import Scope  # noqa: E402
from checkin.people.viewer import OPERATOR, Viewer  # noqa: E402
from checkin.reports import for_viewer  # noqa: E402

WEEK = "2026-W47"
WEEKS = 8
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def median_ms(call: Callable[[], object], repeat: int) -> float:
    call()  # warm the page cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "report-2000x52-s1.db")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(
            f"error: no {args.db}: build it with `.venv/bin/python bench/report.py`",
            file=sys.stderr,
        )
        return 2
    conn = connection.connect(args.db)
    checkin = conn.execute("SELECT id FROM checkins WHERE name = 'wellbeing'").fetchone()[0]
    someone = conn.execute(
        "SELECT member_id FROM runs WHERE checkin_id = ? AND week = ? AND answered_at IS NOT NULL "
        "ORDER BY member_id LIMIT 1",
        (checkin, WEEK),
    ).fetchone()[0]
    total = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    member = Viewer(role="member", slack_id=someone)
    lead = Viewer(role="lead", slack_id=someone, lead_of=frozenset({checkin}))
    scope = Scope(checkin, weeks.weeks_between("2026-W01", WEEK)[-WEEKS], WEEK)
    print(
        f"database: {args.db} ({total:,} answers); {scope.first}..{scope.last}, "
        f"median of {args.repeat} warm runs"
    )
    reads = {
        "overview reads (8 weeks)": lambda v: overview(conn, v, scope),
        "weekly summary model": lambda v: for_viewer.weekly_report(conn, v, checkin, WEEK, NOW),
        "weekly summary CSV": lambda v: for_viewer.report_file(conn, v, checkin, WEEK, "csv", NOW),
        "member history, first page": lambda v: member_history(conn, v, someone),
        "full-text search 'deploy'": lambda v: search.search_answers(conn, v, "deploy"),
    }
    for name, read in reads.items():
        figures = {
            role: median_ms(lambda v=viewer, r=read: r(v), args.repeat)
            for role, viewer in (("admin", OPERATOR), ("lead", lead), ("member", member))
        }
        print(f"{name}: " + ", ".join(f"{role} {ms:.0f} ms" for role, ms in figures.items()))
    conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
