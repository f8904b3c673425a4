"""Backups that restore: a consistent copy while the bot and the web app keep working.

`take_backup` copies the live database with SQLite's online backup API in one
step, so the copy is the database as of one read transaction (WAL lets the
bot keep writing meanwhile), then checks the copy (`PRAGMA integrity_check`,
the schema version) before it gets its final name. `restore` puts a checked
copy back, refusing while a bot is running on the database, refusing a file
from a newer checkin, keeping the database it replaces as a dated copy, and
migrating an older one.
"""

from __future__ import annotations

import os
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from checkin.clock import Clock, iso, parse_iso, system_clock
from checkin.config import Config
from checkin.db import connection, snapshot
from checkin.db.migrations import LATEST
from checkin.ops import heartbeat
from checkin.people.viewer import Viewer

SECRET_FILE = "checkin.secret"  # beside the database, see config.signing_secret
NAME = re.compile(r"^checkin-(\d{8}T\d{6}Z)(-\d+)?\.db$")
STALE_AFTER = timedelta(days=2)  # the Operations page warns about a backup older than this


class BackupError(Exception):
    """A backup or restore a person must deal with; str() is the one line to show."""


@dataclass(frozen=True)
class Backup:
    path: Path
    bytes: int
    schema_version: int
    taken_at: datetime
    secret_path: Path | None = None

    def summary(self) -> str:
        line = (
            f"backup written to {self.path} ({size_words(self.bytes)}, schema {self.schema_version}, "
            "integrity ok)"
        )
        if self.secret_path is not None:
            line += f"; the signing secret to {self.secret_path} (mode 600)"
        return line


@dataclass(frozen=True)
class Restored:
    source: Path
    database: Path
    replaced_copy: Path | None
    from_version: int
    to_version: int
    secret_path: Path | None = None

    def summary(self) -> str:
        line = f"restored {self.source} into {self.database}"
        if self.from_version != self.to_version:
            line += f" (migrated from schema {self.from_version} to {self.to_version})"
        if self.replaced_copy is not None:
            line += f"; the database it replaced is kept as {self.replaced_copy}"
        if self.secret_path is not None:
            line += f"; the signing secret put back as {self.secret_path} (mode 600)"
        return line


def size_words(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def stamp(when: datetime) -> str:
    return iso(when)[:19].replace("-", "").replace(":", "") + "Z"


def backup_dir(config: Config) -> Path:
    """CHECKIN_BACKUP_DIR, or `backups/` beside the database."""
    return config.backup_dir or config.db_path.parent / "backups"


def check_file(path: Path) -> int:
    """The schema version of a checkin database file that passes `integrity_check`."""
    try:
        version = snapshot.check_copy(path)
    except snapshot.CopyError as exc:
        raise BackupError(str(exc)) from None
    if version == 0:
        raise BackupError(f"{path} is not a checkin database (no schema_migrations table)")
    return version


def _free_name(directory: Path, when: str) -> Path:
    path = directory / f"checkin-{when}.db"
    n = 1
    while path.exists():
        n += 1
        path = directory / f"checkin-{when}-{n}.db"
    return path


def take_backup(
    config: Config,
    out: Path | None = None,
    *,
    with_secret: bool = False,
    taken_by: str = "cli",
    clock: Clock = system_clock,
) -> Backup:
    """Copy the live database to `out` (default: a dated file in the backup directory)."""
    source_path = config.db_path
    if not source_path.is_file():
        raise BackupError(f"no database at {source_path}: nothing to back up")
    now = clock()
    secret = _secret_to_copy(config) if with_secret else None  # before anything is written
    out = Path(out) if out else _free_name(backup_dir(config), stamp(now))
    if out.exists():
        raise BackupError(f"{out} exists already: choose another --out")
    try:
        snapshot.private_dir(out.parent)
    except OSError as exc:
        raise BackupError(f"cannot write backups to {out.parent}: {exc.strerror}") from None
    try:
        with closing(connection.connect(source_path, migrate_schema=False)) as source:
            version = snapshot.copy_checked(source, out)
    except (snapshot.CopyError, sqlite3.Error, connection.DatabaseError, OSError) as exc:
        raise BackupError(f"cannot back up {source_path}: {exc}") from None
    if version == 0:
        out.unlink(missing_ok=True)
        raise BackupError(f"{source_path} is not a checkin database (no schema_migrations table)")
    secret_copy = _copy_secret(secret, out.with_suffix(".secret")) if secret else None
    size = out.stat().st_size
    _record(source_path, out, size, version, now, taken_by, secret_copy is not None)
    return Backup(out, size, version, now, secret_copy)


def _secret_to_copy(config: Config) -> Path:
    secret = config.db_path.parent / SECRET_FILE
    if not secret.is_file():
        if config.secret_override:
            raise BackupError(
                "--with-secret: the signing secret is CHECKIN_SECRET in the environment, not a "
                "file; keep it where you keep your other secrets"
            )
        raise BackupError(f"--with-secret: there is no {secret} to copy")
    return secret


def _copy_secret(secret: Path, target: Path) -> Path:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(secret.read_bytes())
    os.chmod(target, 0o600)
    return target


def _record(
    live: Path, out: Path, size: int, version: int, now: datetime, taken_by: str, secret: bool
) -> None:
    with closing(connection.connect(live, migrate_schema=False)) as conn:
        if not _has_table(conn, "backups"):
            return
        with connection.transaction(conn):
            conn.execute(
                "INSERT INTO backups (path, bytes, schema_version, taken_at, taken_by, "
                "with_secret) VALUES (?,?,?,?,?,?)",
                (str(out.resolve()), size, version, iso(now), taken_by, int(secret)),
            )


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,))
    return row.fetchone() is not None


def prune_backups(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` dated backups (and their secret copies) in `directory`.

    Only files named as `take_backup` names them are touched.
    """
    if not directory.is_dir():
        return []
    dated = sorted((p for p in directory.iterdir() if NAME.match(p.name)), key=_order)
    gone = dated[: max(0, len(dated) - keep)]
    for path in gone:
        path.unlink(missing_ok=True)
        path.with_suffix(".secret").unlink(missing_ok=True)
    return gone


def _order(path: Path) -> tuple[str, int]:
    match = NAME.match(path.name)
    assert match is not None
    return match.group(1), int(match.group(2)[1:]) if match.group(2) else 1


def _refuse_if_running(live: Path, now: datetime) -> None:
    with closing(connection.connect(live, migrate_schema=False)) as conn:
        if not _has_table(conn, "heartbeat"):
            return
        holder = heartbeat.read_heartbeat(conn)
    if holder is not None and not holder.is_stale(now):
        age = int(holder.age(now).total_seconds())
        raise BackupError(
            f"a bot is running on {live} (pid {holder.pid} on {holder.host}, last "
            f"heartbeat {age}s ago): stop it (and the web app) first, then restore"
        )


def _move_aside(live: Path, kept: Path) -> None:
    """Keep a database SQLite cannot read as it is, with its WAL, and clear the way."""
    os.replace(live, kept)
    for suffix in ("-wal", "-shm"):
        side = live.with_name(live.name + suffix)
        if side.exists():
            if suffix == "-wal":
                os.replace(side, kept.with_name(kept.name + suffix))
                os.chmod(kept.with_name(kept.name + suffix), snapshot.PRIVATE_FILE)
            else:
                side.unlink()


def restore(
    config: Config, file: Path, *, with_secret: bool = False, clock: Clock = system_clock
) -> Restored:
    """Put the backup `file` in place of the live database, then migrate it.

    `with_secret`: also put back the signing secret saved beside it (`NAME.secret`).
    """
    file = Path(file)
    if not file.is_file():
        raise BackupError(f"no backup file at {file}")
    saved_secret = file.with_suffix(".secret")
    if with_secret and not saved_secret.is_file():
        raise BackupError(f"--with-secret: there is no {saved_secret} beside the backup")
    version = check_file(file)
    if version > LATEST:
        raise BackupError(
            f"{file} has schema version {version}, newer than this checkin knows ({LATEST}): "
            "upgrade checkin first, then restore it"
        )
    live = config.db_path
    now = clock()
    kept: Path | None = None
    if live.exists():
        if live.resolve() == file.resolve():
            raise BackupError(f"{file} is the live database itself")
        kept = live.with_name(f"{live.stem}-replaced-{stamp(now)}{live.suffix}")
        try:
            _refuse_if_running(live, now)
            with closing(connection.connect(live, migrate_schema=False)) as conn:
                snapshot.private_file(kept)  # as private as the database it keeps
                with closing(sqlite3.connect(kept)) as copy:
                    conn.backup(copy)
                    copy.execute("PRAGMA journal_mode = DELETE")
        except (sqlite3.DatabaseError, connection.DatabaseError):
            _move_aside(live, kept)  # unreadable: exactly when a restore is needed
            os.chmod(kept, snapshot.PRIVATE_FILE)
    else:
        snapshot.private_dir(live.parent)
        snapshot.private_file(live)
    try:
        with closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as source:
            with closing(sqlite3.connect(live, timeout=connection.BUSY_TIMEOUT_MS / 1000)) as dest:
                source.backup(dest)  # through SQLite's locks: open readers see old or new
    except sqlite3.Error as exc:
        raise BackupError(f"cannot restore into {live}: {exc}") from None
    with closing(connection.connect(live)) as conn:  # migrates an older schema
        to_version = connection.schema_version(conn)
        with connection.transaction(conn):
            # the running bot of the backup's moment is not running now
            conn.execute("DELETE FROM heartbeat")
    secret = _put_secret_back(saved_secret, live, now) if with_secret else None
    return Restored(file, live, kept, version, to_version, secret)


def _put_secret_back(saved: Path, live: Path, now: datetime) -> Path:
    target = live.parent / SECRET_FILE
    if target.exists():  # kept, as the replaced database is
        os.replace(target, live.parent / f"checkin-replaced-{stamp(now)}.secret")
    return _copy_secret(saved, target)


# --- what the Operations page shows ------------------------------------------


def last_backup(viewer: Viewer, conn: sqlite3.Connection, now: datetime) -> dict | None:
    """The newest backup taken, its age and whether it is too old; admins only."""
    if not viewer.is_admin or not _has_table(conn, "backups"):
        return None
    row = conn.execute("SELECT * FROM backups ORDER BY taken_at DESC, id DESC LIMIT 1").fetchone()
    if row is None:
        return None
    age = now - parse_iso(row["taken_at"])
    return {
        "path": row["path"],
        "bytes": row["bytes"],
        "size": size_words(row["bytes"]),
        "schema_version": row["schema_version"],
        "taken_at": row["taken_at"],
        "taken_by": row["taken_by"],
        "age_hours": round(age.total_seconds() / 3600, 1),
        "stale": age > STALE_AFTER,
    }


def recent_backups(viewer: Viewer, conn: sqlite3.Connection, limit: int = 20) -> list[dict]:
    if not viewer.is_admin or not _has_table(conn, "backups"):
        return []
    rows = conn.execute(
        "SELECT taken_at, taken_by, path, bytes, schema_version FROM backups "
        "ORDER BY taken_at DESC, id DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [dict(r) for r in rows]
