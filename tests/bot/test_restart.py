"""`python -m bot` killed with -9 at each step of a check-in, then started again at once:
nothing lost, nothing asked twice, the restart never refused; start-up errors in one line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.db import connection
from checkin.ops.heartbeat import read_heartbeat
from tests.bot.test_main import ROOT, bot_env, heartbeat, start

pytestmark = pytest.mark.timeout(120)

# U002 is its only participant (not a development user: never asked); U001 is sent it by
# hand through the outbox, at any hour of any day, so the test does not depend on the date.
BY_HAND = """
[[checkin]]
name = "byhand"
days = ["mon"]
time = "09:00"
participants = ["U002"]

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
"""


@pytest.fixture
def by_hand_db(db_path: Path) -> Path:
    conn = connection.connect(db_path)
    import_definitions(conn, parse_toml(BY_HAND))
    conn.close()
    return db_path


def run_cli(env: dict, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "checkin", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=30,
    )


def shown(slack) -> list[tuple[str, object]]:  # noqa: ANN001
    out = []
    for message in slack.dm("U001"):
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") == "checkin_question":
            out.append(("question", payload["question_id"]))
        elif metadata.get("event_type") == "checkin_recap":
            out.append(("recap", payload["run_id"]))
    return out


def answers(path: Path) -> list[tuple]:
    conn = connection.connect(path)
    try:
        return [tuple(r) for r in conn.execute("SELECT question_id, text FROM answers ORDER BY 1")]
    finally:
        conn.close()


def kill_hard(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)


class Bots:
    """The bot process of the moment; `restart()` kills it with -9 and starts another at once."""

    def __init__(self, slack, path: Path, cwd: Path) -> None:  # noqa: ANN001
        self.slack, self.path, self.cwd = slack, path, cwd
        self.env = bot_env(slack, path)
        self.proc: subprocess.Popen | None = None
        self.outputs: list[str] = []

    def start(self) -> None:
        opened = self.slack.socket.opened
        self.proc = start(self.env, self.cwd)
        self.slack.wait_until(
            lambda: self.slack.socket.opened > opened and self.slack.connections >= 1,
            20,
            "the bot connects",
        )
        self.slack.wait_until(
            lambda: (hb := heartbeat(self.path)) and hb.pid == self.proc.pid and hb.connected,
            20,
            "its heartbeat",
        )

    def restart(self) -> None:
        assert self.proc is not None
        kill_hard(self.proc)
        self.start()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            out, _ = self.proc.communicate(timeout=15)
            self.outputs.append(out)


@pytest.fixture
def bots(slack, by_hand_db, tmp_path):  # noqa: ANN001, ANN201
    b = Bots(slack, by_hand_db, tmp_path)
    yield b
    if b.proc is not None and b.proc.poll() is None:
        b.proc.kill()
        b.proc.communicate()


def test_kill_9_at_each_step_and_an_immediate_restart_lose_nothing(slack, bots, tmp_path):  # noqa: ANN001
    bots.start()
    # killed while the greeting's post is in flight (Slack has it; the bot never hears back)
    slack.fail("chat.postMessage", "timeout", applied=True, hang=60, match={"channel": "D001"})
    posts = slack.api.started.count("chat.postMessage")
    assert run_cli(bots.env, tmp_path, "send", "byhand", "--member", "U001").returncode == 0
    slack.wait_until(lambda: slack.api.started.count("chat.postMessage") > posts, 20, "the send")
    bots.restart()
    slack.wait_until(lambda: len(shown(slack)) == 1, 20, "the first question")
    time.sleep(0.5)  # a second greeting would be posted by now
    assert len(shown(slack)) == 1, "found in the DM, not sent again"
    conn = connection.connect(bots.path)
    (run,) = conn.execute("SELECT * FROM runs WHERE member_id = 'U001'").fetchall()
    conn.close()
    qids = json.loads(run["question_ids"])

    # killed while the next question's post hangs (Slack never got it)
    slack.fail("chat.postMessage", "timeout", hang=60, match={"channel": "D001"})
    posts = slack.api.started.count("chat.postMessage")
    slack.user("U001").clicks("good")
    slack.wait_until(lambda: slack.api.started.count("chat.postMessage") > posts, 20, "post #2")
    assert len(answers(bots.path)) == 1
    bots.restart()
    slack.wait_until(lambda: shown(slack)[-1] == ("question", qids[1]), 20, "question 2 at start")

    # killed right after the click is acknowledged, before its work could run
    slack.user("U001").clicks("office")
    bots.restart()
    slack.wait_until(lambda: shown(slack)[-1] == ("question", qids[2]), 20, "question 3")

    # killed while the recap's post is in flight (Slack has it)
    slack.fail("chat.postMessage", "timeout", applied=True, hang=60, match={"channel": "D001"})
    posts = slack.api.started.count("chat.postMessage")
    slack.user("U001").types("Fixing R&D's build")
    slack.wait_until(lambda: slack.api.started.count("chat.postMessage") > posts, 20, "recap")
    bots.restart()
    time.sleep(1.0)  # a start-up tick would have posted a second recap by now
    bots.stop()

    assert shown(slack) == [("question", q) for q in qids] + [("recap", run["id"])], (
        "each question once, one recap"
    )
    assert answers(bots.path) == [
        (qids[0], "good"),
        (qids[1], "office"),
        (qids[2], "Fixing R&D's build"),
    ]


def test_a_second_live_bot_is_still_refused(slack, bots, tmp_path):  # noqa: ANN001
    bots.start()
    second = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={**bots.env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert second.returncode == 3 and f"pid {bots.proc.pid}" in second.stderr


def test_slack_unreachable_at_start_is_one_line_and_blocks_no_later_start(
    slack, by_hand_db, tmp_path
):  # noqa: ANN001
    env = bot_env(slack, by_hand_db, SLACK_API_URL="http://127.0.0.1:9/api/")
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "error: cannot reach Slack at http://127.0.0.1:9"
    )
    assert "Traceback" not in result.stderr and slack.bot_token not in result.stderr
    hb = heartbeat(by_hand_db)
    assert hb is None or hb.stopped_at is not None, "no live claim left behind"
    good = start(bot_env(slack, by_hand_db), tmp_path)
    try:
        slack.wait_until(lambda: (hb := heartbeat(by_hand_db)) and hb.pid == good.pid, 20)
    finally:
        good.send_signal(signal.SIGTERM)
        good.communicate(timeout=15)
    assert good.returncode == 0


def test_after_a_clean_stop_send_says_the_bot_is_not_running(slack, bots, tmp_path):  # noqa: ANN001
    bots.start()
    bots.stop()
    hb = heartbeat(bots.path)
    assert hb.stopped_at is not None and not hb.connected
    result = run_cli(bots.env, tmp_path, "send", "byhand", "--member", "U001")
    assert result.returncode == 0
    assert "the bot is not running" in result.stderr
    assert "no bot has run" not in result.stderr
    conn = connection.connect(bots.path)
    assert read_heartbeat(conn).stopped_at is not None
    conn.close()
