"""The whole conversation, five members in five time zones, through the real slack_bolt code."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from checkin.clock import iso
from tests.bot.conftest import settle, tick

pytestmark = pytest.mark.timeout(60)

# Monday 2026-11-30: each member's 09:00, in UTC
NINE = {
    "U003": datetime(2026, 11, 30, 3, 30, tzinfo=UTC),  # Asia/Kolkata
    "U001": datetime(2026, 11, 30, 8, 0, tzinfo=UTC),  # Europe/Paris
    "U004": datetime(2026, 11, 30, 8, 0, tzinfo=UTC),  # Europe/Berlin
    "U002": datetime(2026, 11, 30, 14, 0, tzinfo=UTC),  # America/New_York
    "U005": datetime(2026, 11, 30, 17, 0, tzinfo=UTC),  # America/Los_Angeles
}
RTL = "Fixing the build 🚀 — مرحبا بالعالم"


def first_questions(slack, user: str) -> list[dict]:  # noqa: ANN001
    """Greetings (first questions) the bot posted to `user`."""
    return [m for m in slack.dm(user) if m["text"].startswith("Hi ")]


def metadata(call: dict) -> dict:
    raw = call.get("metadata") or {}
    return json.loads(raw) if isinstance(raw, str) else raw


def answers(conn) -> dict[tuple[str, str], tuple]:  # noqa: ANN001
    rows = conn.execute(
        "SELECT member_id, question_text, text, number, skipped, answered_at FROM answers"
    ).fetchall()
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}


def test_five_members_in_five_zones_answer_once_each(slack, bot, clock):  # noqa: ANN001
    conn = bot.ctx.conn
    when: dict[str, datetime] = {}

    def at(moment: datetime) -> None:
        clock.set(moment)
        tick(bot)

    def click(user: str, label: str) -> None:
        ack = slack.user(user).clicks(label)
        assert ack.latency < 1.0
        settle(slack, bot)

    def type_(user: str, text: str) -> None:
        settle(slack, bot, slack.user(user).types(text))

    at(NINE["U003"] - timedelta(minutes=1))
    assert not any(slack.dm(u) for u in NINE), "nobody is asked before their 09:00"

    # Kolkata first: everything answered straight away
    at(NINE["U003"])
    assert len(first_questions(slack, "U003")) == 1
    assert not any(first_questions(slack, u) for u in ("U001", "U002", "U004", "U005"))
    clock.advance(minutes=3)
    when["U003"] = clock()
    click("U003", "great")
    click("U003", "home")
    type_("U003", "Planning the offsite")
    type_("U003", "6")

    # Paris and Berlin share 08:00 UTC; Paris skips the text question
    at(NINE["U001"])
    assert len(first_questions(slack, "U001")) == 1
    assert len(first_questions(slack, "U004")) == 1
    when["U001"] = when["U004"] = clock()
    click("U001", "good")
    click("U001", "office")
    click("U001", "Skip question")
    type_("U001", "4.5")

    # Berlin types a word where a number belongs, then the number
    click("U004", "okay")
    click("U004", "travelling")
    type_("U004", "reviews")
    type_("U004", "lots")
    assert slack.dm("U004")[-1]["text"].startswith("Please answer with a number, like 7, 2.5")
    assert "4/4" in slack.dm("U004")[-2]["text"], "the number question stays open"
    type_("U004", "3")

    # New York answers in emoji and right-to-left text, then edits two answers
    at(NINE["U002"])
    when["U002"] = clock()
    click("U002", "bad")
    click("U002", "home")
    type_("U002", RTL)
    type_("U002", "2")
    clock.advance(minutes=10)
    edited_at = clock()
    click("U002", "Edit answers")
    assert slack.open_view("U002")["title"]["text"] == "Edit answers"
    slack.user("U002").submits_modal(
        {
            "What did you work on since last time?": "Fixing the build and the tests",
            "How are you feeling?": "good",
        }
    )
    settle(slack, bot)

    # Los Angeles, with a decimal comma
    at(NINE["U005"])
    when["U005"] = clock()
    click("U005", "awful")
    click("U005", "office")
    type_("U005", "Support rotation")
    type_("U005", "1,5")

    # the rest of the day: more ticks, reminders due for nobody, windows closing
    for hours in (1, 3, 6):  # until 23:00 UTC, before Kolkata's Tuesday 09:00
        at(NINE["U005"] + timedelta(hours=hours))

    feeling, where_, work, focus = (
        "How are you feeling?",
        "Where are you working from?",
        "What did you work on since last time?",
        "How many hours of focus time did you get?",
    )
    expected = {
        ("U003", feeling): ("great", 5.0, 0),
        ("U003", where_): ("home", None, 0),
        ("U003", work): ("Planning the offsite", None, 0),
        ("U003", focus): (None, 6.0, 0),
        ("U001", feeling): ("good", 4.0, 0),
        ("U001", where_): ("office", None, 0),
        ("U001", work): (None, None, 1),
        ("U001", focus): (None, 4.5, 0),
        ("U004", feeling): ("okay", 3.0, 0),
        ("U004", where_): ("travelling", None, 0),
        ("U004", work): ("reviews", None, 0),
        ("U004", focus): (None, 3.0, 0),
        ("U002", feeling): ("good", 4.0, 0),
        ("U002", where_): ("home", None, 0),
        ("U002", work): ("Fixing the build and the tests", None, 0),
        ("U002", focus): (None, 2.0, 0),
        ("U005", feeling): ("awful", 1.0, 0),
        ("U005", where_): ("office", None, 0),
        ("U005", work): ("Support rotation", None, 0),
        ("U005", focus): (None, 1.5, 0),
    }
    stored = answers(conn)
    assert {k: v[:3] for k, v in stored.items()} == expected
    assert conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 20
    for (member, _question), value in stored.items():
        assert value[3] == iso(when[member]), "each answer keeps its own timestamp"

    history = conn.execute(
        "SELECT a.question_text, h.text, h.number, h.answered_at, h.replaced_at "
        "FROM answer_history h JOIN answers a ON a.id = h.answer_id ORDER BY a.question_id"
    ).fetchall()
    assert [tuple(r) for r in history] == [
        (feeling, "bad", 2.0, iso(when["U002"]), iso(edited_at)),
        (work, RTL, None, iso(when["U002"]), iso(edited_at)),
    ]

    # nobody asked twice: one run each, one greeting each, no reminder for answered runs
    runs = conn.execute("SELECT member_id, status FROM runs ORDER BY member_id").fetchall()
    assert [tuple(r) for r in runs] == [(u, "answered") for u in sorted(NINE)]
    for user in NINE:
        assert len(first_questions(slack, user)) == 1
        greetings = [
            c
            for c in slack.calls("chat.postMessage")
            if metadata(c).get("event_payload", {}).get("question_id") == 1
            and c["channel"] == slack.workspace.dm_by_user[user]
        ]
        assert len(greetings) == 1
        assert slack.dm(user)[-1]["text"].startswith("Thanks! Your answers")
    events = dict(conn.execute("SELECT kind, COUNT(*) FROM events GROUP BY kind").fetchall())
    assert events["answer_stored"] == 20
    assert events["run_sent"] == 5
    assert "reminder_sent" not in events
    assert "api_error" not in events
    assert not slack.unanswered
