"""Envelope-to-ack latency of the bot under a burst, against the local fake Slack.

    python bench/ack_latency.py [--members 200] [--rounds 3]

200 members each have a check-in question open; all of them click an answer
in one burst (200 block_actions envelopes sent back to back), then all type
an answer (200 message events), then all run `/checkin help`. Latency is what
the fake measures: from writing the envelope to the websocket until the ack
arrives. Prints p50/p95/p99/max per burst. Nothing here talks to real Slack.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import scheduler  # noqa: E402
from bot.app import Bot  # noqa: E402
from checkin import db  # noqa: E402
from checkin.clock import FakeClock  # noqa: E402
from checkin.config import Config, Secret  # noqa: E402
from checkin.definitions import import_definitions, parse_toml  # noqa: E402
from tests.fakeslack import FakeSlack  # noqa: E402
from tests.fakeslack.workspace import make_user  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


def setup(members: int, workdir: Path) -> tuple[FakeSlack, Bot, list[str]]:
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
    conn = db.connect(path)
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
    return slack, bot, ids


def burst(slack: FakeSlack, bot: Bot, ids: list[str], kind: str) -> list[float]:
    """Send one envelope per member back to back; the latencies of their acks (s)."""
    before = len(slack.acks)
    envelope_ids: set[str] = set()
    event_ids: set[str] = set()
    started = time.perf_counter()
    for uid in ids:
        user = slack.user(uid)
        if kind == "click":
            envelope_ids.add(str(user.clicks("good", wait=False)))
        elif kind == "type":
            event_ids.add(user.types("Benchmarks and a long review"))
        else:
            envelope_ids.add(str(user.runs("/checkin help", wait=False)))
    sent_in = time.perf_counter() - started
    slack.wait_until(lambda: len(slack.acks) - before >= len(ids), 60, f"{kind} acks")
    acks = [
        a for a in slack.acks[before:] if a.envelope_id in envelope_ids or a.event_id in event_ids
    ]
    bot.ctx.worker.wait_idle(120)
    print(f"  {kind:<6} {len(ids)} envelopes sent in {sent_in * 1000:.0f} ms", file=sys.stderr)
    return [a.latency for a in acks]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    rows = []
    for round_ in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory() as tmp:
            slack, bot, ids = setup(args.members, Path(tmp))
            try:
                print(f"round {round_}", file=sys.stderr)
                for kind, label in (
                    ("click", "block_actions (answer button)"),
                    ("type", "events_api (typed answer)"),
                    ("help", "slash_commands (/checkin help)"),
                ):
                    latencies = burst(slack, bot, ids, kind)
                    rows.append((round_, label, latencies))
            finally:
                bot.stop()
                slack.stop()
    print(
        f"{'round':<6} {'burst of ' + str(args.members):<34} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}"
    )
    for round_, label, latencies in rows:
        ms = [x * 1000 for x in latencies]
        print(
            f"{round_:<6} {label:<34} {statistics.median(ms):>6.1f}ms {percentile(ms, 95):>6.1f}ms "
            f"{percentile(ms, 99):>6.1f}ms {max(ms):>6.1f}ms"
        )
    worst = max(percentile([x * 1000 for x in lat], 99) for _, _, lat in rows)
    print(f"worst p99: {worst:.1f} ms (target: under 100 ms)")
    return 0 if worst < 100 else 1


if __name__ == "__main__":
    sys.exit(main())
