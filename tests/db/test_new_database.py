"""A new database is made in one step from the newest schema; an existing one is migrated
step by step. Both ways must end in the same database."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from checkin.db import connection
from checkin.db import migrations as schema


def step_by_step(path: Path) -> sqlite3.Connection:
    """Every migration in turn, as an older database is upgraded (a copy of the list is not
    the list itself, so the one-step way is not taken)."""
    conn = connection.connect(path, migrate_schema=False)
    connection.migrate(conn, migrations=list(schema.MIGRATIONS))
    return conn


def objects(conn: sqlite3.Connection) -> set[tuple]:
    return {
        tuple(row) for row in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
    }


def contents(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    tables = [
        row[1]
        for row in conn.execute("PRAGMA table_list")
        if row[0] == "main" and row[2] in ("table", "shadow") and row[1] != "sqlite_schema"
    ]
    out = {}
    for table in tables:
        columns = "version, description" if table == "schema_migrations" else "*"
        out[table] = [tuple(r) for r in conn.execute(f'SELECT {columns} FROM "{table}"')]  # noqa: S608
    return out


def test_a_new_file_gets_the_schema_the_migrations_build(tmp_path: Path) -> None:
    with closing(connection.connect(tmp_path / "new.db")) as new:
        with closing(step_by_step(tmp_path / "stepped.db")) as stepped:
            assert objects(new) == objects(stepped)
            assert contents(new) == contents(stepped)
            assert connection.schema_version(new) == schema.LATEST
            for conn in (new, stepped):
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_the_search_index_and_its_triggers_work_in_a_new_file(tmp_path: Path) -> None:
    with closing(connection.connect(tmp_path / "new.db")) as conn:
        triggers = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
        with closing(step_by_step(tmp_path / "stepped.db")) as stepped:
            assert triggers == {
                r[0]
                for r in stepped.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            }
        assert conn.execute("SELECT COUNT(*) FROM answers_fts").fetchone()[0] == 0
        assert conn.execute("INSERT INTO answers_fts (answers_fts) VALUES ('integrity-check')")


def test_an_upgrade_of_an_older_file_still_runs_each_migration_after_its_version(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    conn = connection.connect(path, migrate_schema=False)
    connection.migrate(conn, upto=schema.LATEST - 2)
    conn.close()
    with closing(connection.connect(path, backup_dir=tmp_path / "backups")) as upgraded:
        versions = [r[0] for r in upgraded.execute("SELECT version FROM schema_migrations")]
        assert versions == [v for v, _, _ in schema.MIGRATIONS]
        with closing(step_by_step(tmp_path / "stepped.db")) as stepped:
            assert objects(upgraded) == objects(stepped)
    assert list((tmp_path / "backups").glob("checkin-before-schema-*.db")), "kept a copy first"
