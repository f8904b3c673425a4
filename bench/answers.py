"""Benchmark: full-text search and one member's history on the big demo database, and pandas.

    .venv/bin/python bench/answers.py                 # bench/out/report-2000x52-s1.db
    .venv/bin/python bench/answers.py --remigrate     # time migration 7 again on a fresh copy

It works on a copy of the report benchmark's database (`bench/report.py`
builds it once; copy it into bench/out/ rather than building another):
the copy, bench/out/answers-….db, is migrated to the current schema on first
use, and that migration (7: building the FTS5 index over every text answer)
is timed. Targets: a search under 100 ms, one member's history page under
50 ms. In the same run it does the same the naive way: load the answers into
pandas and filter there, and prints the ratio.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checkin.answers import search  # noqa: E402
from checkin.answers.history import PAGE_SIZE, member_history  # noqa: E402
from checkin.db import connection  # noqa: E402
from checkin.people.viewer import OPERATOR, Viewer  # noqa: E402

TARGET_SEARCH_MS = 100
TARGET_HISTORY_MS = 50
QUERIES = (
    "review",
    "blocked",
    "onboarding flow",
    '"design review"',
    "migrat*",
    "incident OR outage",
)


def timed(fn, repeat: int) -> tuple[float, float, object]:  # noqa: ANN001
    """(first call ms, median ms of the `repeat` calls after it, last result)."""
    started = time.perf_counter()
    result = fn()
    first = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return first, statistics.median(times), result


def prepare(source: Path, target: Path, remigrate: bool) -> float | None:
    """Copy the report database and migrate it; the migration's seconds, or None if done before."""
    if remigrate:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    if target.exists():
        conn = connection.connect(target, migrate_schema=False)
        current = connection.schema_version(conn)
        conn.close()
        if current >= 7:
            return None
    else:
        if not source.exists():
            raise SystemExit(
                f"error: {source} is missing; build it with `python bench/report.py` "
                "or copy it from another checkout's bench/out/"
            )
        print(f"copying {source.name} to {target.name}…", file=sys.stderr)
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src:
            dst = sqlite3.connect(target)
            src.backup(dst)
            dst.close()
    conn = connection.connect(target, migrate_schema=False)
    started = time.perf_counter()
    connection.migrate(conn)
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def naive_search(conn: sqlite3.Connection, word: str) -> list[int]:
    """Load every text answer into pandas, keep those containing the word, newest first."""
    import pandas as pd

    frame = pd.read_sql_query(
        "SELECT a.id, a.member_id, a.local_date, a.question_text, a.text, a.answered_at "
        "FROM answers a JOIN questions q ON q.id = a.question_id "
        "WHERE q.kind = 'text' AND a.text IS NOT NULL",
        conn,
    )
    hits = frame[frame.text.str.contains(word, case=False, regex=False)]
    return hits.sort_values("answered_at", ascending=False).id.head(20).tolist()


def naive_history(conn: sqlite3.Connection, member: str) -> list[int]:
    """Load every answer into pandas, keep the member's, newest first, the first page."""
    import pandas as pd

    frame = pd.read_sql_query(
        "SELECT id, member_id, checkin_id, question_text, text, number, skipped, answered_at "
        "FROM answers",
        conn,
    )
    mine = frame[frame.member_id == member].sort_values(
        ["answered_at", "id"], ascending=[False, False]
    )
    return mine.id.head(PAGE_SIZE).tolist()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT / "bench/out/report-2000x52-s1.db")
    parser.add_argument("--db", type=Path, help="default: bench/out/answers-<source name>")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--remigrate", action="store_true", help="copy and migrate again")
    args = parser.parse_args(argv)
    target = args.db or args.source.with_name(args.source.name.replace("report-", "answers-"))

    migrated = prepare(args.source, target, args.remigrate)
    conn = connection.connect(target)
    total = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    indexed = conn.execute("SELECT COUNT(*) FROM answers_fts_docsize").fetchone()[0]
    print(f"database: {target} ({total:,} answers, {indexed:,} text answers indexed)")
    if migrated is not None:
        print(f"migration 7 (FTS5 index over {indexed:,} text answers): {migrated:.1f} s")

    worst = 0.0
    print(f"search, OPERATOR, page 1 of 20 (bm25 over the newest {search.RANK_WINDOW:,} matches):")
    for query in QUERIES:
        first, median, page = timed(
            lambda q=query: search.search_answers(conn, OPERATOR, q), args.repeat
        )
        worst = max(worst, median)
        print(
            f"  {query!r:<22} {page.matches:>7,} matches: {median:6.1f} ms median "
            f"(first {first:.1f} ms)"
        )
    member = conn.execute(
        "SELECT member_id FROM answers GROUP BY member_id ORDER BY COUNT(*) DESC LIMIT 1"
    ).fetchone()[0]
    own = Viewer(role="member", slack_id=member)
    first, median, page = timed(lambda: search.search_answers(conn, own, "review"), args.repeat)
    worst = max(worst, median)
    print(
        f"  'review' as member {member}: {page.matches} matches: {median:.1f} ms median "
        f"(first {first:.1f} ms)"
    )
    checkin_id = conn.execute("SELECT id FROM checkins ORDER BY id LIMIT 1").fetchone()[0]
    lead = Viewer(role="lead", slack_id="U-lead", lead_of=frozenset({checkin_id}))
    first, median, page = timed(lambda: search.search_answers(conn, lead, "review"), args.repeat)
    worst = max(worst, median)
    print(
        f"  'review' as the lead of check-in {checkin_id}: {page.matches:,} matches: "
        f"{median:.1f} ms median (first {first:.1f} ms)"
    )
    print(
        f"search target < {TARGET_SEARCH_MS} ms (worst median above): "
        f"{'ok' if worst < TARGET_SEARCH_MS else 'MISSED'}"
    )

    count = conn.execute("SELECT COUNT(*) FROM answers WHERE member_id = ?", (member,)).fetchone()[
        0
    ]
    h_first, h_median, h_page = timed(lambda: member_history(conn, OPERATOR, member), args.repeat)
    d_first, d_median, _ = timed(
        lambda: member_history(conn, OPERATOR, member, page=h_page.pages), args.repeat
    )
    print(
        f"member history of {member} ({count} answers, {PAGE_SIZE} a page): "
        f"page 1 {h_median:.1f} ms median (first {h_first:.1f} ms), "
        f"last page {d_median:.1f} ms; target < {TARGET_HISTORY_MS} ms: "
        f"{'ok' if max(h_median, d_median) < TARGET_HISTORY_MS else 'MISSED'}"
    )

    repeat = 1  # each naive call reads the whole table: seconds
    _, naive_s, naive_ids = timed(lambda: naive_search(conn, "onboarding"), repeat)
    _, fts_s, fts_page = timed(
        lambda: search.search_answers(conn, OPERATOR, "onboarding"), args.repeat
    )
    print(
        f"naive search (pandas: load {indexed:,} text answers, str.contains 'onboarding'): "
        f"{naive_s:.0f} ms = {naive_s / fts_s:.0f}x FTS5 ({fts_s:.1f} ms; "
        f"{fts_page.matches:,} FTS matches)"
    )
    _, naive_h, naive_page = timed(lambda: naive_history(conn, member), repeat)
    assert naive_page == [e.answer_id for e in h_page.items], "pandas and SQL disagree"
    print(
        f"naive history (pandas: load {total:,} answers, filter the member): "
        f"{naive_h:.0f} ms = {naive_h / h_median:.0f}x the indexed read (same {len(naive_page)} "
        f"answers)"
    )
    conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
