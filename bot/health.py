"""Whether each of the bot's loops still completes: what `python -m bot` watches.

Each loop (the scheduler tick, the heartbeat, the outbox poll, the member
queues) says `done(name)` when it completes a pass. A loop is stale when its
thread has died, or when it has not completed for longer than it is allowed;
the watchdog in `bot.app.main` then logs one line and exits non-zero, so the
supervisor starts a fresh bot, which picks up everything kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from checkin.clock import Clock, iso
from checkin.ops.heartbeat import LOOP_NAMES


@dataclass(frozen=True)
class Stale:
    loop: str
    since: datetime  # when it last completed (or was started, if it never did)
    allowed: timedelta
    dead: bool  # its thread has ended

    def line(self, now: datetime) -> str:
        """The one line the bot logs before it exits."""
        age = int((now - self.since).total_seconds())
        why = (
            "its thread has died" if self.dead else f"allowed {int(self.allowed.total_seconds())}s"
        )
        return (
            f"the bot's {LOOP_NAMES.get(self.loop, self.loop)} loop has not completed since "
            f"{iso(self.since)} ({age}s ago; {why}); exiting so the supervisor starts a fresh bot"
        )


@dataclass
class _Loop:
    allowed: timedelta
    last: datetime
    alive: Callable[[], bool]
    busy_since: Callable[[], datetime | None] | None = None


class Loops:
    """The loops a running bot expects, and when each last completed (on the injected clock)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._loops: dict[str, _Loop] = {}
        self._lock = threading.Lock()

    def expect(
        self,
        name: str,
        allowed: float,
        alive: Callable[[], bool] = lambda: True,
        busy_since: Callable[[], datetime | None] | None = None,
    ) -> None:
        """Watch `name` from now on: stale once it goes `allowed` seconds without `done`.

        `busy_since`: for a loop that may rightly sit idle (the member queues),
        when its oldest unfinished piece of work began, or None when it has none;
        it is then stale only when that work has run for longer than `allowed`.
        """
        with self._lock:
            self._loops[name] = _Loop(timedelta(seconds=allowed), self.clock(), alive, busy_since)

    def done(self, name: str) -> None:
        with self._lock:
            loop = self._loops.get(name)
            if loop is not None:
                loop.last = self.clock()

    def stale(self, now: datetime | None = None) -> list[Stale]:
        """The loops that are dead or overdue, oldest first; empty when all is well."""
        now = now or self.clock()
        out = []
        with self._lock:
            loops = dict(self._loops)
        for name, loop in loops.items():
            since = loop.last
            if loop.busy_since is not None:
                busy = loop.busy_since()
                since = busy if busy is not None else now
            if not loop.alive():
                out.append(Stale(name, loop.last, loop.allowed, dead=True))
            elif now - since > loop.allowed:
                out.append(Stale(name, since, loop.allowed, dead=False))
        return sorted(out, key=lambda s: s.since)

    def detail(self) -> dict[str, dict]:
        """For the heartbeat row: each loop's last completion and how long it may go without one."""
        with self._lock:
            loops = dict(self._loops)
        out = {}
        for name, loop in loops.items():
            busy = loop.busy_since() if loop.busy_since is not None else None
            out[name] = {
                "last": iso(loop.last),
                "allowed_s": int(loop.allowed.total_seconds()),
                "busy_since": iso(busy) if busy is not None else None,
                "alive": loop.alive(),
            }
        return out
