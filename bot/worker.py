"""The work a listener hands off after its ack: in order per member, in parallel across members.

A member who types two answers quickly gets them stored in the order typed;
two members never wait for each other. Threads are daemons so a stop never
hangs on a Slack call in flight.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from checkin.clock import Clock, system_clock

Task = tuple[Callable[..., Any], tuple[Any, ...]]


class RetryLater(Exception):  # noqa: N818 - a request, not an error
    """Raised by a task to be run again after `delay` seconds, ahead of the key's later work.

    The key's later tasks wait behind it (a member's requests stay in order);
    other keys carry on meanwhile, and no thread sleeps.
    """

    def __init__(self, delay: float) -> None:
        super().__init__(f"retry in {delay}s")
        self.delay = delay


class Worker:
    def __init__(
        self,
        threads: int = 8,
        logger: logging.Logger | None = None,
        *,
        clock: Clock = system_clock,
        on_done: Callable[[], None] | None = None,
    ) -> None:
        """`on_done`: called after every finished task (the bot's health watch counts them)."""
        self.logger = logger or logging.getLogger("checkin.bot")
        self.clock = clock
        self.on_done = on_done
        self._began: dict[str, datetime] = {}  # key -> when the task running for it began
        self._ready: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._urgent: deque[str] = deque()  # keys taken before any in _ready (the outbox)
        self._pending: dict[str, deque[Task]] = {}
        self._running: set[str] = set()  # keys a thread is draining now
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._closed = False
        self._threads = [
            threading.Thread(target=self._loop, name=f"work-{n}", daemon=True)
            for n in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, key: str, fn: Callable[..., Any], *args: Any, urgent: bool = False) -> None:
        """Queue `fn(*args)` after the other work for `key`. An `urgent` key is taken by the
        next free thread before every other waiting key (a fan-out does not hold it up)."""
        with self._lock:
            if self._closed:
                self.logger.warning("stopping: dropped work %s for %s", _name(fn), key)
                return
            tasks = self._pending.get(key)
            if tasks is not None:
                tasks.append((fn, args))
                return
            self._pending[key] = deque([(fn, args)])
            if urgent:
                self._urgent.append(key)
        self._ready.put("" if urgent else key)  # "": take the oldest urgent key

    def _loop(self) -> None:
        while True:
            key = self._next()
            if key is None:
                return
            self._drain(key)

    def _next(self) -> str | None:
        while True:
            key = self._ready.get()
            if key is None:
                return None
            with self._lock:
                if self._urgent:
                    # Urgent keys first, whichever wake-up this is; the key this wake-up
                    # was for goes back to the queue (it is still pending).
                    first = self._urgent.popleft()
                    if key:
                        self._ready.put(key)
                    self._running.add(first)
                    return first
                if key and key in self._pending:
                    self._running.add(key)
                    return key
            # an urgent wake-up whose key another thread took, or work dropped at a stop

    def _drain(self, key: str) -> None:
        while True:
            with self._lock:
                tasks = self._pending[key]
                if not tasks:
                    del self._pending[key]
                    self._running.discard(key)
                    self._idle.notify_all()
                    return
                fn, args = tasks[0]
                self._began[key] = self.clock()
            try:
                fn(*args)
            except RetryLater as later:
                with self._lock:
                    self._began.pop(key, None)
                self._park(key, later.delay)
                return
            except Exception:
                self.logger.exception("work %s for %s failed", _name(fn), key)
            with self._lock:
                tasks.popleft()
                self._began.pop(key, None)
            if self.on_done is not None:
                self.on_done()

    def _park(self, key: str, delay: float) -> None:
        """Leave `key`'s first task at the head of its queue and take the key up again later."""
        with self._lock:
            self._running.discard(key)
        timer = threading.Timer(max(0.0, delay), self._ready.put, args=(key,))
        timer.daemon = True
        timer.start()

    def busy_since(self) -> datetime | None:
        """When the longest-running task still running began; None when none runs."""
        with self._lock:
            return min(self._began.values(), default=None)

    def alive(self) -> bool:
        """Whether every worker thread still runs (they end only at a stop)."""
        return self._closed or all(thread.is_alive() for thread in self._threads)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """True once no work is queued or running (tests and a clean stop use it)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._pending, timeout)

    def stop(self, timeout: float = 2.0) -> bool:
        """Take no new work, drop what has not started, let what runs finish within `timeout`.

        Dropped work is found again by the next start: a kept request is
        replayed from the inbox, a send or an owed post by the first tick.
        True when nothing was still running at the end (the caller may then
        close what the work uses).
        """
        with self._lock:
            self._closed = True
            dropped = 0
            for key in list(self._pending):
                tasks = self._pending[key]
                keep = 1 if key in self._running else 0
                while len(tasks) > keep:
                    tasks.pop()
                    dropped += 1
                if not tasks:
                    del self._pending[key]
            self._urgent.clear()
            self._idle.notify_all()
        if dropped:
            self.logger.info("stopping: %s queued task(s) left for the next start", dropped)
        idle = self.wait_idle(timeout)
        for _ in self._threads:
            self._ready.put(None)
        return idle


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__name__", repr(fn))
