"""Envelope-to-ack latency of the bot under a burst, against the local fake Slack.

    python bench/ack_latency.py [--members 200] [--rounds 3]

200 members each have a check-in question open; all of them click an answer
in one burst (200 block_actions envelopes sent back to back), then all type
an answer (200 message events), then all run `/checkin help`. Latency is what
the fake measures: from writing the envelope to the websocket until the ack
arrives. Prints p50/p95/p99/max per burst, the run-queue wait until the last
ack (how long the process's threads were ready to run but had no core, summed
over threads: a sign of the machine's load), and the CPU time each envelope
cost, split between the bot's threads and the fake Slack's (both share one
process and the machine's cores, so on a loaded machine the CPU figures are
steadier than the wall-clock ones). After each burst it checks that the work
was done: one "good" and one typed answer stored per member, and every
`/checkin help` answered in its ack. Nothing here talks to real Slack.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import scheduler  # noqa: E402
from bot.app import Bot  # noqa: E402
from checkin.checkins.definitions import import_definitions, parse_toml  # noqa: E402
from checkin.clock import FakeClock  # noqa: E402
from checkin.config import Config, Secret  # noqa: E402
from checkin.db import connection  # noqa: E402
from tests.fakeslack import FakeSlack  # noqa: E402
from tests.fakeslack.workspace import make_user  # noqa: E402

TYPED = "Benchmarks and a long review"
# Threads of the fake Slack and of this script driving it; every other thread is the bot's.
FAKE_THREADS = re.compile(r"^(MainThread|fakeslack|asyncio_\d+)$")
TICKS = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


def thread_cpu() -> dict[str, float]:
    """CPU seconds (user + system) so far of the fake Slack's threads and of the process.

    `queued` is the seconds this process's threads were ready to run but waited
    for a core (Linux schedstat run-queue wait, summed over threads): high when
    other processes hold the cores, and also when this one's threads outnumber them.
    """
    totals = {"fake": 0.0, "queued": 0.0}
    for thread in threading.enumerate():
        task = f"/proc/self/task/{thread.native_id}"
        try:
            with open(f"{task}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"{task}/schedstat") as f:
                totals["queued"] += int(f.read().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            continue  # ended meanwhile: its CPU stays in "process"
        if FAKE_THREADS.match(thread.name):
            totals["fake"] += (int(fields[11]) + int(fields[12])) / TICKS
    totals["process"] = time.process_time()
    return totals


@dataclass
class Burst:
    kind: str
    latencies: list[float]  # seconds, one per envelope
    cpu_to_acks: dict[str, float]  # CPU seconds from the first envelope to the last ack
    cpu_to_idle: dict[str, float]  # ... until the bot's worker was idle again


def cpu_since(before: dict[str, float]) -> dict[str, float]:
    now = thread_cpu()
    used = {key: now[key] - before[key] for key in now}
    # The process total is exact and holds threads that ended inside the window;
    # per-thread figures count 10 ms ticks. The fake's threads live throughout.
    used["bot"] = used["process"] - used["fake"]
    return used


def setup(members: int, workdir: Path) -> tuple[FakeSlack, Bot, list[str], Path]:
    slack = FakeSlack().start()
    ids = [f"U8{n:04d}" for n in range(members)]
    for uid in ids:
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
labels = ["awful", "bad", "okay", "good", "great"]
[[checkin.question]]
text = "What did you work on?"
kind = "text"
[[checkin.question]]
text = "Anything else?"
kind = "text"
"""
    path = workdir / "bench.db"
    clock = FakeClock(datetime(2026, 11, 30, 9, 5, tzinfo=UTC))
    conn = connection.connect(path)
    import_definitions(conn, parse_toml(toml), clock=clock)
    conn.close()
    config = Config(
        db_path=path,
        env="production",
        api_url=slack.api_url,
        bot_token=Secret(slack.bot_token),
        app_token=Secret(slack.app_token),
    )
    bot = Bot(config, clock).start(scheduler=False)
    slack.wait_for_connection()
    scheduler.tick(bot.ctx)  # queues one send per member in the worker
    if not bot.ctx.worker.wait_idle(300):
        raise SystemExit("the check-in was not sent to every member within 300 s")
    missing = [uid for uid in ids if not slack.dm(uid)]
    if missing:
        raise SystemExit(f"{len(missing)} members got no question (first: {missing[0]})")
    return slack, bot, ids, path


def check_stored(path: Path, ids: list[str], text: str) -> None:
    """Stop with one line unless every member has exactly one answer `text`."""
    conn = connection.connect(path, migrate_schema=False)
    try:
        counts = dict(
            conn.execute(
                "SELECT member_id, count(*) FROM answers WHERE text = ? GROUP BY member_id", (text,)
            ).fetchall()
        )
    finally:
        conn.close()
    wrong = [uid for uid in ids if counts.get(uid) != 1]
    if wrong:
        raise SystemExit(
            f"{len(wrong)} of {len(ids)} members do not have exactly one answer {text!r} "
            f"(first: {wrong[0]}, {counts.get(wrong[0], 0)} stored)"
        )


def burst(slack: FakeSlack, bot: Bot, ids: list[str], kind: str, path: Path) -> Burst:
    """Send one envelope per member back to back; the latencies of their acks and CPU used."""
    before = len(slack.acks)
    envelope_ids: set[str] = set()
    event_ids: set[str] = set()
    cpu_before = thread_cpu()
    started = time.perf_counter()
    for uid in ids:
        user = slack.user(uid)
        if kind == "click":
            envelope_ids.add(str(user.clicks("good", wait=False)))
        elif kind == "type":
            event_ids.add(user.types(TYPED))
        else:
            envelope_ids.add(str(user.runs("/checkin help", wait=False)))
    sent_in = time.perf_counter() - started
    slack.wait_until(lambda: len(slack.acks) - before >= len(ids), 60, f"{kind} acks")
    cpu_to_acks = cpu_since(cpu_before)
    acks = [
        a for a in slack.acks[before:] if a.envelope_id in envelope_ids or a.event_id in event_ids
    ]
    if not bot.ctx.worker.wait_idle(120):
        raise SystemExit(f"the bot's work after the {kind} acks did not finish within 120 s")
    cpu_to_idle = cpu_since(cpu_before)
    if len(acks) != len(ids):
        raise SystemExit(f"{kind}: {len(acks)} acks for {len(ids)} envelopes")
    if kind == "click":
        check_stored(path, ids, "good")
    elif kind == "type":
        check_stored(path, ids, TYPED)
    elif not all(a.payload for a in acks):
        raise SystemExit("a /checkin help was acknowledged without its answer in the ack")
    print(f"  {kind:<6} {len(ids)} envelopes sent in {sent_in * 1000:.0f} ms", file=sys.stderr)
    return Burst(kind, [a.latency for a in acks], cpu_to_acks, cpu_to_idle)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.members < 1 or args.rounds < 1:
        parser.error("--members and --rounds must be at least 1")
    logging.basicConfig(level=logging.ERROR)
    labels = {
        "click": "block_actions (answer button)",
        "type": "events_api (typed answer)",
        "help": "slash_commands (/checkin help)",
    }
    rows: list[tuple[int, Burst]] = []
    for round_ in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory() as tmp:
            slack, bot, ids, path = setup(args.members, Path(tmp))
            try:
                print(f"round {round_}", file=sys.stderr)
                for kind in labels:
                    rows.append((round_, burst(slack, bot, ids, kind, path)))
            finally:
                bot.stop()
                slack.stop()
    print(f"load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    n = args.members
    print(
        f"{'round':<6} {'burst of ' + str(n):<31} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}"
        f" {'run-queue wait':>15}"
    )
    for round_, b in rows:
        ms = [x * 1000 for x in b.latencies]
        print(
            f"{round_:<6} {labels[b.kind]:<31} {statistics.median(ms):>6.1f}ms "
            f"{percentile(ms, 95):>6.1f}ms {percentile(ms, 99):>6.1f}ms {max(ms):>6.1f}ms"
            f" {b.cpu_to_acks['queued'] * 1000:>13.0f}ms"
        )
    print()
    print("CPU ms per envelope (bot threads / fake Slack and driver), median over rounds:")
    print(f"{'':<38} {'until last ack':>16} {'until work done':>16}")
    for kind, label in labels.items():
        mine = [b for _, b in rows if b.kind == kind]

        def per(window: str, side: str, mine: list[Burst] = mine) -> float:
            return statistics.median(getattr(b, window)[side] for b in mine) * 1000 / n

        print(
            f"{label:<38} {per('cpu_to_acks', 'bot'):>7.2f} / {per('cpu_to_acks', 'fake'):<6.2f} "
            f"{per('cpu_to_idle', 'bot'):>7.2f} / {per('cpu_to_idle', 'fake'):<6.2f}"
        )
    worst = max(percentile([x * 1000 for x in b.latencies], 99) for _, b in rows)
    print(f"worst p99: {worst:.1f} ms (target: under 100 ms)")
    return 0 if worst < 100 else 1


if __name__ == "__main__":
    sys.exit(main())
