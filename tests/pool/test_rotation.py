"""Asking pool questions: least-asked first, never twice to a member within 8 weeks, kinds kept."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from checkin.checkins import model
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.clock import FakeClock
from checkin.people import members
from checkin.pool import moderation, rotation, submit

RANDOM = """
[[checkin]]
name = "pulse"
days = ["mon", "wed", "fri"]
time = "09:00"
participants = ["U001", "U002", "U003", "U004"]
random_question = true

[[checkin.question]]
text = "How are you feeling?"
kind = "scale"
labels = ["awful", "bad", "okay", "good", "great"]
"""
MEMBERS = ["U001", "U002", "U003", "U004"]
TOPICS = [
    "book",
    "film",
    "podcast",
    "album",
    "board game",
    "city",
    "museum",
    "recipe",
    "hike",
    "app",
    "keyboard shortcut",
    "conference talk",
    "newsletter",
    "tea",
    "snack",
    "holiday",
    "childhood toy",
    "sport",
    "bird",
    "plant",
    "painting",
    "poem",
    "language",
    "bridge",
    "river",
    "font",
    "tool",
    "habit",
    "dessert",
    "song",
]


@pytest.fixture
def pulse(conn, clock):  # noqa: ANN001, ANN201
    import_definitions(conn, parse_toml(RANDOM), clock=clock)
    for m in MEMBERS:
        members.upsert_member(conn, m, clock=clock)
    return model.get_checkin(conn, "pulse")


def approve(conn, clock, text, **kw):  # noqa: ANN001, ANN201
    kept = submit.submit(conn, text, submitted_by="U001", source="web", clock=clock, **kw)
    moderation.moderate(conn, kept.id, "approve", "U009", clock=clock)
    return kept.id


def pool_id_of(conn, question_id):  # noqa: ANN001, ANN201
    return conn.execute(
        "SELECT pool_question_id FROM questions WHERE id = ?", (question_id,)
    ).fetchone()[0]


def test_a_simulated_year_never_repeats_within_8_weeks_and_asks_all_before_a_third_time(
    conn, pulse
):
    clock = FakeClock(datetime(2026, 1, 4, tzinfo=UTC))
    approved = [approve(conn, clock, f"What is your favourite {t}?") for t in TOPICS]
    asked: dict[str, list[tuple[date, int]]] = defaultdict(list)
    counts: Counter[int] = Counter()
    third_time_checked = False
    day = date(2026, 1, 5)  # a Monday
    draws = 0
    while day < date(2027, 1, 4):
        if day.weekday() in (0, 2, 4):
            for member in MEMBERS:
                clock.set(datetime(day.year, day.month, day.day, 8, tzinfo=UTC))
                qid = rotation.question_for_run(conn, pulse["id"], member, day, clock=clock)
                assert qid is not None, f"{member} got no pool question on {day}"
                pid = pool_id_of(conn, qid)
                for earlier, earlier_pid in asked[member]:
                    if earlier_pid == pid:
                        assert day - earlier >= timedelta(weeks=8), (member, pid, earlier, day)
                asked[member].append((day, pid))
                counts[pid] += 1
                draws += 1
                if counts[pid] == 3 and not third_time_checked:
                    third_time_checked = True
                    assert all(counts[p] >= 1 for p in approved), "asked a 3rd time too early"
        day += timedelta(days=1)
    assert third_time_checked and draws == 52 * 3 * len(MEMBERS)
    stored = dict(conn.execute("SELECT id, times_asked FROM pool_questions"))
    assert stored == dict(counts)
    assert max(counts.values()) - min(counts.values()) <= 2  # least-asked first keeps it even


def test_least_asked_question_first(conn, pulse, clock):
    a = approve(conn, clock, "What is your favourite book?")
    b = approve(conn, clock, "What is your favourite city?")
    first = rotation.question_for_run(conn, pulse["id"], "U001", date(2026, 11, 23), clock=clock)
    second = rotation.question_for_run(conn, pulse["id"], "U002", date(2026, 11, 23), clock=clock)
    third = rotation.question_for_run(conn, pulse["id"], "U003", date(2026, 11, 23), clock=clock)
    assert [pool_id_of(conn, q) for q in (first, second, third)] == [a, b, a]
    assert first == third  # one question row per pool question and check-in


def test_a_second_draw_for_the_same_run_returns_the_same_question_and_counts_once(
    conn, pulse, clock
):
    a = approve(conn, clock, "What is your favourite book?")
    approve(conn, clock, "What is your favourite city?")
    day = date(2026, 11, 23)
    first = rotation.question_for_run(conn, pulse["id"], "U001", day, clock=clock)
    again = rotation.question_for_run(conn, pulse["id"], "U001", day, clock=clock)
    assert first == again and submit.get(conn, a)["times_asked"] == 1


def test_no_question_when_every_approved_one_was_asked_within_8_weeks(conn, pulse, clock):
    approve(conn, clock, "What is your favourite book?")
    assert rotation.question_for_run(conn, pulse["id"], "U001", date(2026, 11, 2), clock=clock)
    assert (
        rotation.question_for_run(conn, pulse["id"], "U001", date(2026, 12, 27), clock=clock)
        is None
    )
    assert rotation.question_for_run(conn, pulse["id"], "U001", date(2026, 12, 28), clock=clock)


def test_pending_and_rejected_questions_are_never_asked(conn, pulse, clock):
    submit.submit(conn, "Cats or dogs?", submitted_by="U001", source="web", clock=clock)
    rejected = submit.submit(
        conn, "Mountains or sea?", submitted_by="U001", source="web", clock=clock
    )
    moderation.moderate(conn, rejected.id, "reject", "U009", clock=clock)
    assert (
        rotation.question_for_run(conn, pulse["id"], "U001", date(2026, 11, 23), clock=clock)
        is None
    )


def test_the_question_kind_its_options_and_labels_are_honoured(conn, pulse, clock):
    approve(conn, clock, "Mountains or sea?", kind="choice", options=["mountains", "sea"])
    qid = rotation.question_for_run(conn, pulse["id"], "U001", date(2026, 11, 23), clock=clock)
    row = model.get_question(conn, qid)
    assert (row["kind"], json.loads(row["options"]), row["active"]) == (
        "choice",
        ["mountains", "sea"],
        0,
    )
    approve(conn, clock, "How rested are you?", kind="scale", labels=list("ABCDE"))
    qid = rotation.question_for_run(conn, pulse["id"], "U002", date(2026, 11, 23), clock=clock)
    row = model.get_question(conn, qid)
    assert (row["kind"], json.loads(row["labels"])) == ("scale", list("ABCDE"))
