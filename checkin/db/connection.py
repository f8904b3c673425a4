"""The SQLite connection: WAL, busy timeout, one short transaction per change, the meta table."""

from __future__ import annotations

import functools
import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

from checkin.clock import Clock, iso, system_clock
from checkin.config import ConfigError, load_config
from checkin.db import migrations as schema
from checkin.db import snapshot

Migration = tuple[int, str, str]

log = logging.getLogger("checkin.db")
_TIGHTENED: set[Path] = set()  # databases whose files this process has checked

BUSY_TIMEOUT_MS = 15_000


class DatabaseError(Exception):
    """A database a person must deal with (too new, unreadable); str() is the line to show."""


def connect(
    path: str | Path, *, migrate_schema: bool = True, backup_dir: Path | None = None
) -> sqlite3.Connection:
    """Open (creating if needed) the database at `path`, upgraded to the current schema.

    The connection is in autocommit mode; group writes with `transaction()`.
    It may be used from the thread that opened it only; see `ThreadLocal`.
    `backup_dir`: where the copy kept before an upgrade goes (see `migrate`).
    """
    path = Path(path)
    if str(path) != ":memory:":
        _private(path, backup_dir)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")  # deleted rows are zeroed, not left in pages
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path} is not a checkin database ({exc})") from None
    if migrate_schema:
        try:
            migrate(conn, backup_dir=backup_dir)
        except BaseException:
            conn.close()
            raise
    return conn


def _private(path: Path, backup_dir: Path | None) -> None:
    """Create the database's folder (700) and file (600) owner-only, whatever the umask; once a
    process, tighten what an earlier start left readable by others, and say so in one line."""
    try:
        snapshot.private_dir(path.parent)
        if not path.exists():
            snapshot.private_file(path)
    except FileExistsError:
        pass  # another process created it first
    except OSError as exc:
        raise DatabaseError(f"cannot create the database {path}: {exc.strerror}") from None
    key = path.resolve()
    if key in _TIGHTENED:
        return
    _TIGHTENED.add(key)
    changed = snapshot.tighten(path, backup_dir or pre_migration_dir(path))
    if changed:
        log.warning(
            "made owner-only (files 600, folders 700), they were readable by others: %s",
            ", ".join(str(p) for p in changed),
        )


class WritePriority:
    """Lets a few writes in this process go first: the bot's ack path keeps a request
    before it acknowledges it, and must not queue behind a burst of other writes.

    `with PRIORITY.urgent():` around the urgent write; `transaction()` waits (up
    to `patience` seconds, so nothing starves) while an urgent write is pending.
    """

    def __init__(self, patience: float = 0.25) -> None:
        self.patience = patience
        self._cond = threading.Condition()
        self._urgent = 0

    @contextmanager
    def urgent(self) -> Iterator[None]:
        with self._cond:
            self._urgent += 1
        try:
            yield
        finally:
            with self._cond:
                self._urgent -= 1
                if not self._urgent:
                    self._cond.notify_all()

    def wait_turn(self) -> None:
        if not self._urgent:  # the common case, without the lock
            return
        with self._cond:
            self._cond.wait_for(lambda: not self._urgent, self.patience)


PRIORITY = WritePriority()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the write lock up front (no upgrade deadlocks)."""
    if conn.in_transaction:  # nested: the outer one commits
        yield conn
        return
    PRIORITY.wait_turn()
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def schema_version(conn: sqlite3.Connection) -> int:
    return snapshot.schema_version(conn)


def database_file(conn: sqlite3.Connection) -> Path | None:
    """The file `conn` is open on; None for an in-memory database."""
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main":
            return Path(row[2]) if row[2] else None
    return None


def pre_migration_dir(database: Path) -> Path:
    """CHECKIN_BACKUP_DIR (from the environment or `.env`), or `backups/` beside the database."""
    try:
        configured = load_config().backup_dir
    except ConfigError:
        configured = None
    return configured or database.parent / "backups"


def migrate(
    conn: sqlite3.Connection,
    upto: int | None = None,
    *,
    migrations: Sequence[Migration] | None = None,
    backup_dir: Path | None = None,
    clock: Clock = system_clock,
) -> int:
    """Bring the schema to `upto` (default: the newest); refuse a file from a newer checkin.

    Before a migration changes an existing database, the file is copied with
    SQLite's online backup and checked (`integrity_check`) as
    `checkin-before-schema-N-<date>.db` in `backup_dir` (default:
    `pre_migration_dir`). The migrations then run in one transaction: one that
    fails rolls all of them back, leaving the file as it was, and raises
    DatabaseError naming the copy. An upgrade that cannot first be copied is
    not made.
    """
    migrations = schema.MIGRATIONS if migrations is None else migrations
    latest = migrations[-1][0]
    upto = latest if upto is None else upto
    current = schema_version(conn)
    if current > latest:
        raise DatabaseError(
            f"this database has schema version {current}, newer than this checkin knows "
            f"({latest}): upgrade checkin (git pull; make run), restore a backup made with "
            "this version, or use another CHECKIN_DB"
        )
    if current >= upto:
        return current
    kept = _keep_before_migrating(conn, current, upto, backup_dir, clock) if current else None
    try:
        with transaction(conn):
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            current = schema_version(conn)  # another process may have migrated meanwhile
            if current == 0 and upto == latest and migrations is schema.MIGRATIONS:
                if _holds_nothing(conn):
                    _create_newest(conn, clock)
                    return latest
            for version, description, sql in migrations:
                if current < version <= upto:
                    for statement in _statements(sql):
                        conn.execute(statement)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, description, applied_at) "
                        "VALUES (?, ?, ?)",
                        (version, description, iso(clock())),
                    )
    except sqlite3.Error as exc:
        where = database_file(conn) or "the database"
        copy = f"; a copy of it from before is {kept}" if kept else ""
        raise DatabaseError(
            f"the upgrade of {where} from schema {current} to {upto} failed ({exc}); "
            f"nothing was changed{copy}"
        ) from None
    return schema_version(conn)


def _holds_nothing(conn: sqlite3.Connection) -> bool:
    """A new file: nothing in it but the empty schema_migrations table just created."""
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    return names <= {"schema_migrations"}


def _create_newest(conn: sqlite3.Connection, clock: Clock) -> None:
    """Make a new database's schema in one step: the tables, indexes, views and triggers the
    migrations end with, and every migration recorded as applied. Running the migrations
    one by one (tables made, then rebuilt) costs a new file about ten times more;
    tests/db/test_new_database.py holds the two ways to the same schema."""
    statements, versions = _newest_schema()
    for statement in statements:
        conn.execute(statement)
    now = iso(clock())
    conn.executemany(
        "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
        [(version, description, now) for version, description in versions],
    )


@functools.cache
def _newest_schema() -> tuple[tuple[str, ...], tuple[tuple[int, str], ...]]:
    """The CREATE statements of the newest schema (tables first, then indexes, views and
    triggers: a table rebuilt by a later migration comes after the triggers on it in
    sqlite_master), read once a process from an in-memory database the migrations built."""
    with closing(sqlite3.connect(":memory:", isolation_level=None)) as mem:
        migrate(mem, migrations=list(schema.MIGRATIONS))
        shadow = {row[1] for row in mem.execute("PRAGMA table_list") if row[2] == "shadow"}
        rows = mem.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations' ORDER BY rowid"
        ).fetchall()
        order = {"table": 0, "index": 1, "view": 2, "trigger": 3}
        statements = tuple(
            sql for kind, name, sql in sorted(rows, key=lambda r: order[r[0]]) if name not in shadow
        )
        versions = tuple(
            (row[0], row[1])
            for row in mem.execute("SELECT version, description FROM schema_migrations ORDER BY 1")
        )
    return statements, versions


def _keep_before_migrating(
    conn: sqlite3.Connection,
    current: int,
    upto: int,
    backup_dir: Path | None,
    clock: Clock,
) -> Path | None:
    database = database_file(conn)
    if database is None:
        return None
    directory = backup_dir or pre_migration_dir(database)
    when = iso(clock())[:19].replace("-", "").replace(":", "") + "Z"
    out = directory / f"checkin-before-schema-{upto}-{when}.db"
    n = 1
    while out.exists():
        n += 1
        out = directory / f"checkin-before-schema-{upto}-{when}-{n}.db"
    try:
        snapshot.copy_checked(conn, out)
    except snapshot.CopyError as exc:
        raise DatabaseError(
            f"{database} needs an upgrade from schema {current} to {upto}, but no copy of it "
            f"could be kept first ({exc}); nothing was changed: free space or set "
            "CHECKIN_BACKUP_DIR, then start again"
        ) from None
    return out


def _statements(sql: str) -> Iterator[str]:
    """Split a migration script so each statement runs inside our transaction.

    (`executescript` would commit first.) Statements are separated by `;` at
    the end of a line, so a trigger keeps its body's statements on one line.
    """
    buffer: list[str] = []
    for line in sql.splitlines():
        code = line.split("--", 1)[0].rstrip()
        if not code:
            continue
        buffer.append(code)
        if code.endswith(";"):
            yield "\n".join(buffer)
            buffer = []
    if buffer:
        yield "\n".join(buffer)


def checkpoint(conn: sqlite3.Connection, patience_ms: int = 250) -> bool:
    """Copy the WAL into the file and empty it, so rows changed or deleted since are gone
    from both (with `secure_delete`); False when readers held it (the next one does it).

    Waits at most `patience_ms` for other connections, never inside a transaction.
    """
    if conn.in_transaction:
        return False
    conn.execute(f"PRAGMA busy_timeout = {int(patience_ms)}")
    try:
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    except sqlite3.OperationalError:
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return not busy


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per table, as `sqlite-utils tables --counts` shows them."""
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    indexes = db.table_names(fts5=True)  # full-text indexes and their shadow tables: not data
    return {
        table.name: table.count
        for table in db.tables
        if not any(table.name == i or table.name.startswith(f"{i}_") for i in indexes)
    }


class ThreadLocal:
    """One connection per thread: Bolt runs listeners in a thread pool.

    sqlite3 connections may not cross threads; this hands each thread its own
    connection to the same file, opened on first use.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []
        connect(self.path).close()  # migrate once, up front

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA secure_delete = ON")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._all.clear()
        self._local = threading.local()
