"""The SQLite connection: WAL, busy timeout, one short transaction per change, the meta table."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from checkin.clock import iso, system_clock
from checkin.db.migrations import LATEST, MIGRATIONS

BUSY_TIMEOUT_MS = 15_000


class DatabaseError(Exception):
    """A database a person must deal with (too new, unreadable); str() is the line to show."""


def connect(path: str | Path, *, migrate_schema: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) the database at `path`, upgraded to the current schema.

    The connection is in autocommit mode; group writes with `transaction()`.
    It may be used from the thread that opened it only; see `ThreadLocal`.
    """
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
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
        migrate(conn)
    return conn


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
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return row[0] or 0


def migrate(conn: sqlite3.Connection, upto: int = LATEST) -> int:
    """Bring the schema to `upto`; refuse a file written by a newer version."""
    current = schema_version(conn)
    if current > LATEST:
        raise DatabaseError(
            f"this database has schema version {current}, newer than this checkin knows "
            f"({LATEST}): upgrade checkin (git pull; make run) or use another CHECKIN_DB"
        )
    if current >= upto:
        return current
    with transaction(conn):
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        current = schema_version(conn)  # another process may have migrated meanwhile
        for version, description, sql in MIGRATIONS:
            if current < version <= upto:
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, description, applied_at) "
                    "VALUES (?, ?, ?)",
                    (version, description, iso(system_clock())),
                )
    return schema_version(conn)


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
