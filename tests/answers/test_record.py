from datetime import UTC, date, datetime, timedelta

import pytest

from checkin import errors
from checkin.answers import record, runs
from checkin.checkins import model
from checkin.checkins.timing import DueRun
from checkin.clock import iso
from checkin.ops import events, heartbeat, outbox
from checkin.people import members


def due(member="U001", day=date(2026, 11, 25)) -> DueRun:  # noqa: ANN001
    return DueRun(
        member_id=member,
        local_date=day,
        due_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
        closes_at=datetime(day.year, day.month, day.day, 23, 59, tzinfo=UTC),
    )


@pytest.fixture
def run_id(conn, wellbeing, clock):  # noqa: ANN001, ANN201
    members.upsert_member(conn, "U001", name="ada", tz="Europe/Berlin", clock=clock)
    qids = [q["id"] for q in model.active_questions(conn, wellbeing["id"])]
    return runs.create_run(conn, wellbeing["id"], due(), qids, clock=clock)


def test_run_is_unique_per_checkin_member_and_local_date(conn, wellbeing, run_id, clock):
    assert run_id is not None
    qids = [q["id"] for q in model.active_questions(conn, wellbeing["id"])]
    assert runs.create_run(conn, wellbeing["id"], due(), qids, clock=clock) is None
    other_day = runs.create_run(
        conn, wellbeing["id"], due(day=date(2026, 11, 27)), qids, clock=clock
    )
    assert other_day is not None
    assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 2
    assert runs.get_run(conn, run_id)["week"] == "2026-W48"


def test_second_answer_to_the_same_question_changes_nothing(conn, wellbeing, run_id, clock):
    scale = model.active_questions(conn, wellbeing["id"])[0]
    first = record.record_answer(conn, run_id, scale["id"], text="good", number=4, clock=clock)
    clock.advance(seconds=3)
    second = record.record_answer(conn, run_id, scale["id"], text="awful", number=1, clock=clock)
    assert first.created and not second.created
    assert second.answer_id == first.answer_id
    row = conn.execute("SELECT text, number, question_text FROM answers").fetchone()
    assert tuple(row) == ("good", 4.0, "How are you feeling?")


def test_a_request_stored_once_never_answers_a_second_question(conn, wellbeing, run_id, clock):
    scale, text = model.active_questions(conn, wellbeing["id"])
    key = record.message_key("D001", "1799020800.000700")
    first = record.record_answer(conn, run_id, scale["id"], text="good", number=4, request=key)
    again = record.record_answer(conn, run_id, text["id"], text="good", request=key, clock=clock)
    assert first.created and not again.created and again.answer_id == first.answer_id
    assert [tuple(r) for r in conn.execute("SELECT question_id, request_key FROM answers")] == [
        (scale["id"], "D001/1799020800.000700")
    ]
    assert record.answer_for_request(conn, key)["id"] == first.answer_id
    other = record.record_answer(
        conn, run_id, text["id"], text="Docs", request="D001/2", clock=clock
    )
    assert other.created and other.run_complete
    assert record.message_key("D001", None) is None


def test_answers_on_two_days_are_both_kept(conn, wellbeing, run_id, clock):
    """The old design keyed answers by date and a second answer overwrote the first."""
    qids = [q["id"] for q in model.active_questions(conn, wellbeing["id"])]
    run2 = runs.create_run(conn, wellbeing["id"], due(day=date(2026, 11, 27)), qids, clock=clock)
    record.record_answer(conn, run_id, qids[1], text="monday work", clock=clock)
    record.record_answer(conn, run2, qids[1], text="friday work", clock=clock)
    texts = [
        r[0] for r in conn.execute("SELECT text FROM answers WHERE member_id='U001' ORDER BY id")
    ]
    assert texts == ["monday work", "friday work"]


def test_edit_keeps_the_earlier_answer_and_its_time_in_history(conn, wellbeing, run_id, clock):
    text_q = model.active_questions(conn, wellbeing["id"])[1]
    stored = record.record_answer(conn, run_id, text_q["id"], text="first draft", clock=clock)
    first_time = conn.execute("SELECT answered_at FROM answers").fetchone()[0]
    clock.advance(minutes=10)
    assert record.edit_answer(conn, stored.answer_id, text="final words", clock=clock)
    assert not record.edit_answer(conn, stored.answer_id, text="final words", clock=clock)
    answer = conn.execute("SELECT * FROM answers").fetchone()
    assert (answer["text"], answer["answered_at"]) == ("final words", first_time)
    assert answer["edited_at"] > first_time
    (old,) = conn.execute("SELECT * FROM answer_history").fetchall()
    assert (old["text"], old["answered_at"]) == ("first draft", first_time)


def test_last_answer_completes_the_run(conn, wellbeing, run_id, clock):
    q1, q2 = model.active_questions(conn, wellbeing["id"])
    assert not record.record_answer(
        conn, run_id, q1["id"], text="ok", number=3, clock=clock
    ).run_complete
    assert record.record_answer(conn, run_id, q2["id"], skipped=True, clock=clock).run_complete
    run = runs.get_run(conn, run_id)
    assert run["status"] == "answered" and run["completed_at"]


def test_answer_after_the_window_is_stored_and_marked_late(conn, wellbeing, run_id, clock):
    clock.set(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    q = model.active_questions(conn, wellbeing["id"])[0]
    record.record_answer(conn, run_id, q["id"], text="okay", number=3, clock=clock)
    assert conn.execute("SELECT late FROM answers").fetchone()[0] == 1


def test_huge_answer_is_capped_not_refused(conn, wellbeing, run_id, clock):
    q = model.active_questions(conn, wellbeing["id"])[1]
    record.record_answer(conn, run_id, q["id"], text="x" * 100_000, clock=clock)
    assert len(conn.execute("SELECT text FROM answers").fetchone()[0]) == record.MAX_ANSWER_CHARS


def test_answer_to_a_question_not_in_the_run_is_refused(conn, run_id, clock):
    with pytest.raises(errors.NotFound):
        record.record_answer(conn, run_id, 9999, text="?", clock=clock)
    with pytest.raises(errors.NotFound):
        record.record_answer(conn, 9999, 1, text="?", clock=clock)


def test_run_status_moves_only_from_allowed_states(conn, run_id, clock):
    assert runs.set_run_status(conn, run_id, "sending", only_if=("due",), clock=clock)
    assert not runs.set_run_status(conn, run_id, "sending", only_if=("due",), clock=clock)


def test_event_ids_are_seen_once(conn, clock):
    assert events.first_sighting(conn, "Ev123", clock=clock)
    assert not events.first_sighting(conn, "Ev123", clock=clock)


def test_outbox_claim_and_finish(conn, clock):
    oid = outbox.enqueue(conn, "send_checkin", {"checkin": "wellbeing"}, clock=clock)
    row = outbox.claim_outbox(conn, clock=clock)
    assert row["id"] == oid and row["status"] == "running"
    assert outbox.claim_outbox(conn, clock=clock) is None
    outbox.finish_outbox(conn, oid, error="no such check-in", clock=clock)
    assert conn.execute("SELECT status, error FROM outbox").fetchone()[:] == (
        "failed",
        "no such check-in",
    )
    with pytest.raises(ValueError):
        outbox.enqueue(conn, "launch_rockets", {}, clock=clock)


def test_outbox_row_left_running_by_a_crash_is_taken_again(conn, clock):
    outbox.enqueue(conn, "send_checkin", {}, clock=clock)
    outbox.claim_outbox(conn, clock=clock)
    clock.advance(minutes=6)
    assert outbox.claim_outbox(conn, clock=clock)["attempts"] == 2


def test_pause_and_heartbeat(conn, clock):
    members.upsert_member(conn, "U001", clock=clock)
    members.pause_member(conn, "U001", date(2026, 12, 24))
    assert members.get_member(conn, "U001")["paused_until"] == "2026-12-24"
    members.upsert_member(
        conn, "U001", name="ada", clock=clock
    )  # a profile refresh keeps the pause
    assert members.get_member(conn, "U001")["paused_until"] == "2026-12-24"
    with pytest.raises(errors.NotFound):
        members.pause_member(conn, "U404", None)
    heartbeat.beat(
        conn, env="development", dev_users=["U001"], started_at=clock(), connected=True, clock=clock
    )
    hb = heartbeat.read_heartbeat(conn)
    assert hb.connected and hb.dev_users == ["U001"] and not hb.is_stale(clock())
    clock.advance(minutes=5)
    assert hb.is_stale(clock())


def test_run_keeps_its_first_answer_times_for_the_reports(conn, wellbeing, run_id, clock):
    q1, q2 = model.active_questions(conn, wellbeing["id"])
    skipped = record.record_answer(conn, run_id, q2["id"], skipped=True, clock=clock)
    first = conn.execute("SELECT first_answer_at, answered_at FROM runs").fetchone()
    assert first["first_answer_at"] and first["answered_at"] is None
    clock.advance(minutes=5)
    record.record_answer(conn, run_id, q1["id"], text="good", number=4, clock=clock)
    clock.advance(minutes=5)
    record.record_answer(conn, run_id, q1["id"], text="bad", number=2, clock=clock)  # a repeat
    run = conn.execute("SELECT first_answer_at, answered_at FROM runs").fetchone()
    assert run["first_answer_at"] == first["first_answer_at"]
    assert run["answered_at"] == iso(clock() - timedelta(minutes=5))
    record.edit_answer(conn, skipped.answer_id, text="later", clock=clock)
    assert conn.execute("SELECT answered_at FROM runs").fetchone()[0] == run["answered_at"]
