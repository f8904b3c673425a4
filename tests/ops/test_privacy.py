import json
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime

import pytest

from checkin.answers import record, runs
from checkin.checkins import model
from checkin.checkins.timing import DueRun
from checkin.cli import main
from checkin.db import connection
from checkin.feedback import form, invites, requests
from checkin.ops import inbox, privacy
from checkin.people import members
from checkin.people.viewer import OPERATOR, Viewer
from checkin.pool import submit
from checkin.reports import build, formats

# What U001 wrote: none of it may be found anywhere after `member forget U001`.
THEIR_WORDS = ["Zebracrossing refactor", "Quokkaberry migration", "Adalinda Quist", "adalinda.q"]
THEIR_TEXT_REQUEST = "Wombatfield typed this in the DM"
OTHERS_WORDS = "Narwhal release notes"
SECRET = b"a test signing secret of 32 bytes"

# An external-content full-text index kept by triggers, the way one over answers is
# built: forgetting goes through the base table, and the index must follow.
FTS = """
CREATE VIRTUAL TABLE probe_fts USING fts5(text, content='answers', content_rowid='id');
INSERT INTO probe_fts(rowid, text) SELECT id, text FROM answers;
CREATE TRIGGER probe_ai AFTER INSERT ON answers BEGIN
  INSERT INTO probe_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER probe_ad AFTER DELETE ON answers BEGIN
  INSERT INTO probe_fts(probe_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER probe_au AFTER UPDATE ON answers BEGIN
  INSERT INTO probe_fts(probe_fts, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO probe_fts(rowid, text) VALUES (new.id, new.text);
END;
"""


def due(member: str, day: date) -> DueRun:
    return DueRun(
        member_id=member,
        local_date=day,
        due_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
        closes_at=datetime(day.year, day.month, day.day, 23, tzinfo=UTC),
    )


@pytest.fixture
def team(conn, wellbeing, clock):  # noqa: ANN001, ANN201
    """Two members answering in week 2026-W47; U001 edits an answer, submits, is asked."""
    conn.executescript(FTS)
    members.upsert_member(conn, "U001", name="adalinda.q", real_name="Adalinda Quist", clock=clock)
    members.upsert_member(conn, "U002", name="bo", real_name="Bo Brant", clock=clock)
    scale, text = model.active_questions(conn, wellbeing["id"])
    for member, words, mood in (("U001", THEIR_WORDS[0], 4), ("U002", OTHERS_WORDS, 2)):
        for day in (date(2026, 11, 16), date(2026, 11, 18)):
            run = runs.create_run(
                conn,
                wellbeing["id"],
                due(member, day),
                [scale["id"], text["id"]],
                status="open",
                clock=clock,
            )
            record.record_answer(conn, run, scale["id"], text="good", number=mood, clock=clock)
            stored = record.record_answer(conn, run, text["id"], text=words, clock=clock)
    first_text = conn.execute(
        "SELECT id FROM answers WHERE member_id = 'U001' AND text = ? ORDER BY id",
        (THEIR_WORDS[0],),
    ).fetchone()[0]
    record.edit_answer(conn, first_text, text=THEIR_WORDS[1], clock=clock)
    submit.submit(conn, "What made you smile?", submitted_by="U001", source="web", clock=clock)
    submit.submit(
        conn,
        "Anything to celebrate?",
        submitted_by="U001",
        anonymous=True,
        source="web",
        clock=clock,
    )
    for other in ("U003", "U004", "U005"):
        members.upsert_member(
            conn, other, name=other.lower(), real_name=f"Reviewer {other}", clock=clock
        )
    due_on, today = date(2026, 12, 11), clock().date()
    about = requests.create_request(
        conn,
        subject="U001",
        requested_by="U002",
        reviewers=["U005", "U003", "U004"],
        due=due_on,
        today=today,
        questions=[{"text": "What should they keep doing?", "kind": "text"}],
        admins=("U002",),
        clock=clock,
    )
    by_them = requests.create_request(
        conn,
        subject="U002",
        requested_by="U002",
        reviewers=["U001", "U003", "U004"],
        due=due_on,
        today=today,
        questions=[{"text": "One thing to improve?", "kind": "text"}],
        clock=clock,
    )
    (invite_id,) = conn.execute(
        "SELECT id FROM feedback_invites WHERE request_id = ? AND member_id = 'U001'", (by_them,)
    ).fetchone()
    token = invites.issue_link_token(conn, invite_id)
    form.submit_response(conn, token, {"q1": "Feedbackonly anonymous remark"}, clock=clock)
    inbox.inbox_add(
        conn, "on_message", "U001", json.dumps({"text": THEIR_TEXT_REQUEST}), clock=clock
    )
    assert stored.created
    return {"checkin": wellbeing, "about": about, "by_them": by_them}


def every_value(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """(table, column, value as text) for every column of every table in sqlite_master."""
    out = []
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        quoted = '"' + table.replace('"', '""') + '"'
        cur = conn.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - names from sqlite_master
        names = [d[0] for d in cur.description]
        for row in cur:
            for name, value in zip(names, row, strict=True):
                if isinstance(value, bytes):
                    value = value.decode("utf-8", "ignore")
                if value is not None:
                    out.append((table, name, str(value)))
    return out


def found(conn: sqlite3.Connection, words: list[str]) -> list[tuple[str, str, str]]:
    lowered = [w.lower() for w in words]
    hits = [v for v in every_value(conn) if any(w in v[2].lower() for w in lowered)]
    fts = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND sql LIKE '%USING fts5%'"
        )
    ]
    for table in fts:
        for word in words:
            for token in word.replace(".", " ").split():
                n = conn.execute(
                    f'SELECT COUNT(*) FROM "{table}" WHERE "{table}" MATCH ?',  # noqa: S608
                    (json.dumps(token),),
                ).fetchone()[0]
                if n:
                    hits.append((table, "MATCH", token))
    return hits


def test_the_scan_finds_their_words_before_forgetting(conn, team):
    hits = found(conn, THEIR_WORDS + [THEIR_TEXT_REQUEST])
    tables = {t for t, _, _ in hits}
    assert {"answers", "answer_history", "members", "inbox", "probe_fts"} <= tables
    assert ("probe_fts", "MATCH", "Zebracrossing") in hits  # in the index, via history's edit


def test_forget_leaves_no_trace_of_their_words_in_any_table_or_index(conn, team, clock):
    plan = privacy.forget_member(OPERATOR, conn, "U001", clock=clock)
    assert (plan.answers, plan.history, plan.requests, plan.pool_questions) == (4, 1, 1, 1)
    assert found(conn, THEIR_WORDS + [THEIR_TEXT_REQUEST]) == []
    assert found(conn, [OTHERS_WORDS]) != []  # the others' words stay
    member = members.get_member(conn, "U001")
    assert (member["name"], member["real_name"]) == (privacy.PLACEHOLDER, privacy.PLACEHOLDER)
    pool = conn.execute("SELECT submitted_by FROM pool_questions ORDER BY id").fetchall()
    assert [r[0] for r in pool] == [None, None]


def test_after_forget_the_words_are_gone_from_the_file_itself(conn, team, clock, db_path):
    privacy.forget_member(OPERATOR, conn, "U001", clock=clock)
    conn.close()
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob("checkin.db*")).lower()
    for token in (b"zebracrossing", b"quokkaberry", b"wombatfield", b"adalinda"):
        assert token not in raw  # lowercased: the full-text index keeps its tokens so


def test_a_past_weeks_report_keeps_its_counts_without_their_words(conn, team, clock):
    checkin = team["checkin"]
    before = build.build_report(conn, checkin, "2026-W47", clock())
    privacy.forget_member(OPERATOR, conn, "U001", clock=clock)
    after = build.build_report(conn, checkin, "2026-W47", clock())

    assert after.headline == before.headline
    h = after.headline
    assert (h.runs_asked, h.members_asked, h.members_answered) == (4, 2, 2)
    assert h.runs_asked == h.runs_answered + h.runs_skipped + h.runs_missing
    assert [q.answers for q in after.questions] == [q.answers for q in before.questions]
    assert {a.member_id for a in before.text_answers} == {"U001", "U002"}
    assert {a.text for a in after.text_answers} == {OTHERS_WORDS}
    rendered = formats.to_markdown(after)
    assert OTHERS_WORDS in rendered
    assert not any(w in rendered for w in THEIR_WORDS)


def test_forgetting_twice_changes_nothing_more(conn, team, clock):
    privacy.forget_member(OPERATOR, conn, "U001", clock=clock)
    again = privacy.forget_plan(conn, "U001")
    assert (again.answers, again.history, again.requests, again.pool_questions) == (0, 0, 0, 0)


def test_only_an_admin_may_forget(conn, team, clock):
    with pytest.raises(privacy.NotAllowed):
        privacy.forget_member(Viewer(role="member", slack_id="U001"), conn, "U001", clock=clock)
    assert found(conn, THEIR_WORDS[:1]) != []


def test_export_holds_everything_about_them_and_no_feedback_response(conn, team, clock):
    export = privacy.export_member(OPERATOR, conn, "U001", clock=clock)
    assert export["member"]["real_name"] == "Adalinda Quist"
    assert len(export["runs"]) == 2 and all(r["checkin"] == "wellbeing" for r in export["runs"])
    texts = [a["text"] for a in export["answers"]]
    assert texts.count("good") == 2 and THEIR_WORDS[1] in texts and THEIR_WORDS[0] in texts
    edited = next(a for a in export["answers"] if a["text"] == THEIR_WORDS[1])
    assert [h["text"] for h in edited["history"]] == [THEIR_WORDS[0]]
    assert [q["text"] for q in export["pool_questions_submitted"]] == ["What made you smile?"]
    (about,) = export["feedback_requests_about_them"]
    assert about["id"] == team["about"] and (about["invited"], about["answered"]) == (3, None)
    assert about["questions"][0]["text"] == "What should they keep doing?"
    (invite,) = export["feedback_invites"]
    assert (invite["request_id"], invite["subject_id"]) == (team["by_them"], "U002")
    assert "responded" not in invite and "answered_on" not in invite  # nothing says who answered
    text = privacy.export_json(export)
    assert "Feedbackonly anonymous remark" not in text
    assert OTHERS_WORDS not in text and "Bo Brant" not in text
    json.loads(text)


def test_a_member_may_export_their_own_data_but_not_someone_elses(conn, team, clock):
    me = Viewer(role="member", slack_id="U001")
    assert privacy.export_member(me, conn, "U001", clock=clock)["member"]["slack_id"] == "U001"
    assert privacy.export_member(me, conn, "U002", clock=clock) is None


def test_member_export_command_writes_json(team, db_path, tmp_path, capsys):
    out = tmp_path / "u001.json"
    assert main(["--db", str(db_path), "member", "export", "U001", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["member"]["slack_id"] == "U001"
    assert "wrote the data of U001" in capsys.readouterr().err
    assert main(["--db", str(db_path), "member", "export", "U404"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no member U404" in err


def test_member_forget_command_asks_first_and_says_how_many_rows(
    team, db_path, capsys, monkeypatch
):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    assert main(["--db", str(db_path), "member", "forget", "U001"]) == 1
    err = capsys.readouterr().err
    assert "erase 4 answers and delete 1 earlier values and 1 kept requests" in err
    assert "nothing erased" in err
    with closing(connection.connect(db_path)) as check:
        assert found(check, THEIR_WORDS[:1]) != []

    monkeypatch.setattr("builtins.input", lambda prompt: "U001")
    assert main(["--db", str(db_path), "member", "forget", "U001"]) == 0
    with closing(connection.connect(db_path)) as check:
        assert found(check, THEIR_WORDS) == []


def test_member_forget_with_yes_does_not_ask(team, db_path, capsys, monkeypatch):
    def no_prompt(prompt: str) -> str:
        raise AssertionError("asked")

    monkeypatch.setattr("builtins.input", no_prompt)
    assert main(["--db", str(db_path), "member", "forget", "U001", "--yes"]) == 0
    assert "forgot U001: 8 rows changed" in capsys.readouterr().out
