import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import scheduler
from bot.app import Bot
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.cli import main
from checkin.clock import FakeClock
from checkin.config import Config, Secret
from checkin.db import connection
from checkin.db.migrations import LATEST
from checkin.ops import backup, heartbeat
from checkin.ops.backup import BackupError
from checkin.people import members
from checkin.people.viewer import OPERATOR, Viewer
from tests.conftest import ROOT

ONE_QUESTION = """
[[checkin]]
name = "log"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
time = "09:00"
participants = []

[[checkin.question]]
text = "What did you do?"
kind = "text"
"""

# Writes one answer per transaction, numbered in order, until told to stop (and
# at least MIN of them): a backup taken meanwhile must hold answers 0..k-1 exactly.
WRITER = r"""
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from checkin.answers import record, runs
from checkin.checkins.timing import DueRun
from checkin.db import connection

path, stop, least = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
conn = connection.connect(path)
checkin = conn.execute("SELECT id FROM checkins").fetchone()[0]
qid = conn.execute("SELECT id FROM questions WHERE checkin_id = ?", (checkin,)).fetchone()[0]
i = 0
while (i < least or not stop.exists()) and i < 200_000:
    day = date(2024, 1, 1) + timedelta(days=i // 50)
    due = DueRun(
        member_id=f"U{i % 50:04d}", local_date=day,
        due_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
        closes_at=datetime(day.year, day.month, day.day, 23, tzinfo=UTC),
    )
    run = runs.create_run(conn, checkin, due, [qid], status="open")
    record.record_answer(conn, run, qid, text=f"w{i:06d}")
    i += 1
print(i)
"""


def config_for(path: Path, **changes: object) -> Config:
    return replace(Config(db_path=path), **changes)


def count(path: Path, sql: str = "SELECT COUNT(*) FROM answers") -> int:
    with closing(sqlite3.connect(path, timeout=15)) as conn:
        return conn.execute(sql).fetchone()[0]


def wait_for(condition, what: str, timeout: float = 60.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


@pytest.fixture
def workspace(db_path, clock):  # noqa: ANN001, ANN201
    conn = connection.connect(db_path)
    import_definitions(conn, parse_toml(ONE_QUESTION), clock=clock)
    for n in range(50):
        members.upsert_member(conn, f"U{n:04d}", name=f"member{n}", clock=clock)
    conn.close()
    return db_path


def test_backup_while_another_process_writes_is_a_consistent_prefix_a_bot_starts_on(
    workspace, tmp_path, slack
):
    stop = tmp_path / "stop"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(workspace), str(stop), "2000"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reads: list[int] = []
    read_errors: list[Exception] = []
    done = threading.Event()

    def reader() -> None:  # the web app: open, read, close, again
        while not done.is_set():
            try:
                with closing(connection.connect(workspace)) as conn:
                    reads.append(conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0])
            except Exception as exc:  # noqa: BLE001 - the test reports it
                read_errors.append(exc)

    thread = threading.Thread(target=reader)
    try:
        wait_for(lambda: count(workspace) >= 300, "the writer to get going")
        thread.start()
        out = tmp_path / "copy.db"
        taken = backup.take_backup(config_for(workspace), out)
        in_copy = count(out)
        wait_for(lambda: count(workspace) >= max(in_copy + 500, 2000), "more writes after")
    finally:
        stop.touch()
        done.set()
        written = writer.communicate(timeout=120)[0]
        if thread.is_alive():
            thread.join()
    assert writer.returncode == 0
    assert int(written) >= 2000

    assert taken.path == out and taken.bytes == out.stat().st_size
    assert taken.schema_version == LATEST
    assert backup.check_file(out) == LATEST  # integrity_check passes
    with closing(sqlite3.connect(out)) as copy:
        numbers = sorted(int(t[1:]) for (t,) in copy.execute("SELECT text FROM answers"))
        runs_without_answer = copy.execute(
            "SELECT COUNT(*) FROM runs r WHERE NOT EXISTS "
            "(SELECT 1 FROM answers a WHERE a.run_id = r.id)"
        ).fetchone()[0]
        out_of_step = copy.execute(
            "SELECT COUNT(*) FROM runs r WHERE (r.answered_at IS NOT NULL) != "
            "EXISTS (SELECT 1 FROM answers a WHERE a.run_id = r.id)"
        ).fetchone()[0]
        mode = copy.execute("PRAGMA journal_mode").fetchone()[0]
    assert 300 <= len(numbers) < int(written)
    assert numbers == list(range(len(numbers)))  # a prefix of the writes, no gaps
    assert runs_without_answer <= 1  # at most the run created just before the snapshot
    assert out_of_step == 0  # each answer and its run's first-answer time together
    assert mode == "delete"  # one self-contained file
    assert not read_errors and len(reads) > 0

    # the copy restores into a database the bot starts on
    restored_path = tmp_path / "restored" / "checkin.db"
    result = backup.restore(config_for(restored_path), out)
    assert result.replaced_copy is None and result.to_version == LATEST
    clock = FakeClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    bot_config = Config(
        db_path=restored_path,
        env="production",
        api_url=slack.api_url,
        bot_token=Secret(slack.bot_token),
        app_token=Secret(slack.app_token),
    )
    bot = Bot(bot_config, clock)
    try:
        bot.start(scheduler=False)  # replays the kept requests, connects Socket Mode
        slack.wait_for_connection()
        scheduler.tick(bot.ctx)
        assert bot.ctx.worker.wait_idle(10)
        assert count(restored_path) == len(numbers)
        assert count(restored_path, "SELECT COUNT(*) FROM deploys WHERE process = 'bot'") == 1
    finally:
        bot.stop(timeout=1)


def test_restore_is_refused_while_a_bot_runs_on_the_database(story, slack, tmp_path):
    db_path, clock = story
    copy = backup.take_backup(config_for(db_path), tmp_path / "copy.db", clock=clock).path
    bot_config = Config(
        db_path=db_path,
        env="production",
        api_url=slack.api_url,
        bot_token=Secret(slack.bot_token),
        app_token=Secret(slack.app_token),
    )
    bot = Bot(bot_config, clock)
    try:
        bot.start(scheduler=False)
        assert scheduler.heartbeat(bot.ctx)  # the bot's own heartbeat, fresh
        with pytest.raises(BackupError, match="a bot is running on .* stop it"):
            backup.restore(config_for(db_path), copy, clock=clock)
    finally:
        bot.stop(timeout=1)
    assert list(tmp_path.glob("*-replaced-*")) == []  # nothing was touched
    backup.restore(config_for(db_path), copy, clock=clock)  # once stopped, it goes


def test_restore_goes_ahead_once_the_heartbeat_is_stale(story, tmp_path):
    db_path, clock = story
    copy = backup.take_backup(config_for(db_path), tmp_path / "copy.db", clock=clock).path
    with closing(connection.connect(db_path)) as conn:
        heartbeat.beat(
            conn,
            env="production",
            dev_users=(),
            started_at=clock(),
            connected=True,
            clock=clock,
            pid=4242,
            host="elsewhere",
        )
    clock.advance(seconds=30)
    with pytest.raises(BackupError, match="pid 4242 on elsewhere"):
        backup.restore(config_for(db_path), copy, clock=clock)
    clock.advance(minutes=5)
    backup.restore(config_for(db_path), copy, clock=clock)
    with closing(connection.connect(db_path)) as conn:
        assert heartbeat.read_heartbeat(conn) is None  # the backup's bot is not running now


@pytest.fixture
def story(workspace, clock):  # noqa: ANN001, ANN201
    return workspace, clock


def test_restore_keeps_the_replaced_database_as_a_dated_copy(story, tmp_path):
    db_path, clock = story
    copy = backup.take_backup(config_for(db_path), tmp_path / "copy.db", clock=clock).path
    with closing(connection.connect(db_path)) as conn:
        members.upsert_member(conn, "U9999", name="after the backup", clock=clock)
    result = backup.restore(config_for(db_path), copy, clock=clock)
    assert result.replaced_copy == tmp_path / "checkin-replaced-20261125T060000Z.db"
    assert count(result.replaced_copy, "SELECT COUNT(*) FROM members WHERE slack_id='U9999'") == 1
    assert count(db_path, "SELECT COUNT(*) FROM members WHERE slack_id='U9999'") == 0
    assert count(db_path, "SELECT COUNT(*) FROM members") == 50


def test_an_unreadable_live_database_is_moved_aside_and_replaced(story, tmp_path):
    db_path, clock = story
    copy = backup.take_backup(config_for(db_path), tmp_path / "copy.db", clock=clock).path
    for side in tmp_path.glob("checkin.db-*"):
        side.unlink()
    db_path.write_bytes(b"this disk went bad " * 500)
    result = backup.restore(config_for(db_path), copy, clock=clock)
    assert result.replaced_copy.read_bytes() == b"this disk went bad " * 500
    assert count(db_path, "SELECT COUNT(*) FROM members") == 50


def test_restoring_an_older_schema_backup_migrates_it(tmp_path, clock):
    old = tmp_path / "old.db"
    with closing(connection.connect(old, migrate_schema=False)) as conn:
        connection.migrate(conn, upto=5)
        conn.execute(
            "INSERT INTO members (slack_id, name, created_at) VALUES ('U1', 'ada', '2025-01-01')"
        )
    live = tmp_path / "data" / "checkin.db"
    connection.connect(live).close()
    result = backup.restore(config_for(live), old, clock=clock)
    assert (result.from_version, result.to_version) == (5, LATEST)
    with closing(connection.connect(live)) as conn:
        assert connection.schema_version(conn) == LATEST
        assert conn.execute("SELECT name FROM members").fetchone()[0] == "ada"
        conn.execute("SELECT retention_weeks FROM checkins").fetchall()  # a column of today's


def test_restoring_a_newer_schema_backup_is_refused_with_one_line(tmp_path, capsys):
    newer = tmp_path / "newer.db"
    with closing(connection.connect(newer)) as conn:
        conn.execute(
            "INSERT INTO schema_migrations VALUES (?, 'from the future', '2030-01-01')",
            (LATEST + 1,),
        )
    live = tmp_path / "checkin.db"
    with closing(connection.connect(live)) as conn:
        conn.execute("INSERT INTO meta VALUES ('mine', 'yes')")
    assert main(["--db", str(live), "restore", str(newer)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"schema version {LATEST + 1}, newer than this checkin knows ({LATEST})" in err
    assert count(live, "SELECT value FROM meta WHERE key = 'mine'") == "yes"
    assert list(tmp_path.glob("*-replaced-*")) == []


def test_a_file_that_is_not_a_database_is_refused(tmp_path, capsys):
    junk = tmp_path / "notes.db"
    junk.write_text("not sqlite at all " * 100)
    assert main(["--db", str(tmp_path / "checkin.db"), "restore", str(junk)]) == 2
    assert "is not a readable SQLite database" in capsys.readouterr().err


def test_the_secret_is_copied_only_when_asked_and_then_with_mode_600(story, tmp_path):
    db_path, clock = story
    secret = db_path.parent / "checkin.secret"
    secret.write_bytes(b"s3cret-value-for-links")
    plain = backup.take_backup(config_for(db_path), tmp_path / "b" / "plain.db", clock=clock)
    assert plain.secret_path is None
    assert not (tmp_path / "b" / "plain.secret").exists()
    assert b"s3cret-value-for-links" not in plain.path.read_bytes()

    both = backup.take_backup(
        config_for(db_path), tmp_path / "b" / "both.db", with_secret=True, clock=clock
    )
    assert both.secret_path == tmp_path / "b" / "both.secret"
    assert both.secret_path.read_bytes() == b"s3cret-value-for-links"
    assert stat.S_IMODE(both.secret_path.stat().st_mode) == 0o600
    assert "s3cret" not in both.summary()


def test_default_backups_are_dated_in_the_backup_dir_and_pruned_to_keep(story, tmp_path):
    db_path, clock = story
    config = config_for(db_path, backup_dir=tmp_path / "kept")
    taken = []
    for _ in range(5):
        taken.append(backup.take_backup(config, clock=clock).path)
        clock.advance(hours=24)
    assert taken[0].name == "checkin-20261125T060000Z.db"
    other = tmp_path / "kept" / "notes.txt"
    other.write_text("mine")
    gone = backup.prune_backups(config.backup_dir, keep=2)
    assert gone == taken[:3]
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == sorted(
        [taken[3].name, taken[4].name, "notes.txt"]
    )


def test_two_backups_in_one_second_get_two_names(story, tmp_path):
    db_path, clock = story
    config = config_for(db_path, backup_dir=tmp_path / "kept")
    first = backup.take_backup(config, clock=clock).path
    second = backup.take_backup(config, clock=clock).path
    assert first != second and first.exists() and second.exists()
    assert backup.prune_backups(config.backup_dir, keep=1) == [first]


def test_last_backup_is_shown_to_admins_and_is_stale_after_two_days(story, tmp_path):
    db_path, clock = story
    taken = backup.take_backup(config_for(db_path), tmp_path / "copy.db", clock=clock)
    with closing(connection.connect(db_path)) as conn:
        fresh = backup.last_backup(OPERATOR, conn, clock() + timedelta(hours=47))
        stale = backup.last_backup(OPERATOR, conn, clock() + timedelta(hours=49))
        member = backup.last_backup(Viewer(role="member", slack_id="U0001"), conn, clock())
    assert fresh["path"] == str(taken.path.resolve()) and fresh["bytes"] == taken.bytes
    assert not fresh["stale"] and stale["stale"]
    assert member is None


def test_backup_of_a_missing_database_says_so(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "none.db"), "backup"]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


def test_backup_and_restore_commands(story, tmp_path, capsys):
    db_path, _ = story
    out = tmp_path / "cli.db"
    assert main(["--db", str(db_path), "backup", "--out", str(out)]) == 0
    line = capsys.readouterr().out
    assert f"backup written to {out} (" in line and f"schema {LATEST}, integrity ok" in line
    assert main(["--db", str(db_path), "restore", str(out)]) == 0
    assert f"restored {out} into {db_path}" in capsys.readouterr().out


def test_with_secret_but_no_secret_file_writes_nothing(story, tmp_path, capsys):
    db_path, _ = story
    out = tmp_path / "b" / "copy.db"
    assert main(["--db", str(db_path), "backup", "--out", str(out), "--with-secret"]) == 2
    assert "--with-secret: there is no" in capsys.readouterr().err
    assert not out.exists() and not out.parent.exists()


def test_a_backup_is_no_more_readable_than_the_database(story, tmp_path):
    db_path, clock = story
    db_path.chmod(0o600)
    taken = backup.take_backup(config_for(db_path), tmp_path / "copy.db", clock=clock)
    assert stat.S_IMODE(taken.path.stat().st_mode) == 0o600


def test_a_backup_dir_that_cannot_be_made_is_one_line(story, tmp_path, capsys):
    db_path, _ = story
    (tmp_path / "taken").write_text("a file, not a folder")
    out = tmp_path / "taken" / "copy.db"
    assert main(["--db", str(db_path), "backup", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write backups to") and err.count("\n") == 1


def test_restore_with_secret_puts_the_saved_secret_back_and_keeps_the_old_one(
    story, tmp_path, capsys
):
    db_path, clock = story
    secret = db_path.parent / "checkin.secret"
    secret.write_bytes(b"the-secret-of-the-backup")
    saved = backup.take_backup(
        config_for(db_path), tmp_path / "b" / "copy.db", with_secret=True, clock=clock
    )
    secret.write_bytes(b"a-newer-secret-generated-since")
    assert main(["--db", str(db_path), "restore", str(saved.path), "--with-secret"]) == 0
    assert "the signing secret put back as" in capsys.readouterr().out
    assert secret.read_bytes() == b"the-secret-of-the-backup"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    (old,) = tmp_path.glob("checkin-replaced-*.secret")
    assert old.read_bytes() == b"a-newer-secret-generated-since"


def test_restore_with_secret_but_none_saved_changes_nothing(story, tmp_path, capsys):
    db_path, clock = story
    plain = backup.take_backup(config_for(db_path), tmp_path / "copy.db", clock=clock)
    assert main(["--db", str(db_path), "restore", str(plain.path), "--with-secret"]) == 2
    assert "--with-secret: there is no" in capsys.readouterr().err
    assert list(tmp_path.glob("*-replaced-*")) == []
