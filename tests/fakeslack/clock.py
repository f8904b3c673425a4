"""A clock a test moves by hand, for trigger_id expiry, ack deadlines and rate-limit windows."""

from __future__ import annotations

import threading


class ManualClock:
    """Callable like time.monotonic, but only `advance()` moves it."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds
