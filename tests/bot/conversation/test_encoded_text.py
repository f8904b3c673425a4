"""Slack delivers typed text encoded (`&amp;`, `<https://…>`, `<@U001>`): what is kept is what was typed."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest

from checkin import cli
from tests.bot.conftest import bot_config, settle, tick

pytestmark = pytest.mark.timeout(60)

PARIS_NINE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
TYPED = "R&D <team> & co, see https://example.com/?a=1&b=2"


def answer_text_question(slack, bot, clock, text: str) -> None:  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    slack.user("U001").clicks("good")
    settle(slack, bot)
    slack.user("U001").clicks("office")
    settle(slack, bot)
    settle(slack, bot, slack.user("U001").types(text))


def test_typed_text_is_stored_reported_and_exported_exactly_as_typed(
    slack, bot, clock, story_db, capsys, tmp_path
):  # noqa: ANN001
    answer_text_question(slack, bot, clock, TYPED)
    (event,) = [
        a for a in slack.sent_envelopes if a["payload"].get("event", {}).get("type") == "message"
    ]
    assert event["payload"]["event"]["text"] == (
        "R&amp;D &lt;team&gt; &amp; co, see <https://example.com/?a=1&amp;b=2>"
    ), "the fake delivers it as Slack does"

    (stored,) = bot.ctx.conn.execute("SELECT text FROM answers WHERE text LIKE 'R%'").fetchone()
    assert stored == TYPED

    config = bot_config(slack, story_db)
    base = ["report", "--checkin", "daily", "--week", "2026-W49"]
    assert cli.main([*base, "--format", "json"], config=config) == 0
    assert TYPED in json.dumps(json.loads(capsys.readouterr().out), ensure_ascii=False)

    assert cli.main([*base, "--format", "md"], config=config) == 0
    markdown = capsys.readouterr().out
    assert "&amp;" not in markdown
    assert TYPED in re.sub(r"\\(.)", r"\1", markdown), "Markdown escapes, then reads as typed"

    out = tmp_path / "week.csv"
    assert cli.main([*base, "--format", "csv", "--out", str(out)], config=config) == 0
    cells = [cell for row in csv.reader(io.StringIO(out.read_text())) for cell in row]
    assert TYPED in cells


def test_a_mention_is_stored_as_the_member_s_name(slack, bot, clock):  # noqa: ANN001
    answer_text_question(slack, bot, clock, "pairing with @bob in #team, ask @leads")
    stored = bot.ctx.conn.execute(
        "SELECT text FROM answers WHERE member_id = 'U001' AND text LIKE 'pairing%'"
    ).fetchone()[0]
    assert stored == "pairing with @bob in #team, ask @leads"


def test_the_answered_message_shows_the_typed_text_as_typed(slack, bot, clock):  # noqa: ANN001
    answer_text_question(slack, bot, clock, "A & B <c>")
    (update,) = [c for c in slack.calls("chat.update", ok=True) if "B" in json.dumps(c)]
    echo = [b for b in update["blocks"] if b.get("text", {}).get("type") == "plain_text"]
    assert [b["text"]["text"] for b in echo] == ["A & B <c>"], "plain text: shown as it is"
    assert update["text"].endswith(": A &amp; B &lt;c&gt;"), "the mrkdwn fallback: escaped once"
