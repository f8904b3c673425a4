"""`/checkin` subcommands, reminders, snooze, pause, the outbox and the App Home tab."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot import commands
from checkin.answers.runs import get_run
from checkin.ops.outbox import enqueue
from checkin.people import members
from tests.bot.conftest import settle, tick

pytestmark = pytest.mark.timeout(60)

PARIS_NINE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def ephemeral_texts(slack, user: str) -> list[str]:  # noqa: ANN001
    return [m.get("text", "") for m in slack.ephemerals(user)]


def run_command(slack, bot, user: str, line: str):  # noqa: ANN001, ANN201
    ack = slack.user(user).runs(line)
    settle(slack, bot)
    return ack


def test_help_and_unknown_subcommands_answer_in_the_ack(slack, bot):  # noqa: ANN001
    ack = run_command(slack, bot, "U001", "/checkin help")
    assert ack.payload["response_type"] == "ephemeral"
    for word in ("pause", "resume", "skip", "send"):
        assert f"/checkin {word}" in ack.payload["text"]
    ack = run_command(slack, bot, "U001", "/checkin dance")
    assert ack.payload["text"].startswith("I do not know `dance`")
    assert "/checkin pause" in ack.payload["text"]
    assert ack.latency < 1.0


def test_another_module_adds_a_subcommand(slack, bot):  # noqa: ANN001
    seen = []

    def report(ctx, body, args, respond):  # noqa: ANN001, ANN202
        seen.append(args)
        respond(text=f"report for {args}")

    commands.add_subcommand("zz-report", report, "the weekly summary")
    try:
        assert "zz-report" in run_command(slack, bot, "U001", "/checkin help").payload["text"]
        run_command(slack, bot, "U001", "/checkin zz-report last week")
        assert seen == ["last week"]
        assert "report for last week" in ephemeral_texts(slack, "U001")
    finally:
        commands._SUBCOMMANDS.pop("zz-report")


def test_pause_until_a_date_then_resume(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    run_command(slack, bot, "U001", "/checkin pause until 2026-12-24")
    conn = bot.ctx.conn
    assert members.get_member(conn, "U001")["paused_until"] == "2026-12-24"
    assert get_run(conn, 1)["status"] == "skipped", "today's run is not counted missing"
    assert any(
        "paused until Thursday 24 December 2026" in t for t in ephemeral_texts(slack, "U001")
    )
    clock.set(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))  # Wednesday, still away
    tick(bot)
    assert conn.execute("SELECT COUNT(*) FROM runs WHERE member_id = 'U001'").fetchone()[0] == 1
    run_command(slack, bot, "U001", "/checkin resume")
    assert members.get_member(conn, "U001")["paused_until"] is None
    clock.set(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    tick(bot)
    assert conn.execute("SELECT COUNT(*) FROM runs WHERE member_id = 'U001'").fetchone()[0] == 2


def test_pause_with_a_past_date_is_refused(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    run_command(slack, bot, "U001", "/checkin pause until 2026-01-01")
    assert any("has passed" in t for t in ephemeral_texts(slack, "U001"))


def test_pause_from_the_question_opens_a_datepicker(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    slack.user("U001").clicks("Pause until…")
    settle(slack, bot)
    view = slack.open_view("U001")
    assert view["callback_id"] == "pause"
    ack = slack.user("U001").submits_modal({"until": "2026-11-01"})
    assert ack.payload["response_action"] == "errors"
    slack.user("U001").submits_modal({"until": "2026-12-04"})
    settle(slack, bot)
    conn = bot.ctx.conn
    assert members.get_member(conn, "U001")["paused_until"] == "2026-12-04"
    assert get_run(conn, 1)["status"] == "skipped"
    question = next(m for m in slack.dm("U001") if m["text"].startswith("Hi "))
    assert not any(b["type"] == "actions" for b in question["blocks"]), "no buttons left"


def test_skip_today_by_button_and_by_command(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    slack.user("U001").clicks("Skip today")
    settle(slack, bot)
    run_command(slack, bot, "U004", "/checkin skip")
    conn = bot.ctx.conn
    runs = dict(conn.execute("SELECT member_id, status FROM runs").fetchall())
    assert runs["U001"] == "skipped" and runs["U004"] == "skipped"
    assert "Skipped today's check-in." in ephemeral_texts(slack, "U004")
    clock.advance(hours=3)
    tick(bot)
    reminded = conn.execute("SELECT member_id FROM events WHERE kind = 'reminder_sent'").fetchall()
    assert [r[0] for r in reminded] == ["U003"], "only Kolkata's run is still open"


def test_snooze_asks_again_an_hour_later(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    slack.user("U001").clicks("Snooze 1 h")
    settle(slack, bot)
    assert "Snoozed: I will ask again at 10:00" in slack.dm("U001")[0]["text"]
    clock.advance(minutes=59)
    tick(bot)
    assert len(slack.dm("U001")) == 1
    clock.advance(minutes=2)
    tick(bot)
    assert slack.dm("U001")[-1]["text"].startswith("Back from your snooze")
    slack.user("U001").clicks("good")
    settle(slack, bot)
    assert bot.ctx.conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 1


def test_one_reminder_then_the_window_closes_and_late_answers_are_marked(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    slack.user("U004").clicks("good")
    settle(slack, bot)
    clock.advance(minutes=119)
    tick(bot)
    assert not any("reminder" in m["text"] for m in slack.dm("U001"))
    clock.advance(minutes=2)
    tick(bot)
    tick(bot)
    reminders = [m for m in slack.dm("U001") if "gentle reminder" in m["text"]]
    assert len(reminders) == 1
    assert len([m for m in slack.dm("U004") if "gentle reminder" in m["text"]]) == 1
    clock.set(datetime(2026, 11, 30, 23, 0, tzinfo=UTC))  # midnight in Paris: window over
    tick(bot)
    conn = bot.ctx.conn
    assert get_run(conn, 1)["status"] == "closed"
    slack.user("U001").clicks("okay")
    settle(slack, bot)
    assert tuple(
        conn.execute("SELECT text, late FROM answers WHERE member_id = 'U001'").fetchone()
    ) == ("okay", 1)


def test_admins_send_a_checkin_now_through_the_outbox(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE + timedelta(hours=8))  # 17:00 in Paris: today's run time has passed
    run_command(slack, bot, "U002", "/checkin send daily")
    assert any("Only workspace admins" in t for t in ephemeral_texts(slack, "U002"))
    slack.workspace.users["U002"]["is_admin"] = True
    members.upsert_member(
        bot.ctx.conn, "U002", name="bob", is_admin=True, tz="America/New_York", clock=clock
    )
    run_command(slack, bot, "U002", "/checkin send daily")
    conn = bot.ctx.conn
    row = conn.execute("SELECT kind, status FROM outbox").fetchone()
    assert tuple(row) == ("send_checkin", "pending")
    tick(bot)
    assert tuple(conn.execute("SELECT status, error FROM outbox").fetchone()) == ("done", None)
    for user in ("U001", "U002", "U003", "U004", "U005"):
        assert sum(m["text"].startswith("Hi ") for m in slack.dm(user)) == 1


def test_someone_in_checkin_admins_may_send_a_checkin_now(slack, make_bot, clock):  # noqa: ANN001
    bot = make_bot(admins=("U003",))  # CHECKIN_ADMINS; Slack does not call U003 an admin
    assert not slack.workspace.users["U003"]["is_admin"]
    clock.set(PARIS_NINE + timedelta(hours=8))
    run_command(slack, bot, "U003", "/checkin send daily")
    conn = bot.ctx.conn
    assert tuple(conn.execute("SELECT kind, status FROM outbox").fetchone()) == (
        "send_checkin",
        "pending",
    )
    assert any("Sending *daily* now" in t for t in ephemeral_texts(slack, "U003"))
    tick(bot)
    assert sum(m["text"].startswith("Hi ") for m in slack.dm("U001")) == 1


def test_a_plain_member_may_not_send_a_checkin_now(slack, make_bot, clock):  # noqa: ANN001
    bot = make_bot(admins=("U003",))
    clock.set(PARIS_NINE + timedelta(hours=8))
    run_command(slack, bot, "U002", "/checkin send daily")
    assert any("Only workspace admins" in t for t in ephemeral_texts(slack, "U002"))
    assert bot.ctx.conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0


def test_an_outbox_row_for_an_unknown_checkin_fails_with_the_reason(bot, clock):  # noqa: ANN001
    enqueue(bot.ctx.conn, "send_checkin", {"checkin": "nope", "members": []}, clock=clock)
    tick(bot)
    status, error = bot.ctx.conn.execute("SELECT status, error FROM outbox").fetchone()
    assert status == "failed" and "no check-in named 'nope'" in error


def test_the_home_tab_shows_next_checkin_pause_answers_and_streak(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    for label in ("good", "office"):
        slack.user("U001").clicks(label)
        settle(slack, bot)
    settle(slack, bot, slack.user("U001").types("Docs"))
    settle(slack, bot, slack.user("U001").types("2"))
    settle(slack, bot, slack.user("U001").opens_home())
    home = slack.home("U001")
    text = "\n".join(str(b.get("text", {}).get("text", "")) for b in home["blocks"])
    assert "*daily*: next on Tue 1 Dec, 09:00 (Europe/Paris)" in text
    assert "Streak:* 1 check-in day answered in a row" in text
    assert "Docs" in text
    slack.user("U001").clicks("Pause until…")
    settle(slack, bot)
    slack.user("U001").submits_modal({"until": "2026-12-10"})
    settle(slack, bot)
    home = slack.home("U001")
    text = "\n".join(str(b.get("text", {}).get("text", "")) for b in home["blocks"])
    assert "paused until *Thursday 10 December 2026*" in text
    assert "next on Fri 11 Dec, 09:00" in text
    slack.user("U001").clicks("Resume now")
    settle(slack, bot)
    assert members.get_member(bot.ctx.conn, "U001")["paused_until"] is None
    assert date(2026, 12, 1)  # the next run is tomorrow again
    text = "\n".join(str(b.get("text", {}).get("text", "")) for b in slack.home("U001")["blocks"])
    assert "next on Tue 1 Dec, 09:00" in text


def test_next_morning_chatter_is_not_stored_as_yesterdays_late_answer(slack, bot, clock):  # noqa: ANN001
    clock.set(PARIS_NINE)
    tick(bot)
    slack.user("U001").clicks("good")
    settle(slack, bot)
    slack.user("U001").clicks("home")
    settle(slack, bot)  # the text question is shown now
    clock.set(datetime(2026, 11, 30, 23, 0, tzinfo=UTC))  # midnight in Paris: the run closes
    tick(bot)
    conn = bot.ctx.conn
    assert get_run(conn, 1)["status"] == "closed"
    clock.set(datetime(2026, 12, 1, 7, 0, tzinfo=UTC))  # Tuesday 08:00 in Paris
    settle(slack, bot, slack.user("U001").types("good morning!"))
    assert conn.execute("SELECT COUNT(*) FROM answers WHERE question_id = 3").fetchone()[0] == 0
    assert slack.dm("U001")[-1]["text"].startswith("Nothing to answer right now")
    clock.set(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))  # 00:30: within the hour's grace
    settle(slack, bot, slack.user("U001").types("Release notes"))
    row = conn.execute("SELECT text, late FROM answers WHERE question_id = 3").fetchone()
    assert tuple(row) == ("Release notes", 1)


def test_a_click_keeps_its_meaning_when_the_options_are_reordered_mid_day(slack, bot, clock):  # noqa: ANN001
    from checkin.checkins.definitions import import_definitions, parse_toml
    from tests.bot.conftest import STORY

    clock.set(PARIS_NINE)
    tick(bot)
    slack.user("U001").clicks("good")
    settle(slack, bot)
    reordered = STORY.replace(
        '["office", "home", "travelling"]', '["travelling", "office", "home"]'
    )
    import_definitions(bot.ctx.conn, parse_toml(reordered), clock=clock)
    slack.user("U001").clicks("home")  # the button posted before the re-import
    settle(slack, bot)
    row = bot.ctx.conn.execute(
        "SELECT text FROM answers WHERE question_text = 'Where are you working from?'"
    ).fetchone()
    assert row["text"] == "home"


def test_an_outbox_row_still_running_here_is_never_taken_again(slack, bot, clock):  # noqa: ANN001
    import threading

    from bot import outbox

    started, release, runs = threading.Event(), threading.Event(), []

    def slow(ctx, payload) -> None:  # noqa: ANN001
        runs.append(payload)
        started.set()
        release.wait(10)

    feature = type("F", (), {"OUTBOX": {"send_checkin": slow}})
    enqueue(bot.ctx.conn, "send_checkin", {"n": 1}, clock=clock)
    assert outbox.work(bot.ctx, [feature]) == 1
    assert started.wait(5)
    clock.advance(minutes=10)  # far past the 5 minutes after which a crashed bot's row is taken
    assert outbox.work(bot.ctx, [feature]) == 0, "ours, still running: not taken twice"
    release.set()
    settle(slack, bot)
    assert runs == [{"n": 1}]
    assert bot.ctx.conn.execute("SELECT status FROM outbox").fetchone()[0] == "done"
