"""`python -m bot` as a process: start line, single instance, clean stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from checkin.clock import iso
from checkin.db import connection
from checkin.ops.heartbeat import read_heartbeat

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]


def bot_env(slack, db_path: Path, **extra: str) -> dict[str, str]:  # noqa: ANN001
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CHECKIN_"))}
    env.update(
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_APP_TOKEN=slack.app_token,
        SLACK_API_URL=slack.api_url,
        CHECKIN_DB=str(db_path),
        CHECKIN_ENV="development",
        CHECKIN_DEV_USERS="U001",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def start(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def heartbeat(db_path: Path):  # noqa: ANN201
    conn = connection.connect(db_path)
    try:
        return read_heartbeat(conn)
    finally:
        conn.close()


def test_one_bot_runs_a_second_refuses_and_sigterm_stops_it(slack, story_db, tmp_path):  # noqa: ANN001
    env = bot_env(slack, story_db)
    first = start(env, tmp_path)  # tmp_path: no .env file is read
    try:
        slack.wait_for_connection(timeout=15)
        slack.wait_until(lambda: (hb := heartbeat(story_db)) and hb.connected, 15, "heartbeat")

        second = subprocess.run(
            [sys.executable, "-m", "bot"],
            cwd=tmp_path,
            env={**env, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.returncode == 3
        assert f"pid {first.pid}" in second.stderr
        assert "last heartbeat" in second.stderr

        sent = time.monotonic()
        first.send_signal(signal.SIGTERM)
        output, _ = first.communicate(timeout=10)
        assert first.returncode == 0
        assert time.monotonic() - sent < 5
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    start_lines = [line for line in output.splitlines() if "checkin bot started" in line]
    assert len(start_lines) == 1
    line = start_lines[0]
    for part in (
        "environment=development",
        f"database={story_db}",
        "checkins=daily",
        "socket_mode=connected as U0BOT",
        "dms_to=U001",
    ):
        assert part in line
    assert slack.bot_token not in output and slack.app_token not in output
    hb = heartbeat(story_db)
    assert hb.stopped_at is not None and hb.is_stale(hb.stopped_at), "a clean stop says so"


def test_a_stale_heartbeat_does_not_block_a_start(slack, story_db, tmp_path):  # noqa: ANN001
    conn = connection.connect(story_db)
    conn.execute(
        "INSERT INTO heartbeat (id, pid, host, env, started_at, beat_at) "
        "VALUES (1, 999999, 'elsewhere', 'production', '2026-01-01T00:00:00Z', "
        "'2026-01-01T00:00:00Z')"
    )
    conn.close()
    bot = start(bot_env(slack, story_db), tmp_path)
    try:
        slack.wait_until(lambda: (hb := heartbeat(story_db)) and hb.pid == bot.pid, 15)
    finally:
        bot.send_signal(signal.SIGINT)
        bot.communicate(timeout=10)
    assert bot.returncode == 0


def test_a_missing_token_is_one_clear_line(tmp_path):  # noqa: ANN001
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CHECKIN_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: SLACK_BOT_TOKEN is not set")
    assert "Traceback" not in result.stderr


# `python -m bot`, with the scheduler's third pass failing as a bug would (an exception
# the thread does not survive); the rest of the bot is the real one.
BROKEN_SCHEDULER = """
import runpy
from bot import scheduler

real, passes = scheduler.tick_all, []

def tick_all(ctx, features):
    passes.append(1)
    if len(passes) == 3:
        raise RuntimeError("injected fault")
    real(ctx, features)

scheduler.tick_all = tick_all
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""

QUICK_LOOPS = dict(
    CHECKIN_TICK_SECONDS="0.3", CHECKIN_HEARTBEAT_SECONDS="0.3", CHECKIN_STALL_SECONDS="2"
)


def stamp(line: str) -> datetime:
    """When a log line was written (the bot's lines begin with their time)."""
    return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")


def test_a_dead_scheduler_thread_exits_the_bot_non_zero_and_a_restart_carries_on(
    slack, story_db, tmp_path
):  # noqa: ANN001
    env = bot_env(slack, story_db, **QUICK_LOOPS)
    broken = subprocess.Popen(
        [sys.executable, "-c", BROKEN_SCHEDULER],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = broken.communicate(timeout=30)
    finally:
        if broken.poll() is None:
            broken.kill()
            broken.communicate()
    assert broken.returncode == 4
    ended = output.index("the scheduler thread ended: RuntimeError: injected fault")
    exit_lines = [
        line for line in output[ended:].splitlines() if "loop has not completed since" in line
    ]
    assert len(exit_lines) == 1 and "scheduler tick" in exit_lines[0]
    assert "its thread has died" in exit_lines[0]
    (ended_line,) = [line for line in output.splitlines() if "scheduler thread ended" in line]
    ended_at = stamp(ended_line)
    assert (stamp(exit_lines[0]) - ended_at).total_seconds() <= 2, "within the loop's allowance"
    assert "Traceback" not in output
    hb = heartbeat(story_db)
    assert hb.detail["unwell"]["loop"] == "scheduler" and hb.stopped_at is not None

    fresh = start(env, tmp_path)
    try:
        slack.wait_until(
            lambda: (
                (hb := heartbeat(story_db))
                and hb.pid == fresh.pid
                and hb.connected
                and hb.detail.get("loops", {}).get("scheduler", {}).get("last", "")
                > iso(hb.started_at)
            ),
            20,
            "a fresh bot that ticks",
        )
        assert fresh.poll() is None, "a healthy bot keeps running"
        assert "unwell" not in heartbeat(story_db).detail
    finally:
        fresh.send_signal(signal.SIGTERM)
        fresh.communicate(timeout=10)
    assert fresh.returncode == 0


HUNG_OUTBOX = """
import runpy, threading
from bot import outbox

real, passes = outbox.work, []

def work(ctx, features, limit=20):
    if threading.current_thread().name == "outbox":  # the poll, not the tick's own pass
        passes.append(1)
        if len(passes) == 4:
            threading.Event().wait()  # stuck for good, as on a lock that is never let go
    return real(ctx, features, limit)

outbox.work = work
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""


def test_a_loop_stuck_past_its_allowance_exits_the_bot_naming_it(slack, story_db, tmp_path):  # noqa: ANN001
    env = bot_env(slack, story_db, **QUICK_LOOPS)
    stuck = subprocess.Popen(
        [sys.executable, "-c", HUNG_OUTBOX],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = stuck.communicate(timeout=30)
    finally:
        if stuck.poll() is None:
            stuck.kill()
            stuck.communicate()
    assert stuck.returncode == 4
    (line,) = [line for line in output.splitlines() if "loop has not completed since" in line]
    assert "outbox loop" in line and "allowed 3s" in line
    assert heartbeat(story_db).detail["unwell"]["loop"] == "outbox"
