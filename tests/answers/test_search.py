"""Full-text search: the FTS5 index follows every insert, edit and delete; ranked, marked, paged."""

from datetime import UTC, date, datetime

import pytest

from checkin.answers import record, runs, search
from checkin.answers.search import MARK_END, MARK_START, SearchError, marked_parts, search_answers
from checkin.checkins import model
from checkin.checkins.timing import DueRun
from checkin.db import connection
from checkin.people import members
from checkin.people.viewer import OPERATOR, Viewer


def _run(conn, checkin_id, member, day, clock):  # noqa: ANN001, ANN202
    members.upsert_member(conn, member, name=member.lower(), tz="UTC", clock=clock)
    qids = [q["id"] for q in model.active_questions(conn, checkin_id)]
    due = DueRun(
        member_id=member,
        local_date=day,
        due_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
        closes_at=datetime(day.year, day.month, day.day, 23, 59, tzinfo=UTC),
    )
    return runs.create_run(conn, checkin_id, due, qids, clock=clock), qids


def _say(conn, wellbeing, clock, member, text, day=date(2026, 11, 25)):  # noqa: ANN001, ANN202
    """A text answer from `member`; returns its answer id."""
    run_id, qids = _run(conn, wellbeing["id"], member, day, clock)
    clock.advance(minutes=1)
    return record.record_answer(conn, run_id, qids[1], text=text, clock=clock).answer_id


def _ids(page) -> list[int]:  # noqa: ANN001
    return [h.answer_id for h in page.items]


def test_a_new_text_answer_is_found_at_once(conn, wellbeing, clock):
    answer = _say(conn, wellbeing, clock, "U001", "Shipped the export to the billing team")
    page = search_answers(conn, OPERATOR, "billing")
    assert _ids(page) == [answer]
    assert page.total == 1
    assert page.items[0].member_id == "U001"
    assert page.items[0].question_text == "What did you work on?"


def test_an_edited_answer_is_found_by_its_new_words_only(conn, wellbeing, clock):
    answer = _say(conn, wellbeing, clock, "U001", "Fixed the flaky login test")
    record.edit_answer(conn, answer, text="Rewrote the invoice parser", clock=clock)
    assert search_answers(conn, OPERATOR, "flaky").total == 0
    assert _ids(search_answers(conn, OPERATOR, "invoice")) == [answer]


def test_a_deleted_answer_leaves_the_index(conn, wellbeing, clock):
    answer = _say(conn, wellbeing, clock, "U001", "Paired on the onboarding guide")
    with connection.transaction(conn):
        conn.execute("DELETE FROM answers WHERE id = ?", (answer,))
    assert search_answers(conn, OPERATOR, "onboarding").total == 0
    conn.execute("INSERT INTO answers_fts (answers_fts) VALUES ('integrity-check')")


def test_scale_labels_and_skips_are_not_indexed(conn, wellbeing, clock):
    run_id, qids = _run(conn, wellbeing["id"], "U001", date(2026, 11, 25), clock)
    record.record_answer(conn, run_id, qids[0], text="great", number=5, clock=clock)
    record.record_answer(conn, run_id, qids[1], skipped=True, clock=clock)
    assert search_answers(conn, OPERATOR, "great").total == 0
    assert conn.execute("SELECT COUNT(*) FROM answers_fts_docsize").fetchone()[0] == 0


def test_migration_indexes_the_answers_that_were_there_before(tmp_path, clock):
    """Answers stored before migration 7 existed are found once it has run."""
    from checkin.checkins.definitions import import_definitions, parse_toml
    from checkin.db.migrations import MIGRATIONS
    from tests.conftest import WELLBEING

    conn = connection.connect(tmp_path / "old.db")
    import_definitions(conn, parse_toml(WELLBEING), clock=clock)
    checkin = conn.execute("SELECT * FROM checkins").fetchone()
    run_id, qids = _run(conn, checkin["id"], "U001", date(2026, 11, 25), clock)
    # The database as it was before migration 7: no index, no triggers.
    for name in ("after_insert", "after_delete", "after_update"):
        conn.execute(f"DROP TRIGGER answers_fts_{name}")
    conn.execute("DROP TABLE answers_fts")
    record.record_answer(conn, run_id, qids[0], text="okay", number=3, clock=clock)
    old = record.record_answer(conn, run_id, qids[1], text="Migrated the wiki", clock=clock)
    (sql,) = [sql for version, _, sql in MIGRATIONS if version == 7]
    with connection.transaction(conn):
        for statement in connection._statements(sql):
            conn.execute(statement)
    assert _ids(search_answers(conn, OPERATOR, "wiki")) == [old.answer_id]
    assert search_answers(conn, OPERATOR, "okay").total == 0


def test_better_matches_rank_first(conn, wellbeing, clock):
    once = _say(conn, wellbeing, clock, "U001", "Deploy day, then a long lunch with the whole team")
    twice = _say(conn, wellbeing, clock, "U002", "Deploy, deploy: the deploy script")
    page = search_answers(conn, OPERATOR, "deploy")
    assert _ids(page) == [twice, once]
    assert page.items[0].score < page.items[1].score


def test_matches_are_marked_in_the_snippet(conn, wellbeing, clock):
    _say(conn, wellbeing, clock, "U001", "Reviewed the <b>pricing</b> page copy")
    hit = search_answers(conn, OPERATOR, "pricing").items[0]
    assert f"{MARK_START}pricing{MARK_END}" in hit.snippet
    assert ("pricing", True) in marked_parts(hit.snippet)
    assert "".join(text for text, _ in marked_parts(hit.snippet)) == hit.text


def test_porter_stemming_finds_other_forms_of_a_word(conn, wellbeing, clock):
    answer = _say(conn, wellbeing, clock, "U001", "Interviewed two candidates")
    assert _ids(search_answers(conn, OPERATOR, "interviewing")) == [answer]


@pytest.mark.parametrize("query", ['"unclosed', "AND", "(", "note: done", "*prefix", "a NOT"])
def test_a_query_fts_cannot_read_is_one_plain_line(conn, wellbeing, clock, query):
    _say(conn, wellbeing, clock, "U001", "Something to search")
    with pytest.raises(SearchError) as caught:
        search_answers(conn, OPERATOR, query)
    message = str(caught.value)
    assert message.startswith("Search could not read that query")
    assert "\n" not in message


def test_empty_query_matches_nothing(conn, wellbeing, clock):
    _say(conn, wellbeing, clock, "U001", "Something")
    assert search_answers(conn, OPERATOR, "   ").total == 0


def test_results_come_a_page_at_a_time(conn, wellbeing, clock):
    made = [
        _say(conn, wellbeing, clock, f"U{n:03d}", f"Standup notes number {n}") for n in range(1, 8)
    ]
    first = search_answers(conn, OPERATOR, "standup", page=1, page_size=3)
    third = search_answers(conn, OPERATOR, "standup", page=3, page_size=3)
    assert first.total == 7 and first.pages == 3
    assert len(first.items) == 3 and len(third.items) == 1
    seen = set()
    for n in (1, 2, 3):
        seen |= set(_ids(search_answers(conn, OPERATOR, "standup", page=n, page_size=3)))
    assert seen == set(made)


def test_a_member_finds_only_their_own_answers(conn, wellbeing, clock):
    mine = _say(conn, wellbeing, clock, "U001", "Budget review")
    _say(conn, wellbeing, clock, "U002", "Budget planning")
    member = Viewer(role="member", slack_id="U001")
    page = search_answers(conn, member, "budget")
    assert _ids(page) == [mine] and page.total == 1
    lead = Viewer(role="lead", slack_id="U009", lead_of=frozenset({wellbeing["id"]}))
    assert search_answers(conn, lead, "budget").total == 2
    other_lead = Viewer(role="lead", slack_id="U009", lead_of=frozenset({wellbeing["id"] + 1}))
    assert search_answers(conn, other_lead, "budget").total == 0


def test_filters_by_member_and_checkin(conn, wellbeing, clock):
    mine = _say(conn, wellbeing, clock, "U001", "Security audit")
    _say(conn, wellbeing, clock, "U002", "Security training", day=date(2026, 11, 27))
    assert _ids(search_answers(conn, OPERATOR, "security", member_id="U001")) == [mine]
    assert search_answers(conn, OPERATOR, "security", checkin_id=wellbeing["id"]).total == 2
    assert search_answers(conn, OPERATOR, "security", checkin_id=wellbeing["id"] + 1).total == 0


def test_rebuild_index_gives_the_same_results(conn, wellbeing, clock):
    answer = _say(conn, wellbeing, clock, "U001", "Quarterly planning")
    with connection.transaction(conn):  # an index emptied behind the triggers' back
        conn.execute("INSERT INTO answers_fts (answers_fts) VALUES ('delete-all')")
    assert search_answers(conn, OPERATOR, "quarterly").total == 0
    assert search.rebuild_index(conn) == 1
    assert _ids(search_answers(conn, OPERATOR, "quarterly")) == [answer]


def test_many_matches_rank_only_the_newest_window(conn, wellbeing, clock):
    made = []
    for n in range(1, 7):
        text = "retro " * (7 - n) + "notes"  # the older the answer, the better its match
        made.append(_say(conn, wellbeing, clock, f"U{n:03d}", text))
    page = search_answers(conn, OPERATOR, "retro", rank_window=3, page_size=10)
    assert page.matches == 6 and page.total == 3 and page.capped
    assert _ids(page) == [made[3], made[4], made[5]]  # the newest three, best first
    whole = search_answers(conn, OPERATOR, "retro", page_size=10)
    assert not whole.capped and _ids(whole) == made


def test_the_member_word_in_the_index_is_not_searched_as_text(conn, wellbeing, clock):
    _say(conn, wellbeing, clock, "U001", "Nothing about ids")
    assert search_answers(conn, OPERATOR, "U001").total == 0


def test_table_counts_leave_out_the_search_index(conn, wellbeing, clock):
    _say(conn, wellbeing, clock, "U001", "Counted once")
    counts = connection.table_counts(conn)
    assert counts["answers"] == 1
    assert not [name for name in counts if name.startswith("answers_fts")]


@pytest.mark.parametrize(
    "query", ["x) OR (budget", "budget) OR member_id : (U002", "member_id : U002", "U002"]
)
def test_a_member_cannot_query_past_their_own_answers(conn, wellbeing, clock, query):
    _say(conn, wellbeing, clock, "U001", "Budget review")
    _say(conn, wellbeing, clock, "U002", "Budget planning with U002")
    member = Viewer(role="member", slack_id="U001")
    try:
        page = search_answers(conn, member, query)
    except SearchError:
        return
    assert page.matches == len(page.items) <= 1  # counts leak nothing of U002's answers
    assert all(h.member_id == "U001" for h in page.items)


def test_parentheses_that_stay_inside_the_query_are_fine(conn, wellbeing, clock):
    mine = _say(conn, wellbeing, clock, "U001", "Budget review")
    member = Viewer(role="member", slack_id="U001")
    assert _ids(search_answers(conn, member, "(budget OR plans) AND review")) == [mine]
    assert _ids(search_answers(conn, member, '"budget (draft"')) == []
