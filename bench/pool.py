"""The question pool's and feedback's own costs, on a real SQLite file.

    python bench/pool.py [--sizes 100,1000,3000] [--members 50]

- near-duplicate check (normalised text + rapidfuzz paraphrase score) against
  a pool of N pending/approved questions: it runs before the ack of the App
  Home's submit modal, so it must stay well inside the ack budget;
- drawing a run's pool question over a simulated year (members x 3 runs a
  week x 52 weeks, 200 approved questions, the 8-week rule);
- storing one feedback response (token check, claim, insert in one transaction).

Prints the figures; nothing here talks to Slack.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checkin.checkins import model  # noqa: E402
from checkin.checkins.definitions import import_definitions, parse_toml  # noqa: E402
from checkin.clock import FakeClock  # noqa: E402
from checkin.db import connection  # noqa: E402
from checkin.feedback import form, invites, requests  # noqa: E402
from checkin.people.members import upsert_member  # noqa: E402
from checkin.pool import duplicates, rotation  # noqa: E402

WORDS = (
    "book film podcast album game city museum recipe hike app shortcut talk newsletter tea "
    "snack holiday toy sport bird plant painting poem language bridge river font tool habit "
    "dessert song"
).split()
FRAMES = (
    "What is your favourite {a} and {b}?",
    "Which {a} would you recommend to a {b} fan?",
    "Tell us about a {a} that changed how you see {b}.",
)


def questions(n: int) -> list[str]:
    out = []
    for i in range(n):
        a, b = WORDS[i % len(WORDS)], WORDS[(i // len(WORDS)) % len(WORDS)]
        out.append(FRAMES[(i // len(WORDS) ** 2) % len(FRAMES)].format(a=a, b=b) + f" ({i})")
    return out


def fill(conn, n: int, clock) -> None:  # noqa: ANN001
    with connection.transaction(conn):
        for i, text in enumerate(questions(n)):
            conn.execute(
                "INSERT INTO pool_questions (text, kind, status, created_at, source, normalized) "
                "VALUES (?, 'text', ?, '2026-01-01T00:00:00Z', 'web', ?)",
                (text, "approved" if i % 2 else "pending", duplicates.normalise(text)),
            )


def bench_duplicates(workdir: Path, sizes: list[int]) -> None:
    print("near-duplicate check before the modal's ack:")
    for n in sizes:
        conn = connection.connect(workdir / f"dup{n}.db")
        fill(conn, n, None)
        times = []
        for probe in ("What's the best book you read this year?", "Which podcast helps you focus?"):
            for _ in range(5):
                started = time.perf_counter()
                duplicates.near_duplicate(conn, probe)
                times.append((time.perf_counter() - started) * 1000)
        conn.close()
        print(
            f"  {n:>5} questions: median {statistics.median(times):6.1f} ms, "
            f"max {max(times):6.1f} ms"
        )


def bench_rotation(workdir: Path, members: int) -> None:
    conn = connection.connect(workdir / "rotation.db")
    ids = [f"U9{n:04d}" for n in range(members)]
    toml = f"""
[[checkin]]
name = "pulse"
days = ["mon", "wed", "fri"]
time = "09:00"
participants = {ids!r}
random_question = true
[[checkin.question]]
text = "What did you work on?"
kind = "text"
""".replace("'", '"')
    clock = FakeClock(datetime(2026, 1, 4, tzinfo=UTC))
    import_definitions(conn, parse_toml(toml), clock=clock)
    fill(conn, 400, clock)  # 200 approved
    checkin = model.get_checkin(conn, "pulse")
    times, none = [], 0
    day = date(2026, 1, 5)
    while day < date(2027, 1, 4):
        if day.weekday() in (0, 2, 4):
            for member in ids:
                started = time.perf_counter()
                if rotation.question_for_run(conn, checkin["id"], member, day, clock=clock) is None:
                    none += 1
                times.append((time.perf_counter() - started) * 1000)
        day += timedelta(days=1)
    counts = [
        r[0]
        for r in conn.execute("SELECT times_asked FROM pool_questions WHERE status = 'approved'")
    ]
    conn.close()
    print(
        f"a year of draws ({members} members x 3 a week, 200 approved questions): "
        f"{len(times)} draws, median {statistics.median(times):.2f} ms, "
        f"p99 {sorted(times)[int(len(times) * 0.99)]:.2f} ms, runs without one {none}, "
        f"times asked {min(counts)}-{max(counts)}"
    )


def bench_feedback(workdir: Path) -> None:
    conn = connection.connect(workdir / "feedback.db")
    clock = FakeClock(datetime(2026, 11, 30, 9, tzinfo=UTC))
    reviewers = [f"U7{n:04d}" for n in range(60)]
    for uid in ["U70000S", *reviewers]:
        upsert_member(conn, uid, clock=clock)
    rid = requests.create_request(
        conn,
        subject="U70000S",
        requested_by="U70000S",
        reviewers=reviewers,
        due=date(2026, 12, 11),
        today=clock().date(),
        clock=clock,
    )
    links = [invites.issue_link_token(conn, i["id"]) for i in invites.invites_to_send(conn, rid)]
    answers = {"clear": 4, "delivers": 5, "helps": 3, "strengths": "Calm", "improve": "Less"}
    times = []
    for token in links:
        started = time.perf_counter()
        form.submit_response(conn, token, answers, clock)
        times.append((time.perf_counter() - started) * 1000)
    conn.close()
    print(
        f"feedback response stored ({len(times)} forms): median "
        f"{statistics.median(times):.2f} ms, max {max(times):.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,3000")
    parser.add_argument("--members", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        bench_duplicates(workdir, [int(s) for s in args.sizes.split(",")])
        bench_rotation(workdir, args.members)
        bench_feedback(workdir)


if __name__ == "__main__":
    main()
