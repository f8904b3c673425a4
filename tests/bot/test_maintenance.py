"""The bot's daily job, run through the scheduler's tick on a fake clock."""

from dataclasses import replace
from datetime import date, timedelta

from bot import maintenance, scheduler
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.db import connection
from checkin.ops import backup
from checkin.people import members
from checkin.people.viewer import OPERATOR
from tests.ops.test_retention import TWO, answer


def backups_in(directory) -> list[str]:  # noqa: ANN001
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_the_daily_job_takes_one_backup_a_day_and_prunes_to_keep(ctx, tmp_path, clock):
    kept = tmp_path / "backups"
    ctx.config = replace(ctx.config, backup_dir=kept, backup_keep=2)
    scheduler.tick(ctx)
    assert backups_in(kept) == ["checkin-20261130T000000Z.db"]
    clock.advance(hours=23)
    scheduler.tick(ctx)
    assert len(backups_in(kept)) == 1  # not yet a day
    for _ in range(3):
        clock.advance(hours=24)
        scheduler.tick(ctx)
    assert backups_in(kept) == ["checkin-20261202T230000Z.db", "checkin-20261203T230000Z.db"]
    last = backup.last_backup(OPERATOR, ctx.conn, clock())
    assert last["taken_by"] == "bot" and not last["stale"]


def test_a_restart_the_same_day_does_not_run_it_again(ctx, tmp_path, clock):
    ctx.config = replace(ctx.config, backup_dir=tmp_path / "backups")
    scheduler.tick(ctx)
    ctx.cache.clear()  # a new process: nothing remembered but the database
    clock.advance(hours=2)
    scheduler.tick(ctx)
    assert len(backups_in(tmp_path / "backups")) == 1


def test_without_a_backup_dir_no_backup_is_taken(ctx, tmp_path, clock):
    scheduler.tick(ctx)
    assert connection.get_meta(ctx.conn, maintenance.LAST_RUN) is not None
    assert ctx.conn.execute("SELECT COUNT(*) FROM backups").fetchone()[0] == 0


def test_the_daily_job_applies_retention(ctx, clock):
    import_definitions(ctx.conn, parse_toml(TWO), clock=clock)
    members.upsert_member(ctx.conn, "U001", name="ada", clock=clock)
    answer(ctx.conn, "short", clock().date() - timedelta(weeks=10), "too old", clock)
    answer(ctx.conn, "long", date(2020, 1, 6), "kept forever", clock)
    scheduler.tick(ctx)
    left = [r[0] for r in ctx.conn.execute("SELECT text FROM answers")]
    assert left == ["kept forever"]
    event = ctx.conn.execute("SELECT detail FROM events WHERE kind = 'maintenance'").fetchone()
    assert '"answers_expired": 1' in event[0]


def test_a_failing_backup_does_not_stop_retention_and_is_recorded(ctx, tmp_path, clock):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    ctx.config = replace(ctx.config, backup_dir=blocked, retention_weeks=1)
    import_definitions(ctx.conn, parse_toml(TWO.replace("retention_weeks = 4\n", "")), clock=clock)
    members.upsert_member(ctx.conn, "U001", name="ada", clock=clock)
    answer(ctx.conn, "long", clock().date() - timedelta(weeks=3), "old enough", clock)
    scheduler.tick(ctx)
    assert ctx.conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 0
    failed = ctx.conn.execute(
        "SELECT error FROM events WHERE kind = 'maintenance_failed'"
    ).fetchone()
    assert failed is not None and failed[0].startswith("backup:")


def test_a_clock_that_had_run_far_ahead_does_not_stop_the_daily_job(ctx, tmp_path, clock):
    ctx.config = replace(ctx.config, backup_dir=tmp_path / "backups")
    clock.advance(days=30)
    scheduler.tick(ctx)
    clock.advance(days=-30)  # the host's clock put right, the bot still running
    scheduler.tick(ctx)
    assert len(backups_in(tmp_path / "backups")) == 2
