"""Small-group suppression: no group under min_group can be seen or worked out."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checkin.people.suppression import (
    filter_problem,
    rows_for,
    suppress_figure,
    suppress_groups,
    suppress_rows,
)
from checkin.people.viewer import OPERATOR, Viewer


def test_groups_of_min_group_or_more_are_shown_with_their_total():
    result = suppress_groups({"office": 4, "home": 3, "travelling": 7})
    assert result.shown == {"office", "home", "travelling"}
    assert not result.suppressed
    assert result.total_shown


def test_a_two_person_group_is_suppressed_and_the_next_smallest_with_it():
    result = suppress_groups({"office": 2, "home": 5, "travelling": 9})
    assert result.suppressed == {"office", "home"}
    assert result.shown == {"travelling"}
    assert result.total_shown  # 16 - 9 = 7 says nothing about office alone


def test_two_small_groups_of_one_each_take_a_third_with_them():
    # held back together they would be 2 people in 2 groups: one each, no secret
    result = suppress_groups({"a": 1, "b": 1, "c": 4, "d": 8})
    assert result.suppressed == {"a", "b", "c"}
    assert result.shown == {"d"}


def test_min_group_is_never_below_three():
    assert suppress_groups({"a": 2, "b": 10}, min_group=1).suppressed == {"a", "b"}


def test_a_larger_min_group_is_honoured():
    result = suppress_groups({"a": 4, "b": 5, "c": 20}, min_group=5)
    assert result.suppressed == {"a", "b"}


def test_everything_small_hides_the_total_too():
    result = suppress_groups({"a": 1, "b": 1})
    assert result.suppressed == {"a", "b"} and not result.shown
    assert not result.total_shown


def test_empty_groups_are_suppressed_like_small_ones():
    result = suppress_groups({"yes": 0, "no": 6, "maybe": 4})
    assert "yes" in result.suppressed and "maybe" in result.suppressed


def test_people_given_as_ids_count_each_person_once():
    result = suppress_groups({"w1": ["U1", "U1", "U2"], "w2": {"U1", "U2", "U3"}})
    assert "w1" in result.suppressed  # two distinct people


def test_a_headline_over_fewer_than_min_group_people_is_hidden():
    assert suppress_figure(3.5, people=2) is None
    assert suppress_figure(3.5, people=["U1", "U2", "U3"]) == 3.5
    assert suppress_figure(0, people=3) == 0


def test_rows_are_suppressed_within_each_week_and_keep_their_order():
    rows = [
        {"week": "2026-W48", "option": "office", "count": 5, "people": 2},
        {"week": "2026-W48", "option": "home", "count": 9, "people": 4},
        {"week": "2026-W48", "option": "travel", "count": 20, "people": 8},
        {"week": "2026-W49", "option": "office", "count": 7, "people": 3},
        {"week": "2026-W49", "option": "home", "count": 9, "people": 4},
    ]
    out = suppress_rows(
        rows, group=("week", "option"), within="week", people="people", values=("count",)
    )
    assert [(r["week"], r["option"]) for r in out] == [(r["week"], r["option"]) for r in rows]
    hidden = {(r["week"], r["option"]) for r in out if r["suppressed"]}
    assert hidden == {("2026-W48", "office"), ("2026-W48", "home")}
    assert all(r["count"] is None and r["people"] is None for r in out if r["suppressed"])
    assert [r["count"] for r in out if not r["suppressed"]] == [20, 7, 9]


def test_rows_never_hand_on_the_ids_behind_them():
    rows = [{"question": "q1", "mean": 3.2, "people": {"U1", "U2", "U3", "U4"}}]
    (out,) = suppress_rows(rows, group="question", people="people", values=("mean",))
    assert out["people"] == 4 and out["mean"] == 3.2 and not out["suppressed"]


def test_rows_with_the_same_group_twice_are_refused():
    rows = [{"week": "w", "people": 3, "n": 1}, {"week": "w", "people": 4, "n": 2}]
    with pytest.raises(ValueError, match="one row per group"):
        suppress_rows(rows, group="week", people="people", values=("n",))


def test_the_input_rows_are_not_changed():
    rows = [{"g": "a", "people": 1, "n": 1}, {"g": "b", "people": 9, "n": 2}]
    suppress_rows(rows, group="g", people="people", values=("n",))
    assert rows[0]["n"] == 1 and rows[0]["people"] == 1


def test_the_result_does_not_depend_on_the_order_of_the_groups():
    a = suppress_groups({"x": 2, "y": 4, "z": 4, "w": 9})
    b = suppress_groups({"w": 9, "z": 4, "y": 4, "x": 2})
    assert a == b


# What someone who sees the shown groups, the total and the rule can work out.


def _consistent_values(sizes: dict[str, int], min_group: int) -> dict[str, set[int]]:
    """Every size each suppressed group could have, given all that is shown.

    An onlooker knows the shown groups' sizes, which groups are suppressed,
    the total when it shows, that each group has at least one person, and the
    rule itself; they try every assignment of sizes to the suppressed groups
    and keep those under which the rule gives the same picture.
    """
    seen = suppress_groups(sizes, min_group)
    hidden = sorted(seen.suppressed)
    known = {k: sizes[k] for k in seen.shown}
    residual = sum(sizes.values()) - sum(known.values())
    possible: dict[str, set[int]] = {k: set() for k in hidden}
    if seen.total_shown:  # the hidden sizes add up to the residual
        heads = itertools.product(range(1, residual + 1), repeat=max(len(hidden) - 1, 0))
        guesses = [(*h, residual - sum(h)) for h in heads if residual - sum(h) >= 1]
    else:
        cap = max(max(sizes.values()), min_group, 3) + 2
        guesses = list(itertools.product(range(1, cap + 1), repeat=len(hidden)))
    for guess in guesses:
        candidate = dict(known, **dict(zip(hidden, guess, strict=True)))
        if suppress_groups(candidate, min_group) != seen:
            continue
        for key, value in zip(hidden, guess, strict=True):
            possible[key].add(value)
    return possible


group_sizes = st.dictionaries(
    st.sampled_from("abcde"), st.integers(min_value=1, max_value=8), min_size=1, max_size=4
)


@settings(max_examples=150, deadline=None)
@given(sizes=group_sizes, min_group=st.integers(min_value=1, max_value=5))
def test_no_suppressed_group_can_be_worked_out_from_what_is_shown(sizes, min_group):
    possible = _consistent_values(sizes, min_group)
    for key, values in possible.items():
        assert sizes[key] in values
        assert len(values) >= 2, f"{key}={sizes[key]} is the only size consistent with {sizes}"


@settings(max_examples=300, deadline=None)
@given(sizes=group_sizes, min_group=st.integers(min_value=1, max_value=6))
def test_every_shown_group_has_at_least_min_group_people(sizes, min_group):
    result = suppress_groups(sizes, min_group)
    assert result.shown | result.suppressed == set(sizes)
    assert not result.shown & result.suppressed
    assert all(sizes[k] >= max(3, min_group) for k in result.shown)
    assert all(k in result.suppressed for k in sizes if sizes[k] < max(3, min_group))


@settings(max_examples=300, deadline=None)
@given(sizes=group_sizes)
def test_the_total_minus_the_shown_groups_never_reveals_one_group(sizes):
    result = suppress_groups(sizes)
    if result.total_shown and result.suppressed:
        residual = sum(sizes.values()) - sum(sizes[k] for k in result.shown)
        assert len(result.suppressed) >= 2
        assert residual >= 3 and residual > len(result.suppressed)


# Per viewer: members and leads outside their check-ins get the rule, others every row.

WEEKS = [
    {"week": "2026-W47", "answers": 4, "people": {"U1", "U2"}},
    {"week": "2026-W48", "answers": 9, "people": {"U1", "U2", "U3", "U4"}},
    {"week": "2026-W49", "answers": 12, "people": {"U1", "U2", "U3", "U4", "U5"}},
]


def test_a_member_gets_weekly_rows_with_the_small_week_hidden():
    member = Viewer(role="member", slack_id="U1")
    out = rows_for(member, 1, WEEKS, group="week", people="people", values=("answers",))
    assert [r["answers"] for r in out] == [None, None, 12]


def test_a_lead_of_the_checkin_and_an_admin_get_every_row():
    lead = Viewer(role="lead", slack_id="U9", lead_of=frozenset({1}))
    for viewer in (lead, OPERATOR):
        out = rows_for(viewer, 1, WEEKS, group="week", people="people", values=("answers",))
        assert [r["answers"] for r in out] == [4, 9, 12]
        assert [r["people"] for r in out] == [2, 4, 5] and not any(r["suppressed"] for r in out)
    other = rows_for(lead, 2, WEEKS, group="week", people="people", values=("answers",))
    assert other[0]["answers"] is None


def test_a_viewers_larger_min_group_is_used():
    strict = Viewer(role="member", slack_id="U1", min_group=5)
    out = rows_for(strict, 1, WEEKS, group="week", people="people", values=("answers",))
    assert all(r["suppressed"] for r in out)


def test_members_see_the_whole_checkin_in_whole_weeks():
    member = Viewer(role="member", slack_id="U1")
    assert filter_problem(member, 1, {"channel": None, "members": ()}, whole_weeks=True) is None
    # {U2, U3, U4} and {U2, U3, U4, U5} each pass suppression; their difference is U5
    for narrowed in ({"channel": "#team"}, {"members": ["U2", "U3", "U4", "U5"]}):
        assert "whole check-in" in filter_problem(member, 1, narrowed, whole_weeks=True)
    assert "whole check-in" in filter_problem(
        member, 1, {"channel": "#team", "members": ["U2"]}, whole_weeks=True
    )
    assert "whole weeks" in filter_problem(member, 1, {}, whole_weeks=False)
    assert "admins" in filter_problem(member, 1, {"question": 3}, whole_weeks=True)
    lead = Viewer(role="lead", slack_id="U9", lead_of=frozenset({1}))
    assert "whole check-in" in filter_problem(lead, 2, {"channel": "#a"}, whole_weeks=True)
    assert filter_problem(lead, 1, {"channel": "#a", "members": ["U2"]}, whole_weeks=False) is None
