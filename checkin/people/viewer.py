"""Who is looking: every read the web app makes takes a viewer first.

A read function decides from the viewer what it returns, so a page cannot show
more than its viewer may see by forgetting a check. Until sign-in is
configured the viewer is the local operator, who may see everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["admin", "lead", "member"]

# Aggregates shown to a member hide any group of fewer people than this.
MIN_GROUP = 3


@dataclass(frozen=True)
class Viewer:
    """The person a read is made for.

    `slack_id` is None only for the local operator (no sign-in configured).
    `lead_of` holds the ids of the check-ins a lead may see in full; `shared` the
    check-ins with `team` visibility the person was asked in, which they see in
    full too (`checkin.people.visible`).
    """

    role: Role
    slack_id: str | None = None
    name: str = ""
    lead_of: frozenset[int] = field(default_factory=frozenset)
    shared: frozenset[int] = field(default_factory=frozenset)
    min_group: int = MIN_GROUP

    def __post_init__(self) -> None:
        if self.role not in ("admin", "lead", "member"):
            raise ValueError(f"unknown role {self.role!r}")
        if self.min_group < MIN_GROUP:
            object.__setattr__(self, "min_group", MIN_GROUP)

    @classmethod
    def operator(cls) -> Viewer:
        """The person at the machine when the app binds to 127.0.0.1 without sign-in."""
        return cls(role="admin", name="local operator")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_all_of(self) -> frozenset[int]:
        """The check-ins whose every answer this viewer sees by name (not counting admin)."""
        return self.lead_of | self.shared

    def may_see_checkin(self, checkin_id: int) -> bool:
        """Every answer of the check-in, not only aggregates."""
        return self.is_admin or checkin_id in self.sees_all_of

    def may_see_member(self, member_id: str, checkin_id: int | None = None) -> bool:
        """One member's own answers: themselves, their check-in's lead, everyone asked in
        a `team` check-in, or an admin."""
        if self.is_admin or member_id == self.slack_id:
            return True
        return checkin_id is not None and checkin_id in self.sees_all_of

    def suppresses(self, checkin_id: int | None = None) -> bool:
        """Whether aggregates of the check-in shown to this viewer hide small groups.

        Admins see everything, a lead every answer of their check-ins and everyone
        asked every answer of a `team` check-in; anyone else (and anyone across check-ins, `checkin_id` None) sees only groups of
        at least `min_group` people (`checkin.suppression`).
        """
        if self.is_admin:
            return False
        return checkin_id is None or checkin_id not in self.sees_all_of

    def may_see_feedback(self, subject_id: str, requested_by: str | None) -> bool:
        """A feedback request's results: its subject, whoever asked for it, or an admin."""
        return self.is_admin or (
            self.slack_id is not None and self.slack_id in (subject_id, requested_by)
        )

    @property
    def is_operator(self) -> bool:
        """The local operator: no sign-in configured, the app on 127.0.0.1."""
        return self.is_admin and self.slack_id is None

    @property
    def key(self) -> str:
        """A stable text form, for cache keys."""
        leads = ",".join(str(i) for i in sorted(self.lead_of))
        shared = ",".join(str(i) for i in sorted(self.shared))
        return f"{self.role}:{self.slack_id or '-'}:{leads}:{shared}:{self.min_group}"


OPERATOR = Viewer.operator()
