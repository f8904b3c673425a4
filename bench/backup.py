"""Benchmark: a backup of a big workspace while a writer keeps storing answers, then a restore.

    .venv/bin/python bench/backup.py                     # 500 members x 26 weeks
    .venv/bin/python bench/backup.py --members 2000 --weeks 52

The demo database is built once with `checkin.demo.build_demo` and cached in
bench/out/; each run works on a fresh copy of it. Prints the backup's time,
size and rate, the writer's answers stored during it with their latency
(p50, p99, max: the bot's writes must not wait on a backup), the restore's
time, and the time to forget one member.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checkin.answers import record, runs  # noqa: E402
from checkin.checkins import model  # noqa: E402
from checkin.checkins.timing import DueRun  # noqa: E402
from checkin.config import Config  # noqa: E402
from checkin.db import connection  # noqa: E402
from checkin.demo import build_demo  # noqa: E402
from checkin.ops import backup, privacy  # noqa: E402
from checkin.people.viewer import OPERATOR  # noqa: E402

UNTIL = date(2026, 11, 23)


def writer(path: Path, stop: threading.Event, latencies: list[float]) -> None:
    """Store answers one transaction each, as the bot does, until stopped."""
    with closing(connection.connect(path)) as conn:
        checkin = conn.execute("SELECT id FROM checkins ORDER BY id LIMIT 1").fetchone()[0]
        qid = model.active_questions(conn, checkin)[0]["id"]
        members = [r[0] for r in conn.execute("SELECT slack_id FROM members LIMIT 200")]
        i = 0
        while not stop.is_set():
            day = date(2030, 1, 1) + timedelta(days=i // len(members))
            due = DueRun(
                member_id=members[i % len(members)],
                local_date=day,
                due_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
                closes_at=datetime(day.year, day.month, day.day, 23, tzinfo=UTC),
            )
            started = time.perf_counter()
            run = runs.create_run(conn, checkin, due, [qid], status="open")
            record.record_answer(conn, run, qid, number=3, text="okay")
            latencies.append((time.perf_counter() - started) * 1000)
            i += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=26)
    args = parser.parse_args(argv)

    cached = ROOT / "bench" / "out" / f"backup-{args.members}x{args.weeks}.db"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        print(f"building {cached.name} (once)...", file=sys.stderr)
        build_demo(cached, members=args.members, weeks=args.weeks, seed=1, until=UNTIL)
        with closing(connection.connect(cached)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    with tempfile.TemporaryDirectory() as tmp:
        live = Path(tmp) / "checkin.db"
        shutil.copyfile(cached, live)
        config = Config(db_path=live)
        with closing(connection.connect(live)) as conn:
            answers = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]

        stop = threading.Event()
        during: list[float] = []
        thread = threading.Thread(target=writer, args=(live, stop, during))
        thread.start()
        time.sleep(0.2)  # the writer is going
        before = len(during)
        started = time.perf_counter()
        taken = backup.take_backup(config, Path(tmp) / "copy.db")
        backup_ms = (time.perf_counter() - started) * 1000
        written = during[before:]
        stop.set()
        thread.join()

        started = time.perf_counter()
        backup.restore(config, taken.path)
        restore_ms = (time.perf_counter() - started) * 1000

        with closing(connection.connect(live)) as conn:
            member = conn.execute(
                "SELECT member_id FROM answers GROUP BY member_id ORDER BY COUNT(*) DESC LIMIT 1"
            ).fetchone()[0]
            started = time.perf_counter()
            plan = privacy.forget_member(OPERATOR, conn, member)
            forget_ms = (time.perf_counter() - started) * 1000

    mb = taken.bytes / (1 << 20)
    print(f"workspace: {args.members} members x {args.weeks} weeks, {answers:,} answers")
    print(
        f"backup:    {backup_ms:,.0f} ms for {backup.size_words(taken.bytes)} "
        f"({mb / (backup_ms / 1000):,.0f} MB/s), integrity_check included"
    )
    if written:
        ordered = sorted(written)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        print(
            f"writes during the backup: {len(written)} answers stored, latency "
            f"p50 {statistics.median(ordered):.2f} ms, p99 {p99:.2f} ms, max {ordered[-1]:.2f} ms"
        )
    else:
        print("writes during the backup: none completed (the backup was quicker than one write)")
    print(f"restore:   {restore_ms:,.0f} ms (dated copy of the replaced database included)")
    print(f"forget:    {forget_ms:,.0f} ms for one member ({plan.answers} answers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
