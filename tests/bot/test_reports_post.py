"""The weekly summary through the real bot against the fake Slack: scheduled post, command, outbox."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from bot import reports as bot_reports
from bot import scheduler
from checkin.answers import record, runs
from checkin.checkins import model
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.checkins.timing import MemberClock, Schedule, run_for
from checkin.clock import FakeClock
from checkin.db import connection
from checkin.ops import outbox
from checkin.ops.events import count_events
from checkin.people import members
from checkin.reports import build
from checkin.reports import charts as report_charts
from checkin.reports.posts import claim_owner, claim_report_post, get_report_post
from tests.bot.conftest import settle

pytestmark = pytest.mark.timeout(60)

WEEKLY = """
[[checkin]]
name = "weekly"
days = ["mon", "wed"]
time = "09:00"
timezone = "Europe/Berlin"
participants = ["U001", "U002", "U004"]
report_channel = "#team"
report = { day = "fri", time = "16:00" }
visibility = "team"  # a standup: the post and the command show everyone's answers

[[checkin.question]]
text = "How are you feeling?"
kind = "scale"
labels = ["awful", "bad", "okay", "good", "great"]

[[checkin.question]]
text = "What did you work on?"
kind = "text"
"""
# Friday 2026-12-04 16:00 in Berlin (CET) is 15:00 UTC; the report is for 2026-W49
REPORT_TIME = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
WEEK = "2026-W49"
PEOPLE = {"U001": "Alice Archer", "U002": "Bob Baker", "U004": "Dana Dune"}
ANSWERS = {  # (member, local date) → (scale, text)
    ("U001", date(2026, 11, 30)): (4, "Wrote the <!channel> report, *really*"),
    ("U001", date(2026, 12, 2)): (5, "Reviewed PRs"),
    ("U002", date(2026, 11, 30)): (2, "=1+1 in a spreadsheet"),
}


@pytest.fixture
def weekly_db(story_db):  # noqa: ANN001, ANN201
    """The story database plus a reported check-in with a week of answers (the story's is off)."""
    conn = connection.connect(story_db)
    clock = FakeClock(datetime(2026, 11, 29, tzinfo=UTC))
    conn.execute("UPDATE checkins SET active = 0 WHERE name = 'daily'")
    import_definitions(conn, parse_toml(WEEKLY), clock=clock)
    checkin = model.get_checkin(conn, "weekly")
    questions = [q["id"] for q in model.active_questions(conn, checkin["id"])]
    tz = {"U001": "Europe/Paris", "U002": "America/New_York", "U004": "Europe/Berlin"}
    for member, name in PEOPLE.items():
        members.upsert_member(
            conn, member, name=name.split()[0].lower(), real_name=name, tz=tz[member], clock=clock
        )
    for member in PEOPLE:
        for day in (date(2026, 11, 30), date(2026, 12, 2)):
            due = run_for(Schedule.of(checkin), MemberClock(member, tz[member]), day)
            clock.set(due.due_at)
            run_id = runs.create_run(
                conn, checkin["id"], due, questions, status="sending", clock=clock
            )
            runs.set_run_status(conn, run_id, "open", sent_at=due.due_at, clock=clock)
            if (member, day) in ANSWERS:
                scale, text = ANSWERS[(member, day)]
                clock.advance(minutes=20)
                record.record_answer(
                    conn, run_id, questions[0], text="x", number=scale, clock=clock
                )
                record.record_answer(conn, run_id, questions[1], text=text, clock=clock)
            else:
                runs.set_run_status(conn, run_id, "closed", clock=clock)
    conn.close()
    return story_db


def top_level(slack) -> list[dict]:  # noqa: ANN001
    return [m for m in slack.history("#team") if m.get("thread_ts", m["ts"]) == m["ts"]]


def replies(slack, ts: str) -> list[dict]:  # noqa: ANN001
    return [m for m in slack.history("#team") if m.get("thread_ts") == ts and m["ts"] != ts]


def at(bot, clock, moment: datetime, slack) -> None:  # noqa: ANN001
    clock.set(moment)
    scheduler.tick(bot.ctx)
    settle(slack, bot, timeout=20)


def test_scheduled_post_appears_once_with_chart_and_thread(
    slack, weekly_db, make_bot, clock
) -> None:  # noqa: ANN001, E501
    bot = make_bot()
    at(bot, clock, REPORT_TIME - timedelta(minutes=1), slack)
    assert top_level(slack) == []

    at(bot, clock, REPORT_TIME, slack)
    (post,) = top_level(slack)
    header = post["blocks"][0]
    assert header["type"] == "header" and "weekly: week of Mon 30 Nov" in header["text"]["text"]
    body = json.dumps(post["blocks"])
    assert "50% of check-ins answered (3 of 6)" in body
    assert "did not answer" in body and "Dana" not in body  # counted, not named
    thread = replies(slack, post["ts"])
    files = [m for m in thread if m.get("files")]
    assert len(files) == 1
    png = slack.file_bytes(files[0]["files"][0]["id"])
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    answers = json.dumps([m["blocks"] for m in thread if m.get("blocks")], ensure_ascii=False)
    assert "Reviewed PRs" in answers and "=1+1 in a spreadsheet" in answers
    # what a person typed is shown as plain text: a pasted <!channel> pings nobody
    mention = next(b for m in thread for b in m.get("blocks", []) if "channel" in json.dumps(b))
    assert mention["text"]["type"] == "plain_text"

    for seconds in (5, 10, 3600):
        at(bot, clock, REPORT_TIME + timedelta(seconds=seconds), slack)
    assert len(top_level(slack)) == 1
    conn = bot.ctx.conn
    row = get_report_post(conn, model.get_checkin(conn, "weekly")["id"], WEEK)
    assert (row["status"], row["message_ts"]) == ("posted", post["ts"])


def test_restart_at_report_time_does_not_post_twice(slack, weekly_db, make_bot, clock) -> None:  # noqa: ANN001, E501
    first = make_bot()
    at(first, clock, REPORT_TIME, slack)
    first.stop(timeout=2)
    second = make_bot()
    at(second, clock, REPORT_TIME + timedelta(seconds=5), slack)
    assert len(top_level(slack)) == 1
    assert len(slack.calls("files.completeUploadExternal", ok=True)) == 1


def test_bot_stopped_mid_post_checks_the_channel_before_posting(
    slack, weekly_db, make_bot, clock
) -> None:  # noqa: ANN001, E501
    """The summary went out but the bot stopped before recording it: found by its metadata."""
    first = make_bot()
    at(first, clock, REPORT_TIME, slack)
    conn = first.ctx.conn
    conn.execute("UPDATE report_posts SET status = 'posting', message_ts = NULL")
    first.stop(timeout=2)
    second = make_bot()
    at(second, clock, REPORT_TIME + timedelta(seconds=5), slack)
    (post,) = top_level(slack)
    row = second.ctx.conn.execute("SELECT status, message_ts FROM report_posts").fetchone()
    assert tuple(row) == ("posted", post["ts"])


def test_claim_left_by_a_bot_that_never_posted_is_posted_once(
    slack, weekly_db, make_bot, clock
) -> None:  # noqa: ANN001, E501
    conn = connection.connect(weekly_db)
    checkin = model.get_checkin(conn, "weekly")
    clock.set(REPORT_TIME)
    assert claim_report_post(conn, checkin["id"], WEEK, "#team", "4242@gone", clock)
    conn.close()
    bot = make_bot()
    at(bot, clock, REPORT_TIME + timedelta(minutes=6), slack)
    at(bot, clock, REPORT_TIME + timedelta(minutes=7), slack)
    assert len(top_level(slack)) == 1


def test_fresh_claim_of_another_bot_is_left_alone_a_stale_one_taken_over(
    slack, weekly_db, make_bot, clock
) -> None:  # noqa: ANN001, E501
    """Two bots on one database: the second posts only once the first's claim is 5 minutes old."""
    conn = connection.connect(weekly_db)
    checkin = model.get_checkin(conn, "weekly")
    clock.set(REPORT_TIME)
    assert claim_report_post(conn, checkin["id"], WEEK, "#team", "4242@other", clock)
    conn.close()
    bot = make_bot()
    for minutes in (1, 4):
        at(bot, clock, REPORT_TIME + timedelta(minutes=minutes), slack)
    assert top_level(slack) == [] and not slack.calls("conversations.history")
    row = bot.ctx.conn.execute("SELECT status, claimed_by FROM report_posts").fetchone()
    assert tuple(row) == ("posting", "4242@other")

    at(bot, clock, REPORT_TIME + timedelta(minutes=6), slack)
    assert len(top_level(slack)) == 1
    assert slack.calls("conversations.history", ok=True), "a claim taken over is checked first"
    row = bot.ctx.conn.execute("SELECT status, claimed_by FROM report_posts").fetchone()
    assert tuple(row) == ("posted", claim_owner())


def test_timeout_after_slack_took_the_post_does_not_post_twice(
    slack, weekly_db, make_bot, clock, monkeypatch
) -> None:  # noqa: ANN001, E501
    monkeypatch.setattr(bot_reports, "RETRY_AFTER_S", 0)
    bot = make_bot()
    real = bot.ctx.client.chat_postMessage
    timed_out: list[str] = []

    def post_then_time_out(**kwargs):  # noqa: ANN003, ANN202
        response = real(**kwargs)
        if not timed_out:
            timed_out.append(response["ts"])
            raise TimeoutError("The read operation timed out")
        return response

    monkeypatch.setattr(bot.ctx.client, "chat_postMessage", post_then_time_out)
    at(bot, clock, REPORT_TIME, slack)
    assert timed_out and len(top_level(slack)) == 1
    assert bot.ctx.conn.execute("SELECT status FROM report_posts").fetchone()[0] == "posting"
    at(bot, clock, REPORT_TIME + timedelta(seconds=5), slack)
    assert [m["ts"] for m in top_level(slack)] == timed_out
    row = bot.ctx.conn.execute("SELECT status, message_ts FROM report_posts").fetchone()
    assert tuple(row) == ("posted", timed_out[0])


def test_history_check_failing_keeps_the_week_claimed(
    slack, weekly_db, make_bot, clock, monkeypatch
) -> None:  # noqa: ANN001, E501
    """Without channels:history the check answers missing_scope: try later, never mark failed."""
    monkeypatch.setattr(bot_reports, "RETRY_AFTER_S", 0)
    conn = connection.connect(weekly_db)
    checkin = model.get_checkin(conn, "weekly")
    clock.set(REPORT_TIME)
    assert claim_report_post(conn, checkin["id"], WEEK, "#team", "4242@gone", clock)
    conn.close()
    slack.scopes -= {"channels:history"}
    bot = make_bot()
    at(bot, clock, REPORT_TIME + timedelta(minutes=6), slack)
    assert slack.calls("conversations.history", ok=False)
    assert top_level(slack) == []
    assert bot.ctx.conn.execute("SELECT status FROM report_posts").fetchone()[0] == "posting"
    slack.scopes |= {"channels:history"}
    at(bot, clock, REPORT_TIME + timedelta(minutes=7), slack)
    assert len(top_level(slack)) == 1
    assert bot.ctx.conn.execute("SELECT status FROM report_posts").fetchone()[0] == "posted"


def test_chart_that_fails_to_render_does_not_hide_the_post(
    slack, weekly_db, make_bot, clock, monkeypatch
) -> None:  # noqa: ANN001, E501

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(report_charts, "to_png", broken)
    bot = make_bot()
    at(bot, clock, REPORT_TIME, slack)
    (post,) = top_level(slack)
    thread = replies(slack, post["ts"])
    assert "Reviewed PRs" in json.dumps([m.get("blocks") for m in thread])
    assert not any(m.get("files") for m in thread)
    row = bot.ctx.conn.execute("SELECT status, message_ts FROM report_posts").fetchone()
    assert tuple(row) == ("posted", post["ts"])
    events = bot.ctx.conn.execute(
        "SELECT error FROM events WHERE kind = 'report_chart_failed'"
    ).fetchall()
    assert [e[0] for e in events] == ["RuntimeError"]
    at(bot, clock, REPORT_TIME + timedelta(minutes=10), slack)
    assert len(top_level(slack)) == 1


def test_channel_the_bot_cannot_post_in_is_recorded_not_retried(
    slack, weekly_db, make_bot, clock
) -> None:  # noqa: ANN001, E501
    conn = connection.connect(weekly_db)
    conn.execute("UPDATE checkins SET report_channel = '#nowhere' WHERE name = 'weekly'")
    conn.close()
    bot = make_bot()
    at(bot, clock, REPORT_TIME, slack)
    at(bot, clock, REPORT_TIME + timedelta(seconds=5), slack)
    row = bot.ctx.conn.execute("SELECT status, error FROM report_posts").fetchone()
    assert row["status"] == "failed" and "#nowhere" in row["error"]


def test_report_command_answers_within_three_seconds(slack, weekly_db, make_bot, clock) -> None:  # noqa: ANN001, E501
    bot = make_bot()
    clock.set(datetime(2026, 12, 8, 10, 0, tzinfo=UTC))  # Tuesday: "last week" is 2026-W49
    started = time.monotonic()
    ack = slack.user("U001").runs("/checkin report last week")
    assert ack.latency < 1.0
    response = slack.wait_until(lambda: slack.responses, timeout=3.0, message="a response")[0]
    assert time.monotonic() - started < 3.0
    text = json.dumps(response.body, ensure_ascii=False)
    assert "weekly: week of Mon 30 Nov" in text
    assert "3 of 6" in text and "Reviewed PRs" in text
    assert response.body.get("response_type", "ephemeral") == "ephemeral"
    settle(slack, bot)


def test_report_command_says_what_it_did_not_understand(slack, weekly_db, make_bot, clock) -> None:  # noqa: ANN001, E501
    make_bot()
    slack.user("U001").runs("/checkin report next fortnight")
    response = slack.wait_until(lambda: slack.responses, timeout=3.0)[0]
    text = response.body["text"]
    assert "did not understand" in text and "next fortnight" in text
    assert "/checkin report last week" in text


def test_member_history_is_theirs_or_an_admins(slack, weekly_db, make_bot, clock) -> None:  # noqa: ANN001, E501
    bot = make_bot()
    bot.ctx.conn.execute("UPDATE checkins SET visibility = 'private' WHERE name = 'weekly'")
    clock.set(datetime(2026, 12, 8, 10, 0, tzinfo=UTC))
    slack.user("U002").runs("/checkin report last week @alice")
    refused = slack.wait_until(lambda: slack.responses, timeout=3.0)[0]
    assert "other people's answers are for its leads and admins" in refused.body["text"]
    slack.user("U001").runs("/checkin report 2026-W49 @alice")
    own = slack.wait_until(lambda: slack.responses[1:], timeout=3.0)[0]
    text = json.dumps(own.body, ensure_ascii=False)
    assert "Alice Archer: weekly" in text and "Reviewed PRs" in text and "Mon 30 Nov" in text
    settle(slack, bot)


def test_someone_in_checkin_admins_may_see_a_members_week(
    slack, weekly_db, make_bot, clock
) -> None:  # noqa: ANN001, E501
    bot = make_bot(admins=("U002",))  # CHECKIN_ADMINS; Slack does not call U002 an admin
    assert not slack.workspace.users["U002"]["is_admin"]
    clock.set(datetime(2026, 12, 8, 10, 0, tzinfo=UTC))
    slack.user("U002").runs("/checkin report last week @alice")
    response = slack.wait_until(lambda: slack.responses, timeout=3.0)[0]
    text = json.dumps(response.body, ensure_ascii=False)
    assert "Alice Archer: weekly" in text and "Reviewed PRs" in text
    settle(slack, bot)


def test_a_plain_member_may_not_see_a_members_week(slack, weekly_db, make_bot, clock) -> None:  # noqa: ANN001, E501
    bot = make_bot(admins=("U004",))
    bot.ctx.conn.execute("UPDATE checkins SET visibility = 'private' WHERE name = 'weekly'")
    clock.set(datetime(2026, 12, 8, 10, 0, tzinfo=UTC))
    slack.user("U002").runs("/checkin report last week @alice")
    refused = slack.wait_until(lambda: slack.responses, timeout=3.0)[0]
    assert "other people's answers are for its leads and admins" in refused.body["text"]
    assert "Reviewed PRs" not in json.dumps(refused.body)
    settle(slack, bot)


def test_someone_in_checkin_admins_may_see_a_summary_they_were_not_asked_in(
    slack, weekly_db, make_bot, clock
) -> None:  # noqa: ANN001
    bot = make_bot(admins=("U005",))
    clock.set(datetime(2026, 12, 8, 10, 0, tzinfo=UTC))
    slack.user("U005").runs("/checkin report last week weekly")  # never asked in it
    response = slack.wait_until(lambda: slack.responses, timeout=3.0)[0]
    assert "Reviewed PRs" in json.dumps(response.body)
    settle(slack, bot)


def test_report_to_dm_comes_with_the_chart(slack, weekly_db, make_bot, clock) -> None:  # noqa: ANN001, E501
    bot = make_bot()
    clock.set(datetime(2026, 12, 8, 10, 0, tzinfo=UTC))
    slack.user("U001").runs("/checkin report last week weekly dm")
    slack.wait_until(lambda: slack.responses, timeout=5.0)
    settle(slack, bot)
    dm = slack.dm("U001")
    assert any(m.get("blocks") for m in dm)
    assert any(m.get("files") for m in dm)


def test_summary_is_for_participants_and_admins(slack, weekly_db, make_bot, clock) -> None:  # noqa: ANN001, E501
    bot = make_bot()
    clock.set(datetime(2026, 12, 8, 10, 0, tzinfo=UTC))
    slack.user("U005").runs("/checkin report last week weekly")  # never asked in it
    refused = slack.wait_until(lambda: slack.responses, timeout=3.0)[0]
    assert "for the people asked in it, its leads and admins" in refused.body["text"]
    assert "Reviewed PRs" not in json.dumps(refused.body)
    slack.workspace.users["U005"]["is_admin"] = True
    bot.ctx.conn.execute("UPDATE members SET is_admin = 1 WHERE slack_id = 'U005'")
    slack.user("U005").runs("/checkin report last week weekly")
    admin = slack.wait_until(lambda: slack.responses[1:], timeout=3.0)[0]
    assert "Reviewed PRs" in json.dumps(admin.body)
    settle(slack, bot)


def test_report_to_dm_in_development_goes_only_to_dev_users(
    slack, weekly_db, make_bot, clock
) -> None:  # noqa: ANN001, E501
    bot = make_bot(env="development", dev_users=("U002",))
    clock.set(datetime(2026, 12, 8, 10, 0, tzinfo=UTC))
    slack.user("U001").runs("/checkin report last week weekly dm")
    response = slack.wait_until(lambda: slack.responses, timeout=5.0)[0]
    settle(slack, bot)
    assert slack.dm("U001") == [] and not slack.calls("conversations.open")
    text = json.dumps(response.body)
    assert "weekly: week of Mon 30 Nov" in text and "CHECKIN_DEV_USERS" in text
    slack.user("U002").runs("/checkin report last week weekly dm")
    slack.wait_until(lambda: slack.responses[1:], timeout=5.0)
    settle(slack, bot)
    assert any(m.get("files") for m in slack.dm("U002"))


def test_post_asked_for_through_the_outbox(slack, weekly_db, make_bot, clock) -> None:  # noqa: ANN001, E501
    bot = make_bot()
    outbox.enqueue(
        bot.ctx.conn, "post_report", {"checkin": "weekly", "week": WEEK, "channel": "#general"}
    )
    at(bot, clock, datetime(2026, 12, 1, 12, 0, tzinfo=UTC), slack)
    posts = [m for m in slack.history("#general") if m.get("blocks")]
    assert posts and "weekly: week of Mon 30 Nov" in json.dumps(posts[0]["blocks"])
    assert bot.ctx.conn.execute("SELECT status FROM outbox").fetchone()[0] == "done"


def test_parse_request_reads_week_member_name_and_dm() -> None:
    assert bot_reports.parse_request("last week <@U0AB|ada> wellbeing dm") == (
        "last week",
        "U0AB",
        "wellbeing",
        True,
    )
    assert bot_reports.parse_request("2026-W48") == ("2026-W48", None, None, False)
    assert bot_reports.parse_request("") == (None, None, None, False)
    assert bot_reports.parse_request("this wellbeing") == ("this", None, "wellbeing", False)


@pytest.mark.parametrize(
    ("args", "parsed"),
    [
        ('last week "dm"', ("last week", None, "dm", False)),
        ("“this week” dm", (None, None, "this week", True)),
        ("'last' 2026-W48", ("2026-W48", None, "last", False)),
        ('"me" me', (None, None, "me", True)),
        ("team health last week", ("last week", None, "team health", False)),
        ("weekly", (None, None, "weekly", False)),
        ("dm", (None, None, None, True)),  # unquoted, a keyword wins
    ],
)
def test_check_ins_named_like_keywords_are_named_in_quotes(args: str, parsed: tuple) -> None:
    assert bot_reports.parse_request(args) == parsed


def test_report_of_a_check_in_named_like_a_keyword(slack, weekly_db, make_bot, clock) -> None:  # noqa: ANN001, E501
    bot = make_bot()
    bot.ctx.conn.execute("UPDATE checkins SET name = 'this week' WHERE name = 'weekly'")
    clock.set(datetime(2026, 12, 8, 10, 0, tzinfo=UTC))
    slack.user("U001").runs('/checkin report last week "this week"')
    response = slack.wait_until(lambda: slack.responses, timeout=3.0)[0]
    assert "this week: week of Mon 30 Nov" in json.dumps(response.body)
    settle(slack, bot)


def test_a_restart_days_later_finds_the_summary_behind_hundreds_of_messages(
    slack, weekly_db, make_bot, clock
) -> None:  # noqa: ANN001, E501
    first = make_bot()
    at(first, clock, REPORT_TIME, slack)
    first.ctx.conn.execute("UPDATE report_posts SET status = 'posting', message_ts = NULL")
    first.stop(timeout=2)
    team = slack.workspace.resolve_channel("#team")
    for n in range(450):  # a busy channel since: the summary is far behind the newest 200
        slack.workspace.post(team, {"type": "message", "user": "U002", "text": f"chat {n}"})
    second = make_bot()
    at(second, clock, REPORT_TIME + timedelta(days=2, hours=20), slack)
    summaries = [m for m in top_level(slack) if (m.get("metadata") or {}).get("event_type")]
    assert len(summaries) == 1, "found, not posted again"
    row = second.ctx.conn.execute("SELECT status, message_ts FROM report_posts").fetchone()
    assert tuple(row) == ("posted", summaries[0]["ts"])


def test_after_a_takeover_the_missing_chart_and_thread_are_posted(
    slack, weekly_db, make_bot, clock
) -> None:  # noqa: ANN001, E501
    first = make_bot()
    clock.set(REPORT_TIME)
    # the summary goes out, then the bot "dies" before the chart and the answers
    from bot import reports as bot_reports

    checkin = model.get_checkin(first.ctx.conn, "weekly")
    assert claim_report_post(first.ctx.conn, checkin["id"], WEEK, "#team", "4242@gone", clock)
    report = build.build_report(first.ctx.conn, checkin, WEEK, clock())
    text, blocks = bot_reports.summary_message(report, in_channel=True)
    team = slack.workspace.resolve_channel("#team")
    bot_reports.call(
        first.ctx,
        "chat.postMessage",
        channel=team,
        text=text,
        blocks=blocks,
        metadata={
            "event_type": bot_reports.METADATA_EVENT,
            "event_payload": {"checkin_id": checkin["id"], "week": WEEK},
        },
    )
    slack.api.faults.clear()
    at(first, clock, REPORT_TIME + timedelta(minutes=6), slack)  # the stale claim taken over
    (post,) = top_level(slack)
    thread = replies(slack, post["ts"])
    assert any(m.get("files") for m in thread), "the chart"
    assert any(m.get("text") and not m.get("files") for m in thread), "the answers"
    at(first, clock, REPORT_TIME + timedelta(minutes=20), slack)
    assert len(replies(slack, post["ts"])) == len(thread), "not posted twice"


def test_a_week_that_failed_is_posted_once_the_bot_can(slack, weekly_db, make_bot, clock) -> None:  # noqa: ANN001, E501
    bot = make_bot()
    slack.fail("chat.postMessage", "not_in_channel", times=1)
    at(bot, clock, REPORT_TIME, slack)
    conn = bot.ctx.conn
    assert conn.execute("SELECT status, error FROM report_posts").fetchone()[0] == "failed"
    assert count_events(conn, "report_failed", REPORT_TIME - timedelta(days=1)) == 1
    at(bot, clock, REPORT_TIME + timedelta(minutes=30), slack)
    assert top_level(slack) == [], "not retried every tick"
    at(bot, clock, REPORT_TIME + timedelta(hours=1, minutes=1), slack)  # invited meanwhile
    assert len(top_level(slack)) == 1
    assert conn.execute("SELECT status FROM report_posts").fetchone()[0] == "posted"


@pytest.mark.parametrize(
    "method", ["files.getUploadURLExternal", "files.completeUploadExternal", "chat.postMessage"]
)
@pytest.mark.parametrize("kind", [500, "timeout", "reset", "ratelimited"])
def test_the_week_is_posted_once_whatever_one_call_of_the_post_does(
    slack, weekly_db, make_bot, clock, method, kind
) -> None:  # noqa: ANN001, E501
    from tests.bot.test_faults import beyond_budget, quick

    bot = make_bot()
    quick(bot, timeouts=kind == "timeout")
    slack.fail(method, kind, times=beyond_budget(kind), retry_after=0, hang=0.6)
    for minutes in (0, 2, 4, 6, 8):
        at(bot, clock, REPORT_TIME + timedelta(minutes=minutes), slack)
    summaries = [m for m in top_level(slack) if (m.get("metadata") or {}).get("event_type")]
    assert len(summaries) == 1, "posted once"
    conn = bot.ctx.conn
    assert conn.execute("SELECT status FROM report_posts").fetchone()[0] == "posted"
    thread = replies(slack, summaries[0]["ts"])
    assert any(m.get("text") and not m.get("files") for m in thread), "the answers are there"
    if method != "chat.postMessage":
        charted = any(m.get("files") for m in thread)
        failed = count_events(conn, "report_chart_failed", REPORT_TIME - timedelta(days=1))
        assert charted or failed == 1, "the chart is there, or its failure counted"


def test_a_check_in_named_with_an_ampersand_is_found_from_the_command(
    slack, weekly_db, make_bot, clock
) -> None:  # noqa: ANN001, E501
    conn = connection.connect(weekly_db)
    conn.execute("UPDATE checkins SET name = 'R&D weekly' WHERE name = 'weekly'")
    conn.close()
    bot = make_bot()
    clock.set(REPORT_TIME + timedelta(days=3))
    slack.user("U001").runs("/checkin report 2026-W49 R&D weekly")
    settle(slack, bot)
    (envelope,) = [e for e in slack.sent_envelopes if e["type"] == "slash_commands"]
    assert envelope["payload"]["text"] == "report 2026-W49 R&amp;D weekly", "as Slack sends it"
    said = json.dumps([r.body for r in slack.responses], ensure_ascii=False)
    assert "did not understand" not in said and "R&amp;amp;D" not in said
