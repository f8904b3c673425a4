"""What migration 14 keeps for the Overview's reads, and that every writer keeps it in step.

Runs keep the minutes to their first answer, that answer's UTC quarter hour and
the member's time zone; answers keep the option picked for a choice question.
Triggers keep them, so these tests write through the ordinary store functions
and check the derived values against the columns they come from.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from checkin.answers import record
from checkin.checkins import definitions
from checkin.checkins.definitions import CheckinDef
from checkin.clock import FakeClock
from checkin.db import connection
from checkin.db.migrations import LATEST
from checkin.overview import figures
from checkin.overview.scope import Scope
from checkin.people import members
from checkin.people.viewer import OPERATOR
from tests.reports.test_reports_data import build_golden

WEEK = "2026-W44"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_QUARTERS = 2440587.5 * 96  # 1970-01-01 00:00 UTC in Julian days x 96


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def expected_minutes(run) -> float:  # noqa: ANN001
    sent = parse(run["sent_at"] or run["due_at"])
    return (parse(run["answered_at"]) - sent).total_seconds() / 60


def expected_quarter(run) -> int:  # noqa: ANN001
    seconds = (parse(run["answered_at"]) - EPOCH).total_seconds()
    return int(seconds // 900 + EPOCH_QUARTERS)


def runs(conn):  # noqa: ANN001, ANN201
    return conn.execute("SELECT * FROM runs ORDER BY id").fetchall()


def assert_runs_in_step(conn) -> None:  # noqa: ANN001
    tz = {r["slack_id"]: r["tz"] for r in conn.execute("SELECT slack_id, tz FROM members")}
    answered = 0
    for run in runs(conn):
        assert run["member_tz"] == tz.get(run["member_id"])
        if run["answered_at"] is None:
            assert run["answer_minutes"] is None and run["answered_quarter"] is None
            continue
        answered += 1
        assert abs(run["answer_minutes"] - expected_minutes(run)) < 1e-6
        assert run["answered_quarter"] == expected_quarter(run)
    assert answered


def test_answered_runs_keep_minutes_to_answer_quarter_hour_and_zone(conn, clock) -> None:  # noqa: ANN001
    build_golden(conn, clock)
    assert_runs_in_step(conn)
    # Di answered W43's Monday 09:00 New York run on Sunday 19:00 UTC: 9000 minutes
    di = conn.execute(
        "SELECT answer_minutes, member_tz FROM runs WHERE member_id = 'U0D' "
        "AND answered_at IS NOT NULL"
    ).fetchone()
    assert (round(di[0]), di[1]) == (9000, "America/New_York")


def test_a_skipped_run_has_no_answer_time_until_an_edit_answers_it(conn, clock) -> None:  # noqa: ANN001
    h = build_golden(conn, clock)
    run_id = h.run("U0A", date(2026, 11, 2))
    for qid in h.questions:
        record.record_answer(conn, run_id, qid, skipped=True, clock=clock)
    row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
    assert row["first_answer_at"] is not None
    assert row["answer_minutes"] is None and row["answered_quarter"] is None

    clock.advance(seconds=3600)
    answer_id = conn.execute(
        "SELECT id FROM answers WHERE run_id = ? AND question_id = ?", (run_id, h.questions[1])
    ).fetchone()[0]
    assert record.edit_answer(conn, answer_id, text="home", clock=clock)
    row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
    assert round(row["answer_minutes"], 3) == 60.0
    assert row["answered_quarter"] == expected_quarter(row)


def test_a_member_moving_time_zone_moves_their_heatmap_hours(conn, clock) -> None:  # noqa: ANN001
    h = build_golden(conn, clock)
    ada = Scope(h.checkin["id"], WEEK, WEEK, members=("U0A",))

    def cells() -> dict[tuple[int, int], int]:
        return {(c.weekday, c.hour): c.count for c in figures.answer_heatmap(conn, OPERATOR, ada)}

    assert cells() == {(0, 9): 1, (2, 9): 1}  # 08:05 and 08:15 UTC, Berlin winter time

    members.upsert_member(
        conn, "U0A", name="ada", real_name="Ada Lovelace", tz="Asia/Tokyo", clock=clock
    )
    assert cells() == {(0, 17): 1, (2, 17): 1}
    assert_runs_in_step(conn)


def test_runs_of_a_member_without_a_zone_count_in_utc(conn, clock) -> None:  # noqa: ANN001
    h = build_golden(conn, clock)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("DELETE FROM members WHERE slack_id = 'U0C'")
    assert_runs_in_step(conn)
    cy = Scope(h.checkin["id"], WEEK, WEEK, members=("U0C",))
    # Cy's Friday 09:30 Los Angeles answer is 16:30 UTC
    assert [(c.weekday, c.hour) for c in figures.answer_heatmap(conn, OPERATOR, cy)] == [(4, 16)]


def test_choice_answers_keep_the_option_and_an_edit_changes_it(conn, clock) -> None:  # noqa: ANN001
    h = build_golden(conn, clock)
    kinds = {r["id"]: r["kind"] for r in conn.execute("SELECT id, kind FROM questions")}
    for a in conn.execute("SELECT question_id, text, choice FROM answers"):
        assert a["choice"] == (a["text"] if kinds[a["question_id"]] == "choice" else None)

    scope = Scope(h.checkin["id"], WEEK, WEEK)

    def counts() -> dict[str, int]:
        return {c.option: c.count for c in figures.choice_by_week(conn, OPERATOR, scope)}

    assert counts() == {"office": 2, "home": 2, "travelling": 1}
    choice_qid = next(q for q, kind in kinds.items() if kind == "choice")
    bo_home = conn.execute(
        "SELECT id FROM answers WHERE member_id = 'U0B' AND week = ? AND question_id = ? "
        "AND text = 'home'",
        (WEEK, choice_qid),
    ).fetchone()[0]
    assert record.edit_answer(conn, bo_home, text="office", clock=clock)
    assert counts() == {"office": 3, "home": 1, "travelling": 1}


def test_migration_14_fills_the_derived_columns_of_an_older_database(
    tmp_path, clock, monkeypatch
) -> None:  # noqa: ANN001, E501
    old = connection.connect(tmp_path / "old.db", migrate_schema=False)
    connection.migrate(old, upto=13)
    # check-ins as a version of schema 13 wrote them: without the columns added since
    written_by_13 = CheckinDef.row
    columns_13 = {r[1] for r in old.execute("PRAGMA table_info(checkins)")}
    monkeypatch.setattr(
        CheckinDef,
        "row",
        lambda d: {k: v for k, v in written_by_13(d).items() if k in columns_13},
    )
    monkeypatch.setattr(definitions.broadcasting, "note_saved", lambda *a, **k: None)
    # today's record_answer names the column migration 19 adds: there for the writing only
    old.execute("ALTER TABLE answers ADD COLUMN request_key TEXT")
    h = build_golden(old, clock)
    old.execute("ALTER TABLE answers DROP COLUMN request_key")
    monkeypatch.undo()
    connection.migrate(old)
    assert connection.schema_version(old) == LATEST
    assert_runs_in_step(old)
    choices = old.execute("SELECT COUNT(*) FROM answers WHERE choice IS NOT NULL").fetchone()[0]
    assert choices == 8  # the golden history's answered choice questions

    new = connection.connect(tmp_path / "new.db")
    build_golden(new, FakeClock(datetime(2026, 11, 25, 6, 0, tzinfo=UTC)))
    scope = Scope(h.checkin["id"], "2026-W43", WEEK)
    assert figures.overview(old, OPERATOR, scope) == figures.overview(new, OPERATOR, scope)


def test_the_overview_reads_answer_times_and_options_from_covering_indexes(conn, clock) -> None:  # noqa: ANN001
    h = build_golden(conn, clock)
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    figures.overview(conn, OPERATOR, Scope(h.checkin["id"], "2026-W43", WEEK))
    conn.set_trace_callback(None)

    def plan(marker: str) -> str:
        sql = next(q for q in seen if marker in q)
        return " | ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))

    assert "COVERING INDEX runs_answer_minutes" in plan("AS asked")
    assert "COVERING INDEX runs_answer_minutes" in plan("ORDER BY r.answer_minutes LIMIT")
    heatmap = plan("r.answered_quarter AS quarter")
    assert "COVERING INDEX runs_answer_hours" in heatmap and "TEMP B-TREE" not in heatmap
    assert "members" not in heatmap
    assert "COVERING INDEX answers_choices" in plan("a.choice AS text")


def test_a_new_run_takes_its_members_zone(conn, clock) -> None:  # noqa: ANN001
    h = build_golden(conn, clock)
    run_id = h.run("U0B", date(2026, 11, 2))
    row = conn.execute("SELECT member_tz, answer_minutes FROM runs WHERE id = ?", (run_id,))
    assert tuple(row.fetchone()) == ("Pacific/Auckland", None)
    h.answer(run_id, h.due + timedelta(minutes=7), [4, "home", 3, "ok"])
    row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
    assert round(row["answer_minutes"], 6) == 7.0
    assert row["answered_quarter"] == expected_quarter(row)


def test_an_erased_members_choices_are_no_longer_counted(conn, clock) -> None:  # noqa: ANN001
    from checkin.ops import privacy

    h = build_golden(conn, clock)
    scope = Scope(h.checkin["id"], WEEK, WEEK)
    privacy.forget_member(OPERATOR, conn, "U0B", clock=clock)
    counts = {c.option: c.count for c in figures.choice_by_week(conn, OPERATOR, scope)}
    assert counts == {"office": 2, "home": 1}  # Bo's "home" and "travelling" went
    left = conn.execute(
        "SELECT COUNT(*) FROM answers WHERE member_id = 'U0B' AND choice IS NOT NULL"
    )
    assert left.fetchone()[0] == 0


def test_a_members_group_sizes_are_counted_from_covering_indexes(conn, clock) -> None:  # noqa: ANN001
    from checkin.people.viewer import Viewer

    h = build_golden(conn, clock)
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    figures.overview(
        conn, Viewer(role="member", slack_id="U0A"), Scope(h.checkin["id"], WEEK, WEEK)
    )
    conn.set_trace_callback(None)
    counted = [q for q in seen if "COUNT(DISTINCT a.member_id) FROM answers" in q]
    # the scale and the number figures, and which questions could account for everyone
    # who answered (whether the week's participation is shown, checkin.answers.participation)
    assert len(counted) == 3
    for sql in counted:
        plan = " | ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "COVERING INDEX answers_by_week" in plan
    (answered,) = [q for q in seen if "COUNT(DISTINCT member_id) FROM runs" in q]
    plan = " | ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {answered}"))
    assert "COVERING INDEX runs_answer_minutes" in plan
