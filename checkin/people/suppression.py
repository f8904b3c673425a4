"""Small groups cannot be singled out: which parts of an aggregate a member may see.

An aggregate (answers per week, per option, a question's mean) is made of
groups, each with the distinct people behind it. A group of fewer than
`min_group` people (never fewer than 3) is suppressed. Suppressing one group
alone is not enough when a total is shown too: the total minus the shown
groups would give it back. So suppression goes on, next-smallest group first,
until the groups held back are at least two, together stand for at least
`min_group` people, and are more people than groups (so no split of them is
forced, not even "one each"), and one of them is a group that was big
enough to show (so they cannot all be bounded by `min_group` from above).
When every group is held back the total is held back too.

`suppress_groups` is the rule; `suppress_rows` applies it to rows of a table
(within each partition, such as each week of a per-week-per-option table);
`suppress_figure` to one headline number. These functions read no clock and
no database: the read functions of the web app call them for members.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from checkin.people.viewer import MIN_GROUP, Viewer

K = TypeVar("K", bound=Hashable)

People = int | Collection[Any]


def people_count(people: People) -> int:
    """How many distinct people: a count as given, or the size of a collection of ids."""
    if isinstance(people, bool):
        raise TypeError("people must be a count or a collection of ids, not a bool")
    if isinstance(people, int):
        if people < 0:
            raise ValueError("a group cannot have fewer than 0 people")
        return people
    return len(set(people))


def effective_min_group(min_group: int | None) -> int:
    """The threshold in force: the one asked for, never below 3."""
    return max(MIN_GROUP, int(min_group or MIN_GROUP))


@dataclass(frozen=True)
class Suppression(Generic[K]):
    """What one aggregate may show: its groups split in two, and whether its total shows."""

    shown: frozenset[K]
    suppressed: frozenset[K]
    total_shown: bool

    def is_shown(self, key: K) -> bool:
        return key in self.shown


def _safe_residual(sizes: Sequence[int], min_group: int) -> bool:
    """Groups held back that the total minus the rest cannot split apart.

    At least two groups, together at least `min_group` people, and more people
    than groups: with k groups of at least one person each and R people in
    all, each group could hold anything from 1 to R - k + 1, so none is pinned.
    """
    count, total = len(sizes), sum(sizes)
    return count >= 2 and total >= min_group and total > count


def suppress_groups(groups: Mapping[K, People], min_group: int = MIN_GROUP) -> Suppression[K]:
    """Split an aggregate's groups into shown and suppressed (see the module's docstring).

    `groups` maps a group key to the distinct people behind it (a count or a
    collection of ids). Ties in size are broken by key order so the result
    never depends on the order of the mapping.
    """
    threshold = effective_min_group(min_group)
    sizes = {key: people_count(people) for key, people in groups.items()}
    order = sorted(sizes, key=lambda k: (sizes[k], repr(k)))
    suppressed = [k for k in order if sizes[k] < threshold]
    shown = [k for k in order if sizes[k] >= threshold]

    def hold_back_next() -> None:
        # The next-smallest shown group, with every group of the same size: picking
        # one of equals by name would tell which of them was held back, and so its size.
        size = sizes[shown[0]]
        while shown and sizes[shown[0]] == size:
            suppressed.append(shown.pop(0))

    while suppressed and shown and not _safe_residual([sizes[k] for k in suppressed], threshold):
        hold_back_next()
    if suppressed and shown and all(sizes[k] < threshold for k in suppressed):
        # Held back groups that are all small could be bounded from both sides
        # (three groups of 2 holding 6 people with min_group 3 are 2 each):
        # one group at or above the threshold goes with them.
        hold_back_next()
    if not suppressed:
        total_shown = sum(sizes.values()) >= threshold
    else:
        # With some groups shown the residual is safe (or the loop would have
        # gone on). With none shown the total stays hidden whatever it is:
        # showing it only sometimes would tell which sizes are behind it.
        total_shown = bool(shown)
    return Suppression(
        shown=frozenset(shown), suppressed=frozenset(suppressed), total_shown=total_shown
    )


def suppress_figure(value: Any, people: People, min_group: int = MIN_GROUP) -> Any:
    """A headline number, or None when fewer than `min_group` people stand behind it."""
    return value if people_count(people) >= effective_min_group(min_group) else None


RowKey = str | Sequence[str] | Callable[[Mapping[str, Any]], Hashable]


def _key_function(spec: RowKey | None) -> Callable[[Mapping[str, Any]], Hashable]:
    if spec is None:
        return lambda row: None
    if callable(spec):
        return spec
    if isinstance(spec, str):
        return lambda row: row[spec]
    columns = tuple(spec)
    return lambda row: tuple(row[c] for c in columns)


def suppress_rows(
    rows: Iterable[Mapping[str, Any]],
    *,
    group: RowKey,
    people: str,
    values: Sequence[str],
    within: RowKey | None = None,
    min_group: int = MIN_GROUP,
) -> list[dict[str, Any]]:
    """Rows of an aggregate table as a member may see them.

    Each row is one group (`group`: a column, several columns or a function)
    with its distinct people in the `people` column (a count or a collection
    of ids). Rows sharing a `within` value (such as a week) form one aggregate
    whose total a chart or table shows: the rule runs within each. A
    suppressed row keeps its group columns, has every column named in `values`
    and `people` set to None and `suppressed` True; a shown row has `people`
    as a count (never the ids) and `suppressed` False. Order is kept.
    """
    row_list = [dict(r) for r in rows]
    key_of = _key_function(group)
    part_of = _key_function(within)
    partitions: dict[Hashable, dict[Hashable, int]] = {}
    for row in row_list:
        part = partitions.setdefault(part_of(row), {})
        key = key_of(row)
        if key in part:
            raise ValueError(f"two rows for the group {key!r}: give one row per group")
        part[key] = people_count(row[people])
    decisions = {
        part: suppress_groups(sizes, min_group).suppressed for part, sizes in partitions.items()
    }
    out = []
    for row in row_list:
        hidden = key_of(row) in decisions[part_of(row)]
        if hidden:
            for column in values:
                row[column] = None
            row[people] = None
        else:
            row[people] = people_count(row[people])
        row["suppressed"] = hidden
        out.append(row)
    return out


def rows_for(
    viewer: Viewer,
    checkin_id: int | None,
    rows: Iterable[Mapping[str, Any]],
    *,
    group: RowKey,
    people: str,
    values: Sequence[str],
    within: RowKey | None = None,
) -> list[dict[str, Any]]:
    """`suppress_rows` with the viewer's threshold when the viewer must not see small
    groups of this check-in (`Viewer.suppresses`); otherwise every row as it is,
    `suppressed` False and `people` as a count."""
    if viewer.suppresses(checkin_id):
        return suppress_rows(
            rows,
            group=group,
            people=people,
            values=values,
            within=within,
            min_group=viewer.min_group,
        )
    out = []
    for row in rows:
        row = dict(row)
        row[people] = people_count(row[people])
        row["suppressed"] = False
        out.append(row)
    return out


NARROWING_FILTERS = ("members", "channel")
WHOLE_CHECKIN = (
    "team figures are shown to members for the whole check-in only: filtering by members "
    "or a channel is for admins and the check-in's leads"
)


def filter_problem(
    viewer: Viewer, checkin_id: int | None, filters: Mapping[str, Any], *, whole_weeks: bool
) -> str | None:
    """Why a member may not narrow an aggregate this way (one line), or None.

    Narrowing to part of a week makes groups that suppression alone cannot keep
    apart, and so does narrowing to chosen people or a channel, even one
    dimension at a time: the figures of some members with and without one more
    person differ by that person's answers, and each of the two views on its
    own passes suppression. So a member sees the whole check-in's figures, in
    whole weeks. Admins and the check-in's leads filter freely.
    """
    if not viewer.suppresses(checkin_id):
        return None
    used = [name for name, value in filters.items() if value not in (None, "", [], (), set())]
    unknown = [name for name in used if name not in NARROWING_FILTERS]
    if unknown:
        return f"filtering by {', '.join(unknown)} is for admins and the check-in's leads"
    if used:
        return WHOLE_CHECKIN
    if not whole_weeks:
        return "team figures are shown for whole weeks only"
    return None
