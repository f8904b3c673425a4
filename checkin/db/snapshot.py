"""A checked copy of a live database: SQLite's online backup, then `integrity_check`.

The daily backups (`checkin.ops.backup`) and the copy kept before a schema
migration (`checkin.db.connection.migrate`) are both made here, so a copy is
taken and checked one way. Copies are created readable by the owner only.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


class CopyError(Exception):
    """A copy that could not be made or did not pass its check; str() says why in one line."""


def private_dir(directory: Path) -> Path:
    """Create `directory` (and its parents) readable by the owner only, whatever the umask."""
    if not directory.is_dir():
        directory.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        os.chmod(directory, PRIVATE_DIR)
    return directory


def private_file(path: Path) -> Path:
    """Create an empty file `path` with mode 600 (SQLite keeps a file's mode when it writes)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    os.close(fd)
    os.chmod(path, PRIVATE_FILE)
    return path


def schema_version(conn: sqlite3.Connection) -> int:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return row[0] or 0


def check_copy(path: Path) -> int:
    """The schema version of the SQLite file `path`, once it passes `integrity_check`."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            result = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
            version = schema_version(conn)
    except sqlite3.DatabaseError as exc:
        raise CopyError(f"{path} is not a readable SQLite database ({exc})") from None
    if result != ["ok"]:
        raise CopyError(f"{path} fails integrity_check: {result[0]}")
    return version


def copy_checked(source: sqlite3.Connection, out: Path) -> int:
    """Copy the database `source` is open on to the new file `out` (mode 600), checked.

    The copy is the database as of one read transaction (WAL lets writers go
    on meanwhile) and one self-contained file; it is written as `out.partial`
    and renamed once it passes the check. Returns its schema version.
    """
    if out.exists():
        raise CopyError(f"{out} exists already")
    partial = out.with_name(out.name + ".partial")
    try:
        private_dir(out.parent)
        partial.unlink(missing_ok=True)
        private_file(partial)
        with closing(sqlite3.connect(partial)) as dest:
            source.backup(dest)  # all pages in one step: one consistent snapshot
            dest.execute("PRAGMA journal_mode = DELETE")
        version = check_copy(partial)
        os.replace(partial, out)
    except (sqlite3.Error, OSError) as exc:
        _discard(partial)
        raise CopyError(f"cannot copy the database to {out}: {exc}") from None
    except BaseException:
        _discard(partial)
        raise
    return version


def _discard(partial: Path) -> None:
    try:
        partial.unlink(missing_ok=True)
    except OSError:
        pass  # its folder could not be made: there is nothing to discard


def _loose(path: Path) -> bool:
    """Whether anyone but the owner may read (or enter) `path`."""
    try:
        return bool(path.stat().st_mode & 0o077)
    except OSError:
        return False


def _shared(folder: Path) -> bool:
    """A folder with the sticky bit (/tmp, /dev/shm): everyone's files, each deletable only by
    its owner."""
    try:
        return bool(folder.stat().st_mode & stat.S_ISVTX)
    except OSError:
        return False


def tighten(database: Path, backup_dir: Path) -> list[Path]:
    """Make the database's files and folders owner-only where they are not; returns what changed.

    The database with its `-wal` and `-shm`, the signing secret, the copies a
    restore kept (`*-replaced-*`), every copy in the backup folder, and the
    folders themselves (the data folder unless it is the home directory or a
    shared folder such as /tmp, whose sticky bit says others keep files there:
    made owner-only it would lock them out; the files in it are still 600).
    A path that cannot be changed (someone else's) is left as it is.
    """
    folder = database.parent
    files = [database.with_name(database.name + s) for s in ("", "-wal", "-shm")]
    files.append(folder / "checkin.secret")
    if folder.is_dir():
        files += [p for p in folder.glob(f"{database.stem}-replaced-*") if p.is_file()]
        files += [p for p in folder.glob("checkin-replaced-*.secret") if p.is_file()]
    folders = [backup_dir] if backup_dir.is_dir() else []
    if backup_dir.is_dir():
        files += [p for p in backup_dir.glob("checkin-*") if p.is_file()]
    if folder.is_dir() and folder.resolve() != Path.home().resolve() and not _shared(folder):
        folders.append(folder)
    changed = []
    for path, mode in [*((f, PRIVATE_FILE) for f in files), *((d, PRIVATE_DIR) for d in folders)]:
        if not _loose(path):
            continue
        try:
            os.chmod(path, mode)
        except OSError:
            continue
        changed.append(path)
    return changed
