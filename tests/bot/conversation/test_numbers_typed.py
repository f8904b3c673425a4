"""Numbers typed in the DM: read as people write them, shown as people read them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.bot.conftest import settle, tick

pytestmark = pytest.mark.timeout(60)

PARIS_NINE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def said(slack, user: str = "U001") -> list[str]:  # noqa: ANN001
    return [m["text"] for m in slack.dm(user)]


def test_typed_numbers_superscripts_and_ambiguous_ones(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    settle(slack, bot, slack.user("U001").types("²"))  # on the scale question
    assert "Please pick one of the buttons above" in said(slack)[-1]
    slack.user("U001").clicks("good")
    settle(slack, bot)
    slack.user("U001").clicks("office")
    settle(slack, bot)
    settle(slack, bot, slack.user("U001").types("Planning"))
    settle(slack, bot, slack.user("U001").types("1.000,5"))
    assert "Please answer with a number, like 7, 2.5 or 1000.5" in said(slack)[-1]
    settle(slack, bot, slack.user("U001").types("1,234,567.5"))
    conn = bot.ctx.conn
    (number,) = conn.execute("SELECT number FROM answers WHERE number > 100").fetchone()
    assert number == 1234567.5
    update = slack.calls("chat.update", ok=True)[-1]
    assert update["text"].endswith(": 1,234,567.5"), "shown as people read it"
    recap = slack.dm("U001")[-1]
    assert "1,234,567.5" in json.dumps(recap["blocks"]) and "e+06" not in json.dumps(recap)

    slack.user("U001").clicks("Edit answers")
    settle(slack, bot)  # the modal opens beside the member's queue
    view = slack.open_view("U001")
    (number_input,) = [
        b for b in view["blocks"] if b.get("element", {}).get("type") == "number_input"
    ]
    assert number_input["element"]["initial_value"] == "1234567.5"
    slack.user("U001").submits_modal({"What did you work on since last time?": "Planning, more"})
    settle(slack, bot)
    assert conn.execute("SELECT number FROM answers WHERE number > 100").fetchone()[0] == 1234567.5


def test_a_thousand_with_a_comma_is_a_thousand(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    for label in ("good", "office"):
        slack.user("U001").clicks(label)
        settle(slack, bot)
    settle(slack, bot, slack.user("U001").types("Planning"))
    settle(slack, bot, slack.user("U001").types("1,000"))
    assert (
        bot.ctx.conn.execute(
            "SELECT number FROM answers WHERE number IS NOT NULL AND text IS NULL"
        ).fetchone()[0]
        == 1000.0
    )
