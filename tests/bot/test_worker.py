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
