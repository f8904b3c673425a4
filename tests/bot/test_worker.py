"""Work after the ack: in order per member, in parallel across members, never raising."""

from __future__ import annotations

import threading
import time

from bot.worker import Worker


def test_work_for_one_key_runs_in_order_and_keys_run_in_parallel():
    worker = Worker(threads=4)
    done: list[tuple[str, int]] = []
    gate = threading.Event()

    def slow(key: str, n: int) -> None:
        if key == "A" and n == 0:
            gate.wait(2)
        done.append((key, n))

    for n in range(5):
        worker.submit("A", slow, "A", n)
    worker.submit("B", slow, "B", 0)
    time.sleep(0.05)
    assert done == [("B", 0)], "B is not held up by A"
    gate.set()
    assert worker.wait_idle(2)
    assert [n for key, n in done if key == "A"] == [0, 1, 2, 3, 4]
    worker.stop()


def test_a_failing_task_is_logged_and_the_next_runs(caplog):  # noqa: ANN001
    worker = Worker(threads=1)
    ran = []

    def boom() -> None:
        raise RuntimeError("boom")

    worker.submit("A", boom)
    worker.submit("A", ran.append, 1)
    assert worker.wait_idle(2)
    assert ran == [1]
    assert "boom" in caplog.text
    worker.stop()


def test_urgent_work_is_taken_before_waiting_keys():
    worker = Worker(threads=1)
    order: list[str] = []
    gate = threading.Event()
    worker.submit("first", gate.wait, 5)
    for n in range(20):
        worker.submit(f"member{n}", order.append, f"member{n}")
    worker.submit("outbox", order.append, "outbox", urgent=True)
    gate.set()
    assert worker.wait_idle(5)
    assert order[0] == "outbox" and len(order) == 21
    worker.stop()


def test_a_stop_drops_queued_work_and_lets_running_work_finish():
    worker = Worker(threads=2)
    started, release, finished = threading.Event(), threading.Event(), []
    worker.submit("A", lambda: (started.set(), release.wait(5), finished.append("running")))
    worker.submit("A", finished.append, "queued behind")
    worker.submit("B", finished.append, "B")
    assert started.wait(5) and worker.wait_idle(0.01) is False
    threading.Timer(0.2, release.set).start()
    began = time.monotonic()
    assert worker.stop(timeout=3), "the running task finished within the budget"
    assert time.monotonic() - began < 2
    assert "running" in finished and "queued behind" not in finished
    worker.submit("A", finished.append, "after the stop")
    assert "after the stop" not in finished


def test_a_stop_says_when_work_outlasts_its_budget():
    worker = Worker(threads=1)
    started, release = threading.Event(), threading.Event()
    worker.submit("A", lambda: (started.set(), release.wait(5)))
    assert started.wait(5)
    began = time.monotonic()
    assert worker.stop(timeout=0.3) is False
    assert time.monotonic() - began < 1
    release.set()
