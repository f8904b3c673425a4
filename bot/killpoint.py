"""Named steps where a test may have the bot killed (SIGKILL), to prove nothing is lost.

`python -m bot` reads `CHECKIN_TEST_KILL_AT` once at start (`arm`): a comma
separated list of `step:n`, e.g. `answer_stored:2`, meaning "kill this process
the 2nd time it reaches `answer_stored`". Unset (always, outside tests), `reached`
does nothing. The steps: `inbox_kept` (a request kept, before its ack),
`answer_stored` (an answer's transaction committed), `<event_type>_posted`
(Slack took a post carrying that metadata, e.g. `checkin_question_posted`,
`checkin_recap_posted`, before the database knows). Not a setting: only
`tests/bot/test_kill_steps.py` sets it.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections import Counter
from collections.abc import Mapping

ENV = "CHECKIN_TEST_KILL_AT"

log = logging.getLogger("checkin.bot")
_armed: dict[str, int] = {}
_reached: Counter[str] = Counter()
_lock = threading.Lock()


def arm(environ: Mapping[str, str]) -> None:
    """Read `CHECKIN_TEST_KILL_AT` (at start; a bad entry is ignored with a warning)."""
    _armed.clear()
    _reached.clear()
    for entry in (environ.get(ENV) or "").split(","):
        step, _, nth = entry.strip().rpartition(":")
        if step and nth.isdigit() and int(nth) > 0:
            _armed[step] = int(nth)
        elif entry.strip():
            log.warning("%s: %r is not step:n; ignored", ENV, entry)


def reached(step: str) -> None:
    """The process reached `step`: killed here if a test armed it for this time."""
    if not _armed:
        return
    with _lock:
        _reached[step] += 1
        if _reached[step] != _armed.get(step):
            return
    # Not through logging: the bot quiets its logger while it starts, and a replay may get here.
    print(f"{ENV}: killed at {step}:{_armed[step]}", file=sys.stderr, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
