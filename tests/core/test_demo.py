import sqlite3
from datetime import date

import pytest

from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.cli import main
from checkin.demo import DemoRefused, build_demo, is_demo
from checkin.people.members import upsert_member
from tests.conftest import WELLBEING

UNTIL = date(2026, 11, 27)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):  # noqa: ANN001, ANN201
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    summary = build_demo(path, members=25, weeks=12, seed=1, until=UNTIL)
    return path, summary


def rows(path, sql):  # noqa: ANN001, ANN201
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_demo_counts_are_realistic(demo):
    path, summary = demo
    assert summary.members == 25
    ((members, zones),) = rows(path, "SELECT COUNT(*), COUNT(DISTINCT tz) FROM members")
    assert members == 25 and zones >= 6
    assert "Asia/Kolkata" in {r[0] for r in rows(path, "SELECT tz FROM members")}
    runs = rows(path, "SELECT status, COUNT(*) FROM runs GROUP BY status")
    by_status = dict(runs)
    total = sum(by_status.values())
    assert total == summary.runs
    # three check-ins a week, minus out-of-office days
    assert 25 * 12 * 3 * 0.9 <= total <= 25 * 13 * 3
    answered = by_status["answered"] / total
    assert 0.6 < answered < 0.95  # not everyone answers
    assert by_status.get("closed", 0) > 0 and by_status.get("skipped", 0) >= 0
    ((late,),) = rows(path, "SELECT SUM(late) FROM answers")
    assert late > 0  # some answer late
    ((edits,),) = rows(path, "SELECT COUNT(*) FROM answer_history")
    assert edits > 0


def test_demo_free_text_is_varied(demo):
    path, _ = demo
    texts = [
        r[0]
        for r in rows(
            path,
            "SELECT a.text FROM answers a JOIN questions q ON q.id = a.question_id "
            "WHERE q.kind = 'text' AND q.position = 2 AND NOT a.skipped",
        )
    ]
    assert len(set(texts)) >= 300


def test_demo_mood_differs_by_team_and_drifts_by_week(demo):
    path, _ = demo
    weekly = [
        r[0]
        for r in rows(
            path,
            "SELECT AVG(number) FROM answers a JOIN questions q ON q.id = a.question_id "
            "WHERE q.kind = 'scale' GROUP BY week",
        )
    ]
    assert max(weekly) - min(weekly) > 0.2
    assert all(1 <= m <= 5 for m in weekly)


def test_demo_has_pool_questions_and_a_feedback_request(demo):
    path, _ = demo
    statuses = dict(rows(path, "SELECT status, COUNT(*) FROM pool_questions GROUP BY status"))
    assert statuses["approved"] >= 3 and statuses["pending"] >= 1
    assert rows(path, "SELECT COUNT(*) FROM feedback_requests")[0][0] == 1
    assert rows(path, "SELECT COUNT(*) FROM feedback_responses")[0][0] >= 3
    # pool questions were asked and answered like the others
    assert (
        rows(
            path,
            "SELECT COUNT(*) FROM answers a JOIN questions q ON q.id = a.question_id "
            "WHERE q.pool_question_id IS NOT NULL",
        )[0][0]
        > 0
    )


def test_demo_is_deterministic(demo, tmp_path):
    path, summary = demo
    again = build_demo(tmp_path / "again.db", members=25, weeks=12, seed=1, until=UNTIL)
    assert (again.runs, again.answers) == (summary.runs, summary.answers)
    sql = "SELECT member_id, local_date, question_text, text, number, answered_at FROM answers ORDER BY id"
    assert rows(path, sql) == rows(tmp_path / "again.db", sql)
    other = build_demo(tmp_path / "other.db", members=25, weeks=12, seed=2, until=UNTIL)
    assert rows(tmp_path / "other.db", sql) != rows(path, sql) and other.answers > 0


def test_demo_refuses_a_real_database(conn, db_path, clock):
    import_definitions(conn, parse_toml(WELLBEING), clock=clock)
    upsert_member(conn, "U001", clock=clock)
    with pytest.raises(DemoRefused, match="holds real check-ins"):
        build_demo(db_path, members=3, weeks=1)
    assert rows(db_path, "SELECT COUNT(*) FROM members")[0][0] == 1
    assert not is_demo(db_path)


def test_demo_command_rebuilds_a_demo_and_refuses_real_with_exit_2(tmp_path, capsys):
    path = tmp_path / "d.db"
    assert main(["--db", str(path), "demo", "--members", "4", "--weeks", "1"]) == 0
    assert main(["--db", str(path), "demo", "--members", "5", "--weeks", "1"]) == 0
    assert rows(path, "SELECT COUNT(*) FROM members")[0][0] == 5
    assert is_demo(path)
    real = tmp_path / "real.db"
    toml = tmp_path / "w.toml"
    toml.write_text(WELLBEING)
    main(["--db", str(real), "checkins", "import", str(toml)])
    capsys.readouterr()
    assert main(["--db", str(real), "demo"]) == 2
    assert "will not overwrite" in capsys.readouterr().err
