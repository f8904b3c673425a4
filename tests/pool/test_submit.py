"""Submitting and moderating pool questions: bad input, anonymity, kinds, first click wins."""

from __future__ import annotations

import json

import pytest

from checkin import errors
from checkin.people import admins, members
from checkin.people.viewer import OPERATOR, Viewer
from checkin.pool import listing, moderation
from checkin.pool import submit as pool_submit


def submit(conn, clock, text, **kw):  # noqa: ANN001, ANN201
    kw.setdefault("submitted_by", "U001")
    kw.setdefault("source", "web")
    return pool_submit.submit(conn, text, clock=clock, **kw)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "The question is empty: write it out first."),
        ("   \n\t ", "The question is empty: write it out first."),
        ("x" * 301, "The question is 301 characters long; keep it to 300 or fewer."),
        ("<@U123> <#C0001|general>", "The question has no words, only markup"),
        ("*_~~_*", "The question has no words, only markup"),
        (":tada: :rocket:", "The question has no words, only markup"),
        ("<https://example.com|link>", "The question has no words, only markup"),
        ("<b></b>", "The question has no words, only markup"),
    ],
)
def test_bad_text_is_refused_with_its_reason(conn, clock, text, reason):
    with pytest.raises(errors.Refused) as refused:
        submit(conn, clock, text)
    assert str(refused.value).startswith(reason)
    assert conn.execute("SELECT COUNT(*) FROM pool_questions").fetchone()[0] == 0


def test_exactly_300_characters_is_kept():
    assert len(pool_submit.check_text("y" * 299 + "?")) == 300


def test_question_with_an_emoji_and_words_is_kept(conn, clock):
    kept = submit(conn, clock, "  What made you smile :smile: this week? ")
    assert pool_submit.get(conn, kept.id)["text"] == "What made you smile :smile: this week?"


def test_submission_records_who_and_where(conn, clock):
    kept = submit(conn, clock, "Best lunch spot?", submitted_by="U002", source="slack_command")
    row = pool_submit.get(conn, kept.id)
    assert (row["submitted_by"], row["source"], row["status"], row["anonymous"]) == (
        "U002",
        "slack_command",
        "pending",
        0,
    )


def test_anonymous_submission_stores_no_submitter_at_all(conn, clock):
    kept = submit(conn, clock, "What should we stop doing?", submitted_by="U002", anonymous=True)
    row = dict(pool_submit.get(conn, kept.id))
    assert row["submitted_by"] is None and row["anonymous"] == 1
    assert "U002" not in json.dumps(row)
    listed = [q for q in listing.listing(conn, OPERATOR) if q["id"] == kept.id][0]
    assert listed["submitter"] is None and listed["anonymous"]


def test_choice_and_scale_questions_keep_their_options_and_labels(conn, clock):
    choice = submit(
        conn,
        clock,
        "Mountains or sea?",
        kind="choice",
        options=pool_submit.split_list("mountains, sea, neither"),
    )
    scale = submit(conn, clock, "How rested do you feel?", kind="scale")
    assert json.loads(pool_submit.get(conn, choice.id)["options"]) == [
        "mountains",
        "sea",
        "neither",
    ]
    assert json.loads(pool_submit.get(conn, scale.id)["labels"]) == pool_submit.DEFAULT_LABELS


@pytest.mark.parametrize(
    ("kind", "options", "labels", "reason"),
    [
        ("choice", ["only one"], None, "A choice question needs at least 2 options."),
        ("choice", ["a", "A"], None, "Two options are the same."),
        ("scale", None, ["1", "2", "3"], "A 1–5 scale question needs exactly 5 labels"),
        ("poll", None, None, "A question is one of text, choice, scale, not 'poll'."),
    ],
)
def test_bad_options_or_labels_are_refused(conn, clock, kind, options, labels, reason):
    with pytest.raises(errors.Refused) as refused:
        submit(conn, clock, "Which one?", kind=kind, options=options, labels=labels)
    assert str(refused.value).startswith(reason)


def test_first_moderation_wins_and_a_later_click_changes_nothing(conn, clock):
    kept = submit(conn, clock, "Best lunch spot?")
    first = moderation.moderate(conn, kept.id, "approve", "U008", clock=clock)
    second = moderation.moderate(conn, kept.id, "reject", "U009", clock=clock)
    assert first.changed and first.status == "approved"
    assert not second.changed and second.status == "approved" and second.reviewed_by == "U008"


def test_edit_changes_the_wording_approves_and_keeps_the_original(conn, clock):
    kept = submit(conn, clock, "best lunch spot")
    done = moderation.moderate(
        conn, kept.id, "edit", "U008", text="What is the best lunch spot nearby?", clock=clock
    )
    row = pool_submit.get(conn, kept.id)
    assert done.changed and row["status"] == "approved"
    assert (row["text"], row["original_text"]) == (
        "What is the best lunch spot nearby?",
        "best lunch spot",
    )


def test_edit_into_a_duplicate_is_refused(conn, clock):
    submit(conn, clock, "Coffee or tea?")
    other = submit(conn, clock, "Cats or dogs?")
    with pytest.raises(errors.Refused, match="Coffee or tea"):
        moderation.moderate(conn, other.id, "edit", "U008", text="Tea or coffee?", clock=clock)
    assert pool_submit.get(conn, other.id)["status"] == "pending"


def test_admins_are_the_configured_ids_and_slack_admins(conn, clock):
    members.upsert_member(conn, "U001", is_admin=True, clock=clock)
    members.upsert_member(conn, "U002", clock=clock)
    members.upsert_member(conn, "U003", is_admin=True, active=False, clock=clock)
    assert admins.admin_ids(conn, ("U007",)) == ["U007", "U001"]
    assert admins.is_admin(conn, "U001") and admins.is_admin(conn, "U007", ("U007",))
    assert not admins.is_admin(conn, "U002") and not admins.is_admin(conn, "U003")


def test_members_see_approved_questions_and_their_own(conn, clock):
    mine = submit(conn, clock, "Best lunch spot?", submitted_by="U002")
    theirs = submit(conn, clock, "Cats or dogs?", submitted_by="U003")
    approved = submit(conn, clock, "Mountains or sea?", submitted_by="U003")
    moderation.moderate(conn, approved.id, "approve", "U008", clock=clock)
    member = Viewer(role="member", slack_id="U002")
    assert {q["id"] for q in listing.listing(conn, member)} == {mine.id, approved.id}
    assert {q["id"] for q in listing.listing(conn, OPERATOR)} == {mine.id, theirs.id, approved.id}
