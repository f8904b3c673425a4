"""`python -m bot` killed with SIGKILL at generated steps of a member's check-in, restarted
each time: every answer stored once, every question asked once, one recap, nothing else said.

A member's check-in is a sequence of steps, each reached once when all goes well: the
first question's post, then for each answer the request kept in the inbox (before its
ack), the answer's transaction, and the post of the next question (or the recap). A
case is a set of those steps; the bot is armed (`CHECKIN_TEST_KILL_AT`, see
`bot/killpoint.py`) to kill itself at the first of them, started again at once when it
dies, armed for the next, and so on; after the last answer it is killed and started once
more, then stopped, and what the member was sent and what was stored is checked.
"""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st

from bot import listen
from bot.conversation import answering
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.clock import iso, system_clock
from checkin.db import connection
from checkin.ops import outbox
from tests.bot.conftest import settle, tick
from tests.bot.test_main import bot_env, heartbeat, start
from tests.fakeslack.server import FakeSlack

pytestmark = pytest.mark.timeout(600)

# Two clicks, then two typed answers: a typed answer done again after the next question
# was posted must not answer that question too (it is a text question as well).
CHECKIN = """
[[checkin]]
name = "byhand"
days = ["mon"]
time = "09:00"
participants = ["U002"]
reminder_after_minutes = 0

[[checkin.question]]
text = "How are you feeling?"
kind = "scale"
labels = ["awful", "bad", "okay", "good", "great"]

[[checkin.question]]
text = "Where are you working from?"
kind = "choice"
options = ["office", "home", "travelling"]

[[checkin.question]]
text = "What did you work on?"
kind = "text"

[[checkin.question]]
text = "Is anything in your way?"
kind = "text"
"""
ANSWERS = [
    ("clicks", "good"),
    ("clicks", "office"),
    ("types", "Fixing R&D's build"),
    ("types", "Nothing, thanks"),
]
STORED = ["good", "office", "Fixing R&D's build", "Nothing, thanks"]

# Every step of the check-in in the order it is reached: (answer, step); answer -1 is the send.
STEPS: list[tuple[int, str]] = [(-1, "checkin_question_posted")] + [
    (n, step)
    for n in range(len(ANSWERS))
    for step in (
        "inbox_kept",
        "answer_stored",
        "checkin_recap_posted" if n == len(ANSWERS) - 1 else "checkin_question_posted",
    )
]
QUICK = dict(CHECKIN_TICK_SECONDS="0.5", CHECKIN_HEARTBEAT_SECONDS="0.3")


def arming(plan: set[int]) -> list[tuple[int, str]]:
    """For each kill of the plan, in order: (its step's index, what the process killed there
    is armed with). A process counts the steps it reaches from its start, and each step is
    reached once: after a kill at k, the next process reaches the steps after k."""
    armed, after = [], -1
    for k in sorted(plan):
        step = STEPS[k][1]
        nth = sum(1 for j in range(after + 1, k + 1) if STEPS[j][1] == step)
        armed.append((k, f"{step}:{nth}"))
        after = k
    return armed


class Case:
    """One member's check-in against a fresh fake Slack and database, the bot killed as planned."""

    def __init__(self, slack: FakeSlack, db: Path, plan: set[int]) -> None:
        self.slack, self.db, self.cwd = slack, db, db.parent
        self.env = bot_env(slack, db, **QUICK)
        self.kills = deque(arming(plan))
        self.proc: subprocess.Popen | None = None
        self.outputs: list[str] = []

    def start(self) -> None:
        armed = self.kills[0][1] if self.kills else ""
        opened = self.slack.socket.opened
        self.proc = start({**self.env, "CHECKIN_TEST_KILL_AT": armed}, self.cwd)
        self.slack.wait_until(  # or dies at its kill before it connects (a replayed request)
            lambda: (
                (self.slack.socket.opened > opened and self.slack.connections >= 1)
                or self.proc.poll() is not None
            ),
            20,
            f"the bot armed with {armed or 'nothing'} connects",
            interval=0.05,
        )

    def steps_of(self, answer: int) -> None:
        """The kills planned at this answer's steps: each awaited, then a fresh bot started."""
        while self.kills and STEPS[self.kills[0][0]][0] == answer:
            index, armed = self.kills.popleft()
            try:
                out, _ = self.proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                raise AssertionError(
                    f"the bot was not killed at {armed} ({STEPS[index]})"
                ) from None
            self.outputs.append(out)
            assert self.proc.returncode == -signal.SIGKILL, f"killed at {armed}:\n{out}"
            assert f"killed at {armed}" in out
            self.start()

    def settled(self, answered: int) -> bool:
        """`answered` answers stored, their follow-up post made and recorded, no request left."""
        conn = connection.connect(self.db)
        try:
            stored = [tuple(r) for r in conn.execute("SELECT question_id, text FROM answers")]
            count = len(stored)
            assert count <= answered, f"{answered} answer(s) given, stored: {stored}"
            run = conn.execute("SELECT * FROM runs WHERE member_id = 'U001'").fetchone()
            if run is None or run["post_unsure"] or run["post_owed"] is not None:
                return False
            if conn.execute("SELECT 1 FROM inbox WHERE done_at IS NULL").fetchone():
                return False
            qids = json.loads(run["question_ids"])
            if answered == len(qids):
                return count == answered and run["recap_ts"] is not None
            return count == answered and run["asked_question_id"] == qids[answered]
        finally:
            conn.close()

    def answer(self, n: int) -> None:
        how, what = ANSWERS[n]
        member = self.slack.user("U001")
        if how == "clicks":
            member.clicks(what, wait=False)  # the ack may never come: killed before it
        else:
            member.types(what)

    def restart_and_stop(self) -> None:
        """Killed once more and started unarmed: its start (replay, first tick) is let run."""
        self.proc.kill()
        self.outputs.append(self.proc.communicate(timeout=10)[0])
        began = iso(system_clock())
        self.start()
        self.slack.wait_until(
            lambda: (
                (hb := heartbeat(self.db))
                and hb.pid == self.proc.pid
                and hb.detail.get("loops", {}).get("scheduler", {}).get("last", "") > began
            ),
            20,
            "the restarted bot's first tick",
            0.05,
        )
        time.sleep(0.3)  # the work that tick queued has begun; a stop lets it finish
        self.proc.send_signal(signal.SIGTERM)
        self.outputs.append(self.proc.communicate(timeout=15)[0])
        assert self.proc.returncode == 0, self.outputs[-1]

    def run(self) -> None:
        conn = connection.connect(self.db)
        outbox.enqueue(
            conn, "send_checkin", {"checkin": "byhand", "members": ["U001"]}, requested_by="cli"
        )
        conn.close()
        self.start()
        self.steps_of(-1)
        self.slack.wait_until(lambda: self.settled(0), 20, "the first question", 0.05)
        for n in range(len(ANSWERS)):
            self.answer(n)
            self.steps_of(n)
            self.slack.wait_until(lambda n=n: self.settled(n + 1), 20, f"answer {n + 1} done", 0.05)
        assert not self.kills
        self.restart_and_stop()


def told(slack: FakeSlack) -> list[tuple[str, object]]:
    """Every message the bot left in the member's DM: which question, the recap, or its text."""
    out = []
    for message in slack.dm("U001"):
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") == "checkin_question":
            out.append(("question", payload["question_id"]))
        elif metadata.get("event_type") == "checkin_recap":
            out.append(("recap", payload["run_id"]))
        else:
            out.append(("said", message.get("text")))
    return out


_cases = itertools.count()


@settings(
    max_examples=2,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each try starts several bots
    suppress_health_check=[HealthCheck.too_slow],
)
# Together these kill at every step at least once, and more than once during one answer.
@example(plan={0, 1, 2, 3, 7, 8, 9})
@example(plan={4, 5, 6, 10, 11, 12})
@given(plan=st.sets(st.integers(0, len(STEPS) - 1), min_size=1, max_size=3))
def test_killed_at_any_step_of_a_check_in_nothing_is_lost_or_asked_twice(plan, tmp_path_factory):  # noqa: ANN001
    note(f"kills at {[STEPS[k] for k in sorted(plan)]}: armed {arming(plan)}")
    db = tmp_path_factory.mktemp(f"kill{next(_cases)}") / "checkin.db"
    conn = connection.connect(db)
    import_definitions(conn, parse_toml(CHECKIN))
    conn.close()
    slack = FakeSlack().start()
    case = Case(slack, db, plan)
    try:
        case.run()
        conn = connection.connect(db)
        (run,) = conn.execute("SELECT * FROM runs WHERE member_id = 'U001'").fetchall()
        qids = json.loads(run["question_ids"])
        stored = [
            tuple(r) for r in conn.execute("SELECT question_id, text FROM answers ORDER BY id")
        ]
        left = conn.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()[0]
        conn.close()
        assert stored == list(zip(qids, STORED, strict=True)), "each answer stored once"
        assert told(slack) == [("question", q) for q in qids] + [("recap", run["id"])], (
            "each question asked once, one recap, nothing else"
        )
        assert run["status"] == "answered" and left == 0
    except BaseException:
        print("\n---\n".join(case.outputs))
        raise
    finally:
        if case.proc is not None and case.proc.poll() is None:
            case.proc.kill()
            case.proc.communicate()
        slack.stop()


PARIS_NINE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_a_typed_answer_done_again_after_its_next_question_changes_nothing(slack, bot, clock):  # noqa: ANN001
    """The work of a typed answer done again once the next question is out (a replay after a
    crash before its request was marked done, a retry after a fault): that question is not
    answered with the same text, and the member is told nothing more."""
    clock.set(PARIS_NINE)
    tick(bot)
    slack.user("U001").clicks("good")
    settle(slack, bot)
    slack.user("U001").clicks("home")
    settle(slack, bot)
    settle(slack, bot, slack.user("U001").types("42 reviews"))  # the next question takes numbers
    conn = bot.ctx.conn
    (payload,) = conn.execute("SELECT payload FROM inbox WHERE kind = 'on_message'").fetchone()
    before = slack.dm("U001")
    assert before[-1]["text"].startswith("4/4")

    body = {**json.loads(payload), listen.REPLAYED: True}
    answering.on_message(bot.ctx, body)
    settle(slack, bot)

    stored = [tuple(r) for r in conn.execute("SELECT question_id, text, number FROM answers")]
    assert stored == [(1, "good", 4.0), (2, "home", None), (3, "42 reviews", None)]
    assert slack.dm("U001") == before
