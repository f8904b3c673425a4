"""The Answers page on a demo database: history, question answers, search; all as plain text."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from checkin.answers import record, runs
from checkin.checkins import model
from checkin.checkins.timing import DueRun
from checkin.clock import FakeClock
from checkin.db import connection
from checkin.demo import build_demo

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "streamlit_app.py")
PAGE = "dashboard/pages/answers.py"

HOSTILE = [
    "<script>alert(1)</script>",
    "[x](http://evil)",
    "**b**",
    '=HYPERLINK("http://evil","click")',
]


@pytest.fixture
def demo(tmp_path, monkeypatch, prepared):  # noqa: ANN001, ANN201
    path = tmp_path / "demo.db"
    prepared(build_demo, path, members=6, weeks=3, seed=3, until=date(2026, 11, 27))
    monkeypatch.setenv("CHECKIN_DB", str(path))
    conn = connection.connect(path)
    yield conn
    conn.close()


def _member(conn) -> str:  # noqa: ANN001
    return conn.execute(
        "SELECT member_id FROM answers GROUP BY member_id ORDER BY COUNT(*) DESC, member_id"
    ).fetchone()[0]


def _text_questions(conn) -> list[int]:  # noqa: ANN001
    rows = conn.execute(
        "SELECT id FROM questions WHERE kind = 'text' AND pool_question_id IS NULL "
        "AND active = 1 ORDER BY position"
    ).fetchall()
    return [r[0] for r in rows]


def _say(conn, member: str, day: date, texts: list[str]) -> list[int]:  # noqa: ANN001
    """A run of the demo check-in on `day` whose text questions get `texts`."""
    clock = FakeClock(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
    checkin = model.get_checkin(conn, "wellbeing")
    qids = _text_questions(conn)[: len(texts)]
    due = DueRun(
        member_id=member,
        local_date=day,
        due_at=clock(),
        closes_at=datetime(day.year, day.month, day.day, 23, tzinfo=UTC),
    )
    run_id = runs.create_run(conn, checkin["id"], due, qids, clock=clock)
    ids = []
    for qid, text in zip(qids, texts, strict=True):
        clock.advance(minutes=3)
        ids.append(record.record_answer(conn, run_id, qid, text=text, clock=clock).answer_id)
    return ids


def _open(**state) -> AppTest:  # noqa: ANN003
    """The page through the frame; with a `viewer`, the page alone, as that viewer.

    The frame puts the signed-in viewer in the session itself (the local operator
    without sign-in), so a seeded viewer is tried on the page's own reads.
    """
    alone = "viewer" in state
    at = AppTest.from_file(str(ROOT / PAGE) if alone else APP, default_timeout=30)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if not alone:
        at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _shown_text(at: AppTest) -> str:
    """Everything the page rendered through markdown-capable elements."""
    parts = [e.value for e in (*at.markdown, *at.caption, *at.info, *at.warning, *at.title)]
    return "\n".join(str(p) for p in parts)


def _table(at: AppTest, *has: str, lacks: str = "-"):  # noqa: ANN202
    """The first table with the columns `has` and without the column `lacks`."""
    return next(
        d.value
        for d in at.dataframe
        if set(has) <= set(d.value.columns) and lacks not in d.value.columns
    )


def _hits_html(at: AppTest) -> str:
    return "".join(h.proto.body for h in at.get("html"))


def test_member_history_is_newest_first_and_shows_hostile_answers_literally(demo):
    member = _member(demo)
    _say(demo, member, date(2026, 11, 30), HOSTILE[:2])
    _say(demo, member, date(2026, 12, 2), HOSTILE[2:])
    at = _open(answers_member=member)
    table = at.dataframe[0].value
    assert list(table["answer"][:4]) == [HOSTILE[3], HOSTILE[2], HOSTILE[1], HOSTILE[0]]
    dates = list(table["date"])
    assert dates == sorted(dates, reverse=True)
    shown = _shown_text(at)
    for text in HOSTILE:
        assert text not in shown  # never through markdown
    assert "evil" not in shown


def test_an_edited_answer_shows_its_earlier_value(demo):
    member = _member(demo)
    [answer] = _say(demo, member, date(2026, 11, 30), ["first draft"])
    clock = FakeClock(datetime(2026, 11, 30, 12, tzinfo=UTC))
    record.edit_answer(demo, answer, text="second thoughts", clock=clock)
    at = _open(answers_member=member)
    row = at.dataframe[0].value.iloc[0]
    assert row["answer"] == "second thoughts"
    assert row["earlier answers"].startswith("first draft (until 2026-11-30 12:00")
    assert "edited" in at.caption[0].value


def test_member_history_pages(demo):
    member = _member(demo)
    total = demo.execute("SELECT COUNT(*) FROM answers WHERE member_id = ?", (member,)).fetchone()[
        0
    ]
    assert total > 50
    at = _open(answers_member=member)
    first = at.dataframe[0].value
    assert len(first) == 50
    at.number_input(key="answers_member_page").set_value(2).run()
    second = at.dataframe[0].value
    assert len(second) == total - 50
    assert second["answered (UTC)"].iloc[0] <= first["answered (UTC)"].iloc[-1]
    assert any(f"51–{total} of {total}" in c.value for c in at.caption)


def test_question_answers_keep_the_wording_they_answered(demo):
    qid = _text_questions(demo)[0]
    old = demo.execute("SELECT text FROM questions WHERE id = ?", (qid,)).fetchone()[0]
    from checkin.checkins import editing
    from checkin.people.viewer import OPERATOR

    checkin_id = demo.execute("SELECT checkin_id FROM questions WHERE id = ?", (qid,)).fetchone()[0]
    form = editing.checkin_form(demo, OPERATOR, checkin_id)
    next(q for q in form.questions if q.id == qid).text = "What did you ship?"
    editing.save_checkin_form(demo, OPERATOR, form)
    member = _member(demo)
    _say(demo, member, date(2026, 11, 30), ["Shipped the new wording"])
    at = _open(answers_question=qid)
    answers = _table(at, "member", "answered (UTC)")
    assert answers["question, as asked"].iloc[0] == "What did you ship?"
    assert answers["answer"].iloc[0] == "Shipped the new wording"
    assert set(answers["question, as asked"].iloc[1:]) == {old}
    wordings = _table(at, "wording")
    assert list(wordings["wording"]) == ["What did you ship?", old]


def test_search_escapes_answers_and_marks_the_matches(demo):
    member = _member(demo)
    _say(demo, member, date(2026, 11, 30), HOSTILE[:2])
    _say(demo, member, date(2026, 12, 2), HOSTILE[2:])
    at = _open(answers_query="alert")
    body = _hits_html(at)
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in body
    assert "<script>" not in body
    for query, marked in (
        ("evil", "[x](http://<mark>evil</mark>)"),
        ("b", "**<mark>b</mark>**"),
        ("hyperlink", "=<mark>HYPERLINK</mark>(&quot;http://evil&quot;,&quot;click&quot;)"),
    ):
        at.text_input(key="answers_query").set_value(query).run()
        assert not at.exception
        assert marked in _hits_html(at)
    table = _table(at, "member", lacks="answered (UTC)")  # the search's whole answers
    assert HOSTILE[3] in list(table["answer"])
    assert "evil" not in _shown_text(at)


def test_search_ranks_the_better_match_first(demo):
    member = _member(demo)
    _say(demo, member, date(2026, 11, 30), ["Kubernetes upgrade, then lunch with the whole team"])
    _say(demo, member, date(2026, 12, 2), ["Kubernetes, kubernetes and more kubernetes"])
    at = _open(answers_query="kubernetes")
    body = _hits_html(at)
    assert body.index("and more") < body.index("then lunch")
    assert "2 answers match, best match first." in [c.value for c in at.caption]


def test_search_pages_through_many_matches(demo):
    matches = demo.execute(
        "SELECT COUNT(*) FROM answers_fts WHERE answers_fts MATCH 'text : (the)'"
    ).fetchone()[0]
    assert matches > 20
    at = _open(answers_query="the")
    first = _hits_html(at).count('class="hit"')
    at.number_input(key="answers_search_page").set_value(2).run()
    second = _hits_html(at).count('class="hit"')
    assert (first, second) == (20, min(20, matches - 20))
    assert any(f"21–{20 + second} of {matches}" in c.value for c in at.caption)


def test_a_new_query_starts_at_its_first_page(demo):
    at = _open(answers_query="the")
    at.number_input(key="answers_search_page").set_value(2).run()
    assert any(c.value.startswith("21–") for c in at.caption)
    at.text_input(key="answers_query").set_value("on").run()
    assert not any(c.value.startswith("21–") for c in at.caption)
    assert at.number_input(key="answers_search_page").value == 1


@pytest.mark.parametrize("query", ['"unclosed', "note: done", "AND"])
def test_a_query_fts_cannot_read_shows_a_message(demo, query):
    at = _open(answers_query=query)
    assert not at.exception
    assert any(w.value.startswith("Search could not read that query") for w in at.warning)


def test_a_member_viewer_finds_only_their_own_answers(demo):
    from checkin.people.viewer import Viewer

    member = _member(demo)
    other = demo.execute(
        "SELECT slack_id FROM members WHERE slack_id != ? ORDER BY slack_id LIMIT 1", (member,)
    ).fetchone()[0]
    _say(demo, member, date(2026, 11, 30), ["Zebra crossing repaint"])
    _say(demo, other, date(2026, 11, 30), ["Zebra stripes on the slides"])
    at = _open(answers_query="zebra", viewer=Viewer(role="member", slack_id=member))
    body = _hits_html(at)
    assert "crossing" in body and "stripes" not in body
    assert [o for o in at.selectbox(key="answers_member").options] == [
        at.selectbox(key="answers_member").format_func(member)
    ]


def test_the_cache_keeps_each_viewers_answers_apart(demo):
    from checkin.people.viewer import Viewer

    member = _member(demo)
    other = demo.execute(
        "SELECT slack_id FROM members WHERE slack_id != ? ORDER BY slack_id LIMIT 1", (member,)
    ).fetchone()[0]
    _say(demo, member, date(2026, 11, 30), ["Walrus one"])
    _say(demo, other, date(2026, 11, 30), ["Walrus two"])
    assert _hits_html(_open(answers_query="walrus")).count('class="hit"') == 2  # the operator
    as_member = _open(answers_query="walrus", viewer=Viewer(role="member", slack_id=member))
    assert _hits_html(as_member).count('class="hit"') == 1
