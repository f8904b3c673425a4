"""Migration 10 on a database from before it: responses get random ids and keep their answers;
older pool questions are not DMed about again."""

from __future__ import annotations

import re

from checkin.db import connection


def test_older_responses_and_pool_questions_survive_migration_10(db_path):
    conn = connection.connect(db_path, migrate_schema=False)
    connection.migrate(conn, upto=6)
    conn.execute("INSERT INTO members (slack_id, created_at) VALUES ('U001', 'x'), ('U002', 'x')")
    conn.execute(
        "INSERT INTO feedback_requests (subject_id, requested_by, questions, created_at) "
        "VALUES ('U001', 'U001', '[{\"text\": \"Keep doing?\", \"kind\": \"text\"}]', 'x')"
    )
    conn.execute(
        "INSERT INTO feedback_invites (request_id, member_id, responded) VALUES (1, 'U002', 1)"
    )
    conn.execute(
        "INSERT INTO feedback_responses (request_id, answers, submitted_on) "
        "VALUES (1, '[\"Great reviews\"]', '2026-11-20')"
    )
    conn.execute(
        "INSERT INTO pool_questions (text, submitted_by, status, reviewed_by, reviewed_at, "
        "created_at) VALUES ('Coffee or tea?', 'U002', 'approved', 'U001', '2026-11-21T10:00:00Z', "
        "'2026-11-20T10:00:00Z')"
    )
    conn.commit()
    connection.migrate(conn)
    row = conn.execute("SELECT * FROM feedback_responses").fetchone()
    assert re.fullmatch(r"[0-9a-f]{32}", row["id"])
    assert (row["request_id"], row["answers"]) == (1, '["Great reviews"]')
    assert "submitted_on" not in row.keys()  # no time at all since migration 16
    pool_row = conn.execute("SELECT * FROM pool_questions").fetchone()
    assert pool_row["outcome_told_at"] == "2026-11-21T10:00:00Z"
    assert pool_row["moderation_sent_at"] is not None
    conn.close()


def test_migration_13_retries_invites_never_sent_and_remembers_what_moderation_dms_show(db_path):
    conn = connection.connect(db_path, migrate_schema=False)
    connection.migrate(conn, upto=12)
    conn.execute(
        "INSERT INTO members (slack_id, created_at) VALUES ('U001', 'x'), ('U002', 'x'), "
        "('U003', 'x'), ('U004', 'x')"
    )
    for _ in (1, 2):
        conn.execute(
            "INSERT INTO feedback_requests (subject_id, requested_by, questions, created_at) "
            "VALUES ('U001', 'U001', '[]', 'x')"
        )
    conn.executemany(
        "INSERT INTO feedback_invites (request_id, member_id, sent_at, expires_at) "
        "VALUES (?, ?, ?, '2999-01-01T00:00:00.000000Z')",
        [(1, "U002", None), (1, "U003", "2026-11-20T10:00:00Z"), (2, "U004", None)],
    )
    conn.execute(  # request 1's outbox row failed; request 2's waits for the bot
        "INSERT INTO outbox (kind, payload, status, created_at) VALUES "
        "('feedback_invites', '{\"request_id\": 1}', 'failed', 'x'), "
        "('feedback_invites', '{\"request_id\": 2}', 'pending', 'x')"
    )
    conn.execute(
        "INSERT INTO pool_questions (text, status, created_at) VALUES ('Tea?', 'pending', 'x')"
    )
    conn.execute(
        "INSERT INTO pool_moderation_messages (pool_question_id, admin_id, channel_id, "
        "message_ts) VALUES (1, 'U001', 'D001', '1.0')"
    )
    conn.commit()
    connection.migrate(conn)
    retry = dict(conn.execute("SELECT member_id, retry_at FROM feedback_invites"))
    assert retry["U002"] is not None  # never sent, nothing queued: tried again
    assert retry["U003"] is None and retry["U004"] is None  # sent; queued already
    shown = conn.execute("SELECT shown_text FROM pool_moderation_messages").fetchone()[0]
    assert shown == "Tea?"
    conn.close()
