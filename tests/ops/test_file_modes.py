"""Only the owner reads the files: the database, its WAL, backups, the secret, and their folders."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from checkin.config import Config, signing_secret
from checkin.db import connection
from checkin.ops import backup

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture(autouse=True)
def fresh_process_check(monkeypatch) -> None:  # noqa: ANN001
    """Each test is a new start: the once-a-process check of old files runs again."""
    monkeypatch.setattr(connection, "_TIGHTENED", set())


def test_everything_checkin_creates_is_owner_only_under_umask_022(tmp_path, umask_022):
    db = tmp_path / "data" / "checkin.db"
    config = Config(db_path=db, backup_dir=tmp_path / "backups")
    with closing(connection.connect(db)) as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")
        for name in ("checkin.db", "checkin.db-wal", "checkin.db-shm"):
            assert mode(db.parent / name) == 0o600, name
        signing_secret(config)
        taken = backup.take_backup(config, with_secret=True)
    assert mode(db.parent) == 0o700
    assert mode(db.parent / "checkin.secret") == 0o600
    assert mode(tmp_path / "backups") == 0o700
    assert mode(taken.path) == 0o600 and mode(taken.secret_path) == 0o600

    restored = backup.restore(config, taken.path)
    assert mode(restored.replaced_copy) == 0o600
    assert mode(db) == 0o600


def test_a_restore_into_a_new_place_and_an_upgrade_copy_are_owner_only(tmp_path, umask_022):
    source = tmp_path / "source.db"
    connection.connect(source).close()
    copy = backup.take_backup(Config(db_path=source), tmp_path / "copy.db")
    fresh = tmp_path / "new" / "checkin.db"
    backup.restore(Config(db_path=fresh), copy.path)
    assert mode(fresh) == 0o600 and mode(fresh.parent) == 0o700

    older = tmp_path / "older" / "checkin.db"
    conn = connection.connect(older, migrate_schema=False)
    connection.migrate(conn, upto=1)
    conn.close()
    connection.connect(older).close()
    (kept,) = (older.parent / "backups").iterdir()
    assert mode(kept) == 0o600 and mode(kept.parent) == 0o700


def loose_files(tmp_path: Path) -> Path:
    """A database, its secret and a backup as an earlier version left them: readable by all."""
    db = tmp_path / "data" / "checkin.db"
    with closing(connection.connect(db)) as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")
    signing_secret(Config(db_path=db))
    backup.take_backup(Config(db_path=db))
    for path in [db, db.parent / "checkin.secret", *(db.parent / "backups").iterdir()]:
        path.chmod(0o644)
    for folder in (db.parent, db.parent / "backups"):
        folder.chmod(0o755)
    return db


def test_a_start_tightens_files_readable_by_others_and_says_so_once(tmp_path, caplog):
    db = loose_files(tmp_path)
    connection._TIGHTENED.clear()
    with caplog.at_level("WARNING", logger="checkin.db"):
        connection.connect(db).close()
        connection.connect(db).close()
    lines = [r.getMessage() for r in caplog.records if r.name == "checkin.db"]
    assert len(lines) == 1 and lines[0].startswith("made owner-only")
    assert str(db) in lines[0] and "checkin.secret" in lines[0]
    assert mode(db) == 0o600 and mode(db.parent / "checkin.secret") == 0o600
    assert mode(db.parent) == 0o700 and mode(db.parent / "backups") == 0o700
    assert all(mode(p) == 0o600 for p in (db.parent / "backups").iterdir())


def test_a_database_in_a_shared_folder_like_tmp_leaves_the_folder_open_to_others(tmp_path):
    """/tmp and /dev/shm hold everyone's files (the sticky bit): made owner-only, they would
    lock every other user and program out. The database's own files are still 600."""
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    (shared / "someone-elses.txt").write_text("x")
    connection._TIGHTENED.clear()
    connection.connect(shared / "checkin.db").close()
    assert mode(shared) == 0o1777
    assert mode(shared / "checkin.db") == 0o600


def test_the_cli_says_in_one_line_what_it_tightened(tmp_path):
    db = loose_files(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CHECKIN_"))}
    env.update(CHECKIN_DB=str(db), PYTHONPATH=str(ROOT))
    run = [sys.executable, "-m", "checkin", "status"]
    first = subprocess.run(run, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert first.stderr.count("\n") == 1 and first.stderr.startswith("made owner-only")
    again = subprocess.run(run, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and again.stderr == ""
    assert mode(db) == 0o600
