"""The pool as the web app lists it, viewer first: statuses, questions and their answers."""

from __future__ import annotations

import json
import sqlite3

from checkin.people.viewer import Viewer


def listing(conn: sqlite3.Connection, viewer: Viewer) -> list[dict]:
    """The pool as the viewer may see it: admins everything; others the approved
    questions and their own submissions. Submitter is None when anonymous."""
    rows = conn.execute(
        "SELECT p.*, COALESCE(NULLIF(m.real_name, ''), NULLIF(m.name, ''), p.submitted_by) "
        "AS submitter_name, (SELECT COUNT(*) FROM answers a JOIN questions q "
        "ON q.id = a.question_id WHERE q.pool_question_id = p.id AND a.skipped = 0) AS answers "
        "FROM pool_questions p LEFT JOIN members m ON m.slack_id = p.submitted_by "
        "ORDER BY p.status = 'pending' DESC, p.created_at DESC, p.id DESC"
    ).fetchall()
    out = []
    for r in rows:
        own = viewer.slack_id is not None and r["submitted_by"] == viewer.slack_id
        if not (viewer.is_admin or r["status"] == "approved" or own):
            continue
        out.append(
            {
                "id": r["id"],
                "question": r["text"],
                "kind": r["kind"],
                "status": r["status"],
                "submitter": None if r["anonymous"] else r["submitter_name"],
                "anonymous": bool(r["anonymous"]),
                "source": r["source"],
                "times_asked": r["times_asked"],
                "answers": r["answers"],
                "submitted_at": r["created_at"],
                "options": json.loads(r["options"]) if r["options"] else None,
                "labels": json.loads(r["labels"]) if r["labels"] else None,
            }
        )
    return out


def answers_to(conn: sqlite3.Connection, viewer: Viewer, question_id: int) -> list[dict]:
    """Answers to one pool question the viewer may see (who answered: admins and leads)."""
    rows = conn.execute(
        "SELECT a.local_date, a.member_id, a.checkin_id, a.text, a.number, "
        "COALESCE(NULLIF(m.real_name, ''), a.member_id) AS member FROM answers a "
        "JOIN questions q ON q.id = a.question_id LEFT JOIN members m "
        "ON m.slack_id = a.member_id WHERE q.pool_question_id = ? AND a.skipped = 0 "
        "ORDER BY a.local_date DESC, a.id DESC",
        (question_id,),
    ).fetchall()
    return [
        {"date": r["local_date"], "member": r["member"], "answer": r["text"]}
        for r in rows
        if viewer.may_see_member(r["member_id"], r["checkin_id"])
    ]
