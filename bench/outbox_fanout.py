"""How soon the bot takes an outbox row while it sends a check-in to many members.

    python bench/outbox_fanout.py [--members 500] [--rows 5] [--pace 40]

Every member is due at once; the fake Slack lets `--pace` posts a second
through (answering 429 with Retry-After beyond it, as Slack does); the bot's
clock starts at Monday 09:00 and runs with the wall clock. While the
fan-out runs, `--rows` outbox rows (send the check-in to one more member) are
queued 1 + 1/rows seconds apart, so that they land at different moments of the
bot's 1 s outbox poll rather than always at the same one. Prints, per row, the
seconds from queueing to taken (claimed by the poller) and to done (its send
finished in the worker), how many members were still waiting for their
question then, and checks that each row's member got the check-in. Target:
every row taken within 5 s. Nothing here talks to real Slack.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import Bot  # noqa: E402
from bot.scheduler import Scheduler  # noqa: E402
from checkin.checkins.definitions import import_definitions, parse_toml  # noqa: E402
from checkin.config import Config, Secret  # noqa: E402
from checkin.db import connection  # noqa: E402
from checkin.ops import outbox  # noqa: E402
from tests.fakeslack import FakeSlack  # noqa: E402
from tests.fakeslack.workspace import make_user  # noqa: E402

MONDAY_NINE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class RunningClock:
    """Monday 09:00 UTC plus the wall time since it was made: the bot's loop ticks every
    5 s as in production, so runs whose posts ran out of 429 retries are sent again."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.made = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.made)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--rows", type=int, default=5)
    parser.add_argument("--pace", type=int, default=40, help="posts per second Slack lets through")
    args = parser.parse_args()
    if args.members < 50 or args.rows < 1 or args.pace < 1:
        parser.error("--members must be at least 50, --rows and --pace at least 1")
    logging.basicConfig(level=logging.ERROR)

    slack = FakeSlack().start()
    ids = [f"U8{n:04d}" for n in range(args.members)]
    extra = [f"U7{n:04d}" for n in range(args.rows)]
    for uid in ids + extra:
        slack.workspace.add_user(make_user(uid, f"m{uid}", f"Member {uid}", "UTC", 0))
    participants = ", ".join(f'"{u}"' for u in ids)
    toml = f"""
[[checkin]]
name = "bench"
days = ["mon"]
time = "09:00"
participants = [{participants}]
[[checkin.question]]
text = "How are you feeling?"
kind = "scale"
"""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        clock = RunningClock(MONDAY_NINE)
        conn = connection.connect(path)
        import_definitions(conn, parse_toml(toml), clock=clock)
        conn.close()
        slack.rate_limit("chat.postMessage", per_second=args.pace, retry_after=1)
        config = Config(
            db_path=path,
            env="production",
            api_url=slack.api_url,
            bot_token=Secret(slack.bot_token),
            app_token=Secret(slack.app_token),
        )
        bot = Bot(config, clock).start(scheduler=False)
        loop = Scheduler(bot.ctx, interval=5).start()
        conn = bot.ctx.conn
        started = time.monotonic()
        cpu_started = time.process_time()
        while sum(bool(slack.dm(u)) for u in ids[:50]) < 5:
            time.sleep(0.05)
        print(f"{args.members} members due at once, Slack pacing posts at {args.pace}/s")
        queued: dict[int, float] = {}
        taken: dict[int, float] = {}
        done: dict[int, float] = {}
        waiting: dict[int, int] = {}
        watching = threading.Event()

        def watch() -> None:
            reader = connection.connect(path)
            while not watching.is_set():
                for row, status in reader.execute("SELECT id, status FROM outbox"):
                    now = time.monotonic()
                    if status != "pending" and row in queued and row not in taken:
                        taken[row] = now - queued[row]
                        waiting[row] = sum(not slack.dm(u) for u in ids)
                    if status in ("done", "failed") and row in queued and row not in done:
                        done[row] = now - queued[row]
                time.sleep(0.01)
            reader.close()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        for uid in extra:
            row = outbox.enqueue(conn, "send_checkin", {"checkin": "bench", "members": [uid]})
            queued[row] = time.monotonic()
            time.sleep(1.0 + 1.0 / args.rows)
        deadline = time.monotonic() + 60
        while len(done) < len(queued) and time.monotonic() < deadline:
            time.sleep(0.05)
        watching.set()
        watcher.join(2)
        worst = max((taken.get(r, 60.0) for r in queued), default=0.0)
        statuses = dict(conn.execute("SELECT id, status FROM outbox").fetchall())
        for row in queued:
            print(
                f"outbox #{row}: taken {taken.get(row, float('nan')):.2f} s, done "
                f"{done.get(row, float('nan')):.2f} s after queueing; members still waiting "
                f"for their question then: {waiting.get(row, -1)}; {statuses.get(row)}"
            )
        while not all(slack.dm(u) for u in ids) and time.monotonic() - started < 300:
            time.sleep(0.2)
        finished = time.monotonic() - started
        cpu = time.process_time() - cpu_started
        unsent = [u for u in ids + extra if not slack.dm(u)]
        print(
            f"fan-out finished in {finished:.1f} s, {cpu:.1f} s CPU (bot and fake together, "
            f"{cpu * 1000 / len(ids + extra):.1f} ms per member); "
            f"worst outbox pick-up {worst:.2f} s (target: under 5 s)"
        )
        waits, gave_up = conn.execute(
            "SELECT sum(kind = 'rate_limited'), sum(kind = 'api_error' AND error = 'ratelimited')"
            " FROM events"
        ).fetchone()
        print(
            f"429 answers waited out: {waits or 0}; sends that ran out of 429 retries and "
            f"went out at a later tick: {gave_up or 0}"
        )
        print(f"load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        failed = [r for r in queued if statuses.get(r) != "done"]
        if unsent:
            print(f"{len(unsent)} members never got their question (first: {unsent[0]})")
        if failed:
            print(f"outbox rows not done: {failed}")
        loop.stop(1)
        bot.stop(2)
    slack.stop()
    return 0 if worst < 5 and not unsent and not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
