"""Operations figures from what the bot records: events, heartbeat, outbox, report posts."""

from datetime import UTC, date, datetime, timedelta

from checkin.clock import FakeClock
from checkin.ops import events, heartbeat, outbox, status
from checkin.people.viewer import OPERATOR, Viewer
from tests.answers.test_history import _answer_day

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _at(when: datetime) -> FakeClock:
    return FakeClock(when)


def test_messages_sent_per_day_counts_each_kind_on_its_day(conn):
    for hours in (1, 2, 26):
        events.record_event(
            conn, "message_sent", method="chat.postMessage", clock=_at(NOW - timedelta(hours=hours))
        )
    events.record_event(conn, "run_sent", duration_ms=300, clock=_at(NOW - timedelta(hours=1)))
    events.record_event(conn, "message_sent", clock=_at(NOW - timedelta(days=30)))  # too old
    days = status.daily_events(conn, OPERATOR, days=14, clock=_at(NOW))
    assert [(d.day, d.kind, d.count) for d in days] == [
        ("2026-11-24", "message_sent", 1),
        ("2026-11-25", "message_sent", 2),
        ("2026-11-25", "run_sent", 1),
    ]


def test_slack_errors_group_by_method_and_error(conn):
    for method, error in [
        ("chat.postMessage", "channel_not_found"),
        ("chat.postMessage", "channel_not_found"),
        ("conversations.open", "user_disabled"),
    ]:
        events.record_event(conn, "api_error", method=method, error=error, clock=_at(NOW))
    errors = status.slack_errors(conn, OPERATOR, clock=_at(NOW))
    assert [(e.method, e.error, e.count) for e in errors] == [
        ("chat.postMessage", "channel_not_found", 2),
        ("conversations.open", "user_disabled", 1),
    ]


def test_rate_limit_waits_add_up_the_seconds_waited(conn):
    for wait in (1500, 3000):
        events.record_event(
            conn, "rate_limited", method="chat.postMessage", duration_ms=wait, clock=_at(NOW)
        )
    [day] = status.rate_limit_waits(conn, OPERATOR, clock=_at(NOW))
    assert (day.day, day.method, day.waits, day.seconds, day.longest) == (
        "2026-11-25",
        "chat.postMessage",
        2,
        4.5,
        3.0,
    )


def test_run_send_durations_give_median_p95_and_slowest(conn):
    for ms in range(100, 2100, 100):  # 20 sends: 100 .. 2000 ms
        events.record_event(conn, "run_sent", duration_ms=ms, clock=_at(NOW))
    [day] = status.run_send_durations(conn, OPERATOR, clock=_at(NOW))
    assert (day.runs, day.median_ms, day.p95_ms, day.max_ms) == (20, 1050, 1900, 2000)


def test_answers_per_day_counts_stored_answers(conn, wellbeing, clock):
    _answer_day(conn, wellbeing["id"], "U001", date(2026, 11, 23), clock)
    _answer_day(conn, wellbeing["id"], "U002", date(2026, 11, 23), clock)
    _answer_day(conn, wellbeing["id"], "U001", date(2026, 11, 25), clock)
    days = status.answers_per_day(conn, OPERATOR, clock=_at(NOW))
    assert [(d.day, d.count) for d in days] == [("2026-11-23", 4), ("2026-11-25", 2)]


def test_heartbeat_says_how_old_it_is_and_whether_it_is_stale(conn):
    heartbeat.beat(
        conn,
        env="development",
        dev_users=["U001"],
        started_at=NOW,
        connected=True,
        clock=_at(NOW),
        pid=4242,
        host="box",
    )
    fresh = status.heartbeat(conn, OPERATOR, clock=_at(NOW + timedelta(seconds=20)))
    assert (fresh.pid, fresh.host, fresh.env, fresh.dev_users) == (
        4242,
        "box",
        "development",
        ["U001"],
    )
    assert (fresh.age_seconds, fresh.stale, fresh.connected) == (20, False, True)
    old = status.heartbeat(conn, OPERATOR, clock=_at(NOW + timedelta(minutes=5)))
    assert old.stale and old.age_seconds == 300


def test_no_heartbeat_when_no_bot_ever_ran(conn):
    assert status.heartbeat(conn, OPERATOR) is None


def test_outbox_queue_lists_unfinished_first_and_failures_with_their_reason(conn, wellbeing):
    clock = _at(NOW)
    first = outbox.enqueue(conn, "send_checkin", {"checkin": "wellbeing"}, clock=clock)
    second = outbox.enqueue(
        conn,
        "post_report",
        {"checkin": "wellbeing", "week": "2026-W48", "channel": "#team"},
        clock=clock,
    )
    outbox.claim_outbox(conn, clock=clock)
    outbox.finish_outbox(conn, first, "channel_not_found", clock=clock)
    queue = status.outbox_queue(conn, OPERATOR)
    assert queue.counts == {"pending": 1, "failed": 1}
    assert [(r.id, r.status, r.error) for r in queue.rows] == [
        (second, "pending", None),
        (first, "failed", "channel_not_found"),
    ]
    assert queue.rows[0].what == "post the wellbeing summary of 2026-W48 to #team"


def test_failed_report_posts_come_with_their_error(conn, wellbeing):
    conn.execute(
        "INSERT INTO report_posts (checkin_id, week, channel, status, error, claimed_at) "
        "VALUES (?, '2026-W47', '#team', 'failed', 'not_in_channel', '2026-11-20T15:00:00Z'), "
        "(?, '2026-W46', '#team', 'posted', NULL, NULL)",
        (wellbeing["id"], wellbeing["id"]),
    )
    [post] = status.failed_report_posts(conn, OPERATOR)
    assert (post.checkin, post.week, post.channel, post.error) == (
        "wellbeing",
        "2026-W47",
        "#team",
        "not_in_channel",
    )


def test_only_an_admin_sees_operations(conn, wellbeing):
    events.record_event(conn, "api_error", method="chat.postMessage", error="x", clock=_at(NOW))
    heartbeat.beat(
        conn, env="production", dev_users=[], started_at=NOW, connected=True, clock=_at(NOW)
    )
    outbox.enqueue(conn, "send_checkin", {"checkin": "wellbeing"}, clock=_at(NOW))
    lead = Viewer(role="lead", slack_id="U9", lead_of=frozenset({wellbeing["id"]}))
    assert status.heartbeat(conn, lead) is None
    assert status.slack_errors(conn, lead, clock=_at(NOW)) == []
    assert status.outbox_queue(conn, lead).rows == []
    assert status.daily_events(conn, lead, clock=_at(NOW)) == []
