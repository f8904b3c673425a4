"""Upgrades that can be undone: a checked copy before a migration, nothing changed by one that fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from checkin.db import connection, snapshot
from checkin.db.migrations import LATEST, MIGRATIONS

ROOT = Path(__file__).resolve().parents[2]
PREVIOUS = MIGRATIONS[-2][0]  # the schema the previous release left
BROKEN = (
    LATEST + 1,
    "a migration that fails halfway",
    "CREATE TABLE half_done (id INTEGER);\nINSERT INTO no_such_table VALUES (1);",
)


def previous_schema_db(path: Path) -> None:
    """A database as the previous version of checkin left it, with a member in it."""
    conn = connection.connect(path, migrate_schema=False)
    connection.migrate(conn, upto=PREVIOUS)
    conn.execute("INSERT INTO members (slack_id, created_at) VALUES ('U1', '2026-01-01T00:00:00Z')")
    conn.close()


def test_an_upgrade_keeps_a_checked_copy_of_the_database_as_it_was(tmp_path):
    db = tmp_path / "data" / "checkin.db"
    db.parent.mkdir()
    previous_schema_db(db)
    conn = connection.connect(db)
    assert connection.schema_version(conn) == LATEST
    conn.close()
    copies = list((db.parent / "backups").glob(f"checkin-before-schema-{LATEST}-*.db"))
    assert len(copies) == 1
    assert snapshot.check_copy(copies[0]) == PREVIOUS  # integrity_check passed
    kept = connection.connect(copies[0], migrate_schema=False)
    assert [r[0] for r in kept.execute("SELECT slack_id FROM members")] == ["U1"]
    kept.close()

    connection.connect(db).close()  # already current: no second copy
    assert len(list((db.parent / "backups").iterdir())) == 1


def test_the_copy_goes_to_the_backup_dir_when_one_is_given(tmp_path):
    db = tmp_path / "checkin.db"
    previous_schema_db(db)
    connection.connect(db, backup_dir=tmp_path / "elsewhere").close()
    assert [
        p.name.startswith("checkin-before-schema-") for p in (tmp_path / "elsewhere").iterdir()
    ] == [True]
    assert not (tmp_path / "backups").exists()


def test_a_new_database_is_created_without_a_copy(tmp_path):
    connection.connect(tmp_path / "checkin.db").close()
    assert not (tmp_path / "backups").exists()


def test_a_migration_that_fails_leaves_the_file_byte_identical_and_names_the_copy(tmp_path):
    db = tmp_path / "checkin.db"
    previous_schema_db(db)
    connection.connect(db).close()  # at the current schema, all in the main file
    before = db.read_bytes()
    conn = connection.connect(db, migrate_schema=False)
    with pytest.raises(connection.DatabaseError) as err:
        connection.migrate(conn, migrations=[*MIGRATIONS, BROKEN])
    conn.close()
    message = str(err.value)
    assert "\n" not in message and "nothing was changed" in message
    copy = Path(message.rsplit("a copy of it from before is ", 1)[1])
    assert copy.name.startswith(f"checkin-before-schema-{LATEST + 1}-") and copy.is_file()
    assert snapshot.check_copy(copy) == LATEST
    assert db.read_bytes() == before
    conn = connection.connect(db)
    assert connection.schema_version(conn) == LATEST
    assert "half_done" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()


def test_no_upgrade_is_made_when_no_copy_can_be_kept(tmp_path):
    db = tmp_path / "checkin.db"
    previous_schema_db(db)
    before = db.read_bytes()
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    with pytest.raises(connection.DatabaseError, match="no copy of it could be kept first"):
        connection.connect(db, backup_dir=blocked)
    assert db.read_bytes() == before


BROKEN_UPGRADE = f"""
import runpy
from checkin.db import connection, migrations
connection.schema.MIGRATIONS = [*migrations.MIGRATIONS, {BROKEN!r}]
runpy.run_module("checkin", run_name="__main__", alter_sys=True)
"""


def test_a_failed_upgrade_stops_the_command_with_one_line_naming_the_copy(tmp_path):
    db = tmp_path / "checkin.db"
    previous_schema_db(db)
    connection.connect(db).close()
    before = db.read_bytes()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CHECKIN_"))}
    result = subprocess.run(
        [sys.executable, "-c", BROKEN_UPGRADE, "status"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "CHECKIN_DB": str(db), "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the upgrade of")
    assert str(tmp_path / "backups" / f"checkin-before-schema-{LATEST + 1}-") in lines[0]
    assert db.read_bytes() == before
