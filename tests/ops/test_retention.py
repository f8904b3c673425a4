from datetime import UTC, date, datetime, timedelta

import pytest

from checkin.answers import record, runs
from checkin.checkins import model
from checkin.checkins.definitions import (
    DefinitionError,
    import_definitions,
    load_definitions,
    parse_toml,
    to_toml,
)
from checkin.checkins.timing import DueRun
from checkin.cli import main
from checkin.clock import system_clock
from checkin.config import ConfigError, load_config
from checkin.ops import retention
from checkin.people import members
from checkin.reports.build import build_report

TWO = """
[[checkin]]
name = "short"
participants = ["U001"]
retention_weeks = 4

[[checkin.question]]
text = "What did you do?"
kind = "text"

[[checkin]]
name = "long"
participants = ["U001"]

[[checkin.question]]
text = "What did you do?"
kind = "text"
"""


def answer(conn, checkin_name: str, day: date, text: str, clock) -> int:  # noqa: ANN001
    checkin = model.get_checkin(conn, checkin_name)
    (question,) = model.active_questions(conn, checkin["id"])
    due = DueRun(
        member_id="U001",
        local_date=day,
        due_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
        closes_at=datetime(day.year, day.month, day.day, 23, tzinfo=UTC),
    )
    run = runs.create_run(conn, checkin["id"], due, [question["id"]], status="open", clock=clock)
    return record.record_answer(conn, run, question["id"], text=text, clock=clock).answer_id


def build(conn, clock):  # noqa: ANN001, ANN201
    """Answers 8 weeks old (edited once) and 5 days old in "short", 100 weeks old in "long"."""
    today = clock().date()
    import_definitions(conn, parse_toml(TWO), clock=clock)
    members.upsert_member(conn, "U001", name="ada", clock=clock)
    old = answer(conn, "short", today - timedelta(weeks=8), "old short", clock)
    record.edit_answer(conn, old, text="old short, edited", clock=clock)
    answer(conn, "short", today - timedelta(days=5), "recent short", clock)
    answer(conn, "long", today - timedelta(weeks=100), "ancient long", clock)
    return conn


@pytest.fixture
def two(conn, clock):  # noqa: ANN001, ANN201
    return build(conn, clock)


@pytest.fixture
def two_today(conn, clock):  # noqa: ANN001, ANN201
    """The same, dated from today: the CLI reads the system clock."""
    clock.set(system_clock())
    return build(conn, clock)


def texts(conn) -> set[str]:  # noqa: ANN001
    return {r[0] for r in conn.execute("SELECT text FROM answers")}


def test_plan_lists_what_is_older_than_each_checkins_retention(two, clock):
    (short,) = retention.plan(two, None, clock)
    assert (short.checkin, short.weeks, short.before) == ("short", 4, date(2026, 10, 28))
    assert "before 2026-10-28" in short.line(done=False)
    assert (short.answers, short.history) == (1, 1)
    assert texts(two) == {"old short, edited", "recent short", "ancient long"}  # a plan only


def test_the_workspace_default_covers_checkins_without_their_own(two, clock):
    by_name = {e.checkin: e for e in retention.plan(two, 52, clock)}
    assert by_name["short"].weeks == 4  # its own wins
    assert (by_name["long"].weeks, by_name["long"].answers) == (52, 1)


def test_apply_deletes_old_answers_and_their_history_and_keeps_the_runs(two, clock):
    runs_before = two.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    checkin = model.get_checkin(two, "short")
    old_week = two.execute(
        "SELECT MIN(week) FROM runs WHERE checkin_id = ?", (checkin["id"],)
    ).fetchone()[0]
    before = build_report(two, checkin, old_week, clock())
    done = retention.apply(two, None, clock)
    assert [(e.checkin, e.answers) for e in done] == [("short", 1)]
    assert texts(two) == {"recent short", "ancient long"}
    assert two.execute("SELECT COUNT(*) FROM answer_history").fetchone()[0] == 0
    assert two.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == runs_before
    after = build_report(two, checkin, old_week, clock())
    assert after.headline.runs_asked == before.headline.runs_asked == 1
    assert after.text_answers == [] and before.text_answers != []


def test_apply_in_small_batches_deletes_them_all(two, clock, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 1)
    for n in range(5):
        answer(two, "long", date(2025, 2, 3 + n), f"more {n}", clock)
    done = {e.checkin: e.answers for e in retention.apply(two, 26, clock)}
    assert done == {"short": 1, "long": 6}
    assert texts(two) == {"recent short"}


def test_a_checkin_without_retention_keeps_its_answers_when_no_default_is_set(two, clock):
    assert [e.checkin for e in retention.apply(two, None, clock)] == ["short"]
    assert "ancient long" in texts(two)


def test_retention_weeks_is_checked_in_the_definition():
    for bad in ("0", "-3", '"four"', "true", "5201"):
        with pytest.raises(DefinitionError, match="retention_weeks: give whole weeks"):
            parse_toml(TWO.replace("retention_weeks = 4", f"retention_weeks = {bad}"))


def test_retention_weeks_round_trips_through_export_and_import(conn, clock):
    import_definitions(conn, parse_toml(TWO), clock=clock)
    exported = to_toml(load_definitions(conn))
    assert "retention_weeks = 4" in exported
    assert {d.name: d.retention_weeks for d in parse_toml(exported)} == {"long": None, "short": 4}
    assert (
        import_definitions(conn, parse_toml(exported), clock=clock)
        .summary()
        .startswith("unchanged 2")
    )


def test_the_workspace_default_comes_from_the_environment():
    assert load_config({"CHECKIN_RETENTION_WEEKS": "104"}, None).retention_weeks == 104
    assert load_config({}, None).retention_weeks is None
    with pytest.raises(ConfigError, match="CHECKIN_RETENTION_WEEKS must be a whole number"):
        load_config({"CHECKIN_RETENTION_WEEKS": "two years"}, None)


def test_retention_command_dry_run_says_what_would_go_and_deletes_nothing(
    two_today, db_path, capsys
):
    two = two_today
    assert main(["--db", str(db_path), "retention", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "short: keeps 4 weeks; would delete 1 answers and 1 earlier values from before" in out
    assert "old short, edited" in texts(two)


def test_retention_command_applies_it(two_today, db_path, capsys):
    two = two_today
    assert main(["--db", str(db_path), "retention"]) == 0
    assert "short: keeps 4 weeks; deleted 1 answers" in capsys.readouterr().out
    assert "old short, edited" not in texts(two)
