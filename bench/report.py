"""Benchmark: one weekly report over a year of a big workspace, its chart, and pandas for comparison.

    .venv/bin/python bench/report.py                       # 2,000 members x 52 weeks
    .venv/bin/python bench/report.py --members 1200 --weeks 64

The demo database is built once with `checkin.demo.build_demo` (a few
minutes) and cached in bench/out/. Targets: the report in under 300 ms, the
chart in under 1.5 s. The comparison loads the same eight weeks of runs and
answers the report reads into pandas and computes the same headline and
per-question figures there, in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checkin.answers.asked import ASKED_STATUSES  # noqa: E402
from checkin.checkins import model  # noqa: E402
from checkin.db import connection  # noqa: E402
from checkin.demo import build_demo  # noqa: E402
from checkin.reports import build  # noqa: E402
from checkin.reports.charts import report_chart, to_png  # noqa: E402

UNTIL = date(2026, 11, 23)  # a Monday: the demo ends the day before, so 2026-W47 is complete
WEEK = "2026-W47"
TARGET_REPORT_MS = 300
TARGET_CHART_MS = 1500


def timed(fn, repeat: int) -> tuple[float, object]:  # noqa: ANN001
    """Median milliseconds of `repeat` calls, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def pandas_report(conn, checkin_id: int, week: str) -> dict:  # noqa: ANN001
    """The same figures computed by loading the weeks' rows into pandas."""
    import pandas as pd

    weeks = build.trend_weeks(week)
    marks = ",".join("?" * len(weeks))
    runs = pd.read_sql_query(
        f"SELECT id, week, member_id, status, sent_at, due_at FROM runs "  # noqa: S608
        f"WHERE checkin_id = ? AND week IN ({marks})",
        conn,
        params=[checkin_id, *weeks],
    )
    answers = pd.read_sql_query(
        f"SELECT a.run_id, a.week, a.member_id, a.question_id, q.kind, a.text, a.number, "  # noqa: S608
        f"a.skipped, a.late, a.answered_at, a.local_date, a.question_text "
        f"FROM answers a JOIN questions q ON q.id = a.question_id "
        f"WHERE a.checkin_id = ? AND a.week IN ({marks})",
        conn,
        params=[checkin_id, *weeks],
    )
    runs = runs[runs.status.isin(ASKED_STATUSES)]
    given = answers[answers.skipped == 0]
    first = given.groupby("run_id").answered_at.min()
    runs = runs.assign(first_at=runs.id.map(first))
    runs["answered"] = runs.first_at.notna()
    trend = runs.groupby("week").agg(asked=("id", "size"), answered=("answered", "sum"))
    this = runs[runs.week == week]
    minutes = (
        pd.to_datetime(this.first_at, utc=True, format="ISO8601")
        - pd.to_datetime(this.sent_at.fillna(this.due_at), utc=True, format="ISO8601")
    ).dt.total_seconds() / 60
    week_answers = given[given.week == week]
    per_question = {}
    for qid, group in week_answers.groupby("question_id"):
        kind = group.kind.iloc[0]
        if kind == "scale":
            per_question[qid] = (group.number.mean(), group.number.value_counts().to_dict())
        elif kind == "choice":
            per_question[qid] = group.text.value_counts().to_dict()
        elif kind == "number":
            per_question[qid] = (
                group.number.mean(),
                group.number.median(),
                group.number.min(),
                group.number.max(),
            )
        else:
            per_question[qid] = group[["member_id", "local_date", "text"]].to_dict("records")
    scale_trend = given[given.kind == "scale"].groupby(["week", "question_id"]).number.mean()
    return {
        "participation": this.answered.mean(),
        "median_minutes": minutes.median(),
        "trend": trend,
        "questions": per_question,
        "scale_trend": scale_trend,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--db", type=Path, help="default: bench/out/report-M-W-S.db")
    args = parser.parse_args(argv)
    path = args.db or ROOT / "bench" / "out" / f"report-{args.members}x{args.weeks}-s{args.seed}.db"

    if not path.exists():
        print(f"building {path} (once; a few minutes)…", file=sys.stderr)
        try:
            build_demo(
                path,
                members=args.members,
                weeks=args.weeks,
                seed=args.seed,
                until=UNTIL,
                progress=lambda line: print(line, file=sys.stderr),
            )
        except ValueError as exc:
            path.unlink(missing_ok=True)
            print(
                f"error: the demo generator refused {args.members} members: {exc}", file=sys.stderr
            )
            return 2
    conn = connection.connect(path)
    total = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    checkin = model.get_checkin(conn, "wellbeing")
    in_week = conn.execute(
        "SELECT COUNT(*) FROM answers WHERE checkin_id = ? AND week = ?", (checkin["id"], WEEK)
    ).fetchone()[0]
    now = datetime(2026, 11, 27, 16, tzinfo=UTC)

    started = time.perf_counter()
    build.build_report(conn, checkin, WEEK, now)
    cold_ms = (time.perf_counter() - started) * 1000
    report_ms, report = timed(lambda: build.build_report(conn, checkin, WEEK, now), args.repeat)
    chart_ms, png = timed(lambda: to_png(report_chart(report)), max(3, args.repeat // 2))
    pandas_ms, frame = timed(lambda: pandas_report(conn, checkin["id"], WEEK), args.repeat)

    assert abs(frame["participation"] - report.headline.participation) < 1e-9
    assert abs(frame["median_minutes"] - report.headline.median_minutes_to_answer) < 0.1

    print(f"database: {path} ({total:,} answers; {in_week:,} in {WEEK})")
    print(
        f"report {WEEK}: {report_ms:.0f} ms median of {args.repeat} (first {cold_ms:.0f} ms), "
        f"target < {TARGET_REPORT_MS} ms: {'ok' if report_ms < TARGET_REPORT_MS else 'MISSED'}"
    )
    print(
        f"chart PNG: {chart_ms:.0f} ms ({len(png):,} bytes), "
        f"target < {TARGET_CHART_MS} ms: {'ok' if chart_ms < TARGET_CHART_MS else 'MISSED'}"
    )
    print(
        f"pandas, same figures from the 8 weeks' rows: {pandas_ms:.0f} ms "
        f"= {pandas_ms / report_ms:.1f}x the SQL report"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
