"""Migration 10 on a database from before it: responses get random ids and keep their answers;
older pool questions are not DMed about again."""

from __future__ import annotations

import re

from checkin import db


def test_older_responses_and_pool_questions_survive_migration_10(db_path):
    conn = db.connect(db_path, migrate_schema=False)
    db.migrate(conn, upto=6)
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
    db.migrate(conn)
    row = conn.execute("SELECT * FROM feedback_responses").fetchone()
    assert re.fullmatch(r"[0-9a-f]{32}", row["id"])
    assert (row["request_id"], row["answers"], row["submitted_on"]) == (
        1, '["Great reviews"]', "2026-11-20",
    )  # fmt: skip
    pool_row = conn.execute("SELECT * FROM pool_questions").fetchone()
    assert pool_row["outcome_told_at"] == "2026-11-21T10:00:00Z"
    assert pool_row["moderation_sent_at"] is not None
    conn.close()
