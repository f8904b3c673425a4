"""Standup mode across `kill -9`: a bot killed while the day's message or a member's post is
in flight, or right after a member's last answer, and started again at once, posts nothing
twice and loses nothing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.conversation import broadcasting
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.db import connection
from tests.bot.test_restart import Bots, run_cli

pytestmark = pytest.mark.timeout(120)

# U002 is its only participant (not a development user: never asked); the members below are
# sent it by hand, at any hour of any day, so the test does not depend on the date.
STANDUP = """
[[checkin]]
name = "standup"
days = ["mon"]
time = "09:00"
participants = ["U002"]
broadcast = "#team"

[[checkin.question]]
text = "What did you do yesterday?"
kind = "text"

[[checkin.question]]
text = "Anything blocking you?"
kind = "choice"
options = ["nothing", "something"]
"""
MEMBERS = ("U001", "U004", "U005")


@pytest.fixture
def bots(slack, db_path: Path, tmp_path):  # noqa: ANN001, ANN201
    conn = connection.connect(db_path)
    import_definitions(conn, parse_toml(STANDUP))
    conn.close()
    b = Bots(slack, db_path, tmp_path)
    b.env.update(CHECKIN_DEV_USERS=",".join(MEMBERS), CHECKIN_TICK_SECONDS="0.5")
    yield b
    if b.proc is not None and b.proc.poll() is None:
        b.proc.kill()
        b.proc.communicate()


def questions(slack, member: str) -> int:  # noqa: ANN001
    return sum(
        1
        for m in slack.dm(member)
        if (m.get("metadata") or {}).get("event_type") == "checkin_question"
    )


def channel(slack) -> tuple[list[dict], list[dict]]:  # noqa: ANN001
    """The day's messages and the members' posts in #team."""
    messages = slack.history("#team")
    kinds = [(m.get("metadata") or {}).get("event_type") for m in messages]
    days = [m for m, k in zip(messages, kinds, strict=True) if k == broadcasting.METADATA_DAY]
    posts = [m for m, k in zip(messages, kinds, strict=True) if k == broadcasting.METADATA_POST]
    return days, posts


def to_last_question(slack, member: str, text: str) -> None:  # noqa: ANN001
    slack.user(member).types(text)
    slack.wait_until(lambda: questions(slack, member) == 2, 20, f"{member}'s second question")


def test_a_kill_at_each_step_of_a_standup_post_and_a_restart_post_nothing_twice(
    slack, bots, tmp_path
) -> None:  # noqa: ANN001
    bots.start()
    for member in MEMBERS:
        assert run_cli(bots.env, tmp_path, "send", "standup", "--member", member).returncode == 0
    for member in MEMBERS:
        slack.wait_until(lambda m=member: questions(slack, m) == 1, 20, f"{member} is asked")

    # killed while the day's message is in flight: Slack has it, the bot never hears back
    to_last_question(slack, "U001", "Fixed the build")
    slack.fail("chat.postMessage", "timeout", applied=True, hang=60, match={"channel": "C0002"})
    slack.user("U001").clicks("nothing")
    slack.wait_until(lambda: len(channel(slack)[0]) == 1, 20, "the day's message")
    bots.restart()
    slack.wait_until(lambda: len(channel(slack)[1]) == 1, 20, "Alice's post after the restart")

    # killed while a member's post is in flight: Slack has it
    to_last_question(slack, "U004", "Reviewed PRs")
    slack.fail("chat.postMessage", "timeout", applied=True, hang=60, match={"channel": "C0002"})
    slack.user("U004").clicks("something")
    slack.wait_until(lambda: len(channel(slack)[1]) == 2, 20, "Dmitri's post")
    bots.restart()

    # killed right after the last answer is acknowledged, before its work could run
    to_last_question(slack, "U005", "Support rotation")
    slack.user("U005").clicks("nothing")
    bots.restart()
    slack.wait_until(lambda: len(channel(slack)[1]) == 3, 20, "Emma's post after the restart")
    time.sleep(1.5)  # three ticks: a second post of anything would be made by now
    bots.stop()

    days, posts = channel(slack)
    assert len(days) == 1, "the day's message once"
    names = [p["blocks"][0]["text"]["text"] for p in posts]
    assert names == ["*Alice Moreau*", "*Dmitri Volkov*", "*Emma Larsen*"], "each member once"
    assert {p["thread_ts"] for p in posts} == {days[0]["ts"]}
    conn = connection.connect(bots.path)
    try:
        rows = conn.execute(
            "SELECT status, message_ts FROM broadcasts ORDER BY member_id"  # U001, U004, U005
        ).fetchall()
        day = conn.execute("SELECT status, message_ts FROM broadcast_days").fetchone()
    finally:
        conn.close()
    assert [tuple(r) for r in rows] == [("posted", p["ts"]) for p in posts]
    assert tuple(day) == ("posted", days[0]["ts"])
