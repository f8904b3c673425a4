"""Modals open on the listener's path, within the trigger_id's 3 s, however busy the member's queue."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from tests.bot.conftest import settle, tick

pytestmark = pytest.mark.timeout(60)

PARIS_NINE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def busy(bot, member: str) -> threading.Event:  # noqa: ANN001
    """Hold the member's queue until the returned event is set."""
    started, release = threading.Event(), threading.Event()
    bot.ctx.defer(member, lambda: (started.set(), release.wait(20)))
    assert started.wait(5)
    return release


def test_the_pause_modal_opens_while_the_member_s_queue_is_busy(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    release = busy(bot, "U001")
    try:
        slack.user("U001").clicks("Pause until…")
        slack.wait_until(lambda: slack.open_view("U001") is not None, 2.5, "the modal")
    finally:
        release.set()
    settle(slack, bot)
    assert not any(c.response.get("error") == "expired_trigger_id" for c in slack.api_log)


def test_the_pause_command_opens_its_modal_at_once(slack, bot, clock):  # noqa: ANN001
    release = busy(bot, "U001")
    try:
        slack.user("U001").runs("/checkin pause")
        slack.wait_until(lambda: slack.open_view("U001") is not None, 2.5, "the modal")
    finally:
        release.set()
    settle(slack, bot)


def test_the_edit_modal_opens_while_the_member_s_queue_is_busy(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    for label in ("good", "office"):
        slack.user("U001").clicks(label)
        settle(slack, bot)
    settle(slack, bot, slack.user("U001").types("Planning"))
    settle(slack, bot, slack.user("U001").types("3"))
    release = busy(bot, "U001")
    try:
        slack.user("U001").clicks("Edit answers")
        slack.wait_until(lambda: slack.open_view("U001") is not None, 2.5, "the modal")
    finally:
        release.set()
    settle(slack, bot)
