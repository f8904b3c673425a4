import sqlite3
import subprocess
import sys
import textwrap

import pytest

from checkin.db import connection
from checkin.db.migrations import LATEST, MIGRATIONS


def test_empty_file_reaches_current_schema(db_path):
    conn = connection.connect(db_path)
    assert connection.schema_version(conn) == LATEST
    tables = set(connection.table_counts(conn))
    for table in (
        "members",
        "checkins",
        "questions",
        "runs",
        "answers",
        "answer_history",
        "pool_questions",
        "feedback_requests",
        "feedback_invites",
        "feedback_responses",
        "outbox",
        "events",
        "heartbeat",
        "seen_events",
    ):
        assert table in tables


def test_older_file_is_upgraded_in_place_keeping_its_rows(db_path):
    conn = connection.connect(db_path, migrate_schema=False)
    connection.migrate(conn, upto=1)
    assert connection.schema_version(conn) == 1
    conn.execute("INSERT INTO members (slack_id, created_at) VALUES ('U1', '2026-01-01T00:00:00Z')")
    conn.close()

    conn = connection.connect(db_path)
    assert connection.schema_version(conn) == LATEST
    assert conn.execute("SELECT slack_id FROM members").fetchall()[0][0] == "U1"
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert versions == [m[0] for m in MIGRATIONS]


def test_file_from_a_newer_version_is_refused_with_a_clear_message(db_path):
    conn = connection.connect(db_path)
    conn.execute(
        "INSERT INTO schema_migrations VALUES (?, 'from the future', '2030-01-01T00:00:00Z')",
        (LATEST + 1,),
    )
    conn.close()
    with pytest.raises(connection.DatabaseError, match="newer than this checkin knows"):
        connection.connect(db_path)


def test_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("hello, this is not sqlite" * 100)
    with pytest.raises(connection.DatabaseError, match="not a checkin database"):
        connection.connect(path)


def test_opened_in_wal_with_foreign_keys_and_busy_timeout(conn):
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_transaction_rolls_back_on_error(conn):
    with pytest.raises(RuntimeError), connection.transaction(conn):
        conn.execute("INSERT INTO meta VALUES ('a', 'b')")
        raise RuntimeError
    assert conn.execute("SELECT COUNT(*) FROM meta").fetchone()[0] == 0


def test_thread_local_gives_each_thread_its_own_connection(db_path):
    import threading

    pool = connection.ThreadLocal(db_path)
    seen = []

    def work():
        seen.append(id(pool.conn))
        pool.conn.execute("SELECT 1")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 4
    pool.close()


WRITER = textwrap.dedent(
    """
    import sys
    from checkin.db import connection
    from checkin.ops import events
    conn = connection.connect(sys.argv[1])
    for i in range(int(sys.argv[2])):
        events.record_event(conn, "load_test", detail=str(i))
    print("ok")
    """
)
READER = textwrap.dedent(
    """
    import sys, sqlite3
    from checkin.db import connection
    errors = reads = 0
    last = -1
    while last < int(sys.argv[2]):
        conn = connection.connect(sys.argv[1])
        try:
            last = conn.execute("SELECT COUNT(*) FROM events WHERE kind='load_test'").fetchone()[0]
            reads += 1
        except sqlite3.OperationalError:
            errors += 1
        conn.close()
    print(reads, errors)
    """
)


def test_concurrent_writer_and_reader_processes_see_no_lock_errors(db_path):
    """Two processes on one file: thousands of writes while another reads, zero errors."""
    connection.connect(db_path).close()
    writes = 3000
    cwd = str(__import__("pathlib").Path(__file__).resolve().parents[2])
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(db_path), str(writes)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    writer = subprocess.run(
        [sys.executable, "-c", WRITER, str(db_path), str(writes)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out, err = reader.communicate(timeout=120)
    assert writer.returncode == 0, writer.stderr
    assert reader.returncode == 0, err
    reads, errors = (int(x) for x in out.split())
    assert errors == 0
    assert reads > 1
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == writes


def test_upgrade_fills_each_runs_first_answers_from_its_answers(db_path):
    conn = connection.connect(db_path, migrate_schema=False)
    connection.migrate(conn, upto=5)
    conn.executescript(
        """
        INSERT INTO members (slack_id, created_at) VALUES ('U1', 'x');
        INSERT INTO checkins (id, name, days, time, participants, created_at, updated_at)
            VALUES (1, 'c', '["mon"]', '09:00', '[]', 'x', 'x');
        INSERT INTO questions (id, checkin_id, position, text, kind, created_at)
            VALUES (1, 1, 1, 'q1', 'text', 'x'), (2, 1, 2, 'q2', 'text', 'x');
        INSERT INTO runs (id, checkin_id, member_id, local_date, week, due_at, closes_at,
                          question_ids, created_at)
            VALUES (1, 1, 'U1', '2026-11-23', '2026-W48', 'x', 'x', '[1,2]', 'x'),
                   (2, 1, 'U1', '2026-11-25', '2026-W48', 'x', 'x', '[1,2]', 'x');
        INSERT INTO answers (run_id, question_id, checkin_id, member_id, week, local_date,
                             question_text, text, skipped, answered_at)
            VALUES (1, 1, 1, 'U1', '2026-W48', '2026-11-23', 'q1', NULL, 1, '2026-11-23T09:05:00Z'),
                   (1, 2, 1, 'U1', '2026-W48', '2026-11-23', 'q2', 'hi', 0, '2026-11-23T09:06:00Z'),
                   (2, 1, 1, 'U1', '2026-W48', '2026-11-25', 'q1', NULL, 1, '2026-11-25T09:05:00Z');
        """
    )
    conn.close()
    conn = connection.connect(db_path)
    rows = conn.execute("SELECT id, first_answer_at, answered_at FROM runs ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [
        (1, "2026-11-23T09:05:00Z", "2026-11-23T09:06:00Z"),
        (2, "2026-11-25T09:05:00Z", None),
    ]
