"""The Overview's figures as dataclasses: headline, weekly participation, scale, choice and
number figures, the answer-time heatmap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from checkin.overview.scope import Scope
from checkin.reports import model


@dataclass(frozen=True)
class ScaleMean:
    question_id: int
    question: str
    mean: float | None  # of the weeks whose figures are shown
    previous: float | None
    answers: int  # in the weeks whose figures are shown

    @property
    def change(self) -> float | None:
        if self.mean is None or self.previous is None:
            return None
        return round(self.mean - self.previous, 2)


@dataclass(frozen=True)
class OverviewHeadline:
    """The selected weeks' figures, and the same figures for as many weeks just before.

    For a member, the check-ins asked and answered and the participation are of the weeks
    whose participation is shown: a week held back is left out of both
    (`weeks_held_back` of the selected weeks were)."""

    weeks: list[str]
    runs_asked: int
    runs_answered: int
    participation: float | None
    previous_participation: float | None
    median_minutes: float | None
    previous_median_minutes: float | None
    scales: list[ScaleMean] = field(default_factory=list)
    weeks_held_back: int = 0  # selected weeks whose participation is held back from a member

    @property
    def participation_change(self) -> float | None:
        """In percentage points."""
        if self.participation is None or self.previous_participation is None:
            return None
        return round((self.participation - self.previous_participation) * 100, 1)

    @property
    def median_change(self) -> float | None:
        if self.median_minutes is None or self.previous_median_minutes is None:
            return None
        return round(self.median_minutes - self.previous_median_minutes, 1)


@dataclass(frozen=True)
class ScaleWeek:
    """One scale question in one week: mean, spread (one standard deviation) and counts 1..5.

    When a count is held back from a member (None), so are the counts of 0 (a 0
    beside a held-back count says that count is at least 1), the number of
    answers, the mean, the spread and the total: with the shown counts any of
    them would give the held-back counts back.
    """

    week: str
    question_id: int
    question: str
    mean: float | None
    spread: float | None
    answers: int | None
    counts: tuple[int | None, ...]  # 1..5; None: held back from a member
    total: float | None = 0.0  # the sum of the answers, for means over several weeks


@dataclass(frozen=True)
class ChoiceWeek:
    week: str
    question_id: int
    question: str
    option: str
    count: int


@dataclass(frozen=True)
class NumberWeek:
    week: str
    question_id: int
    question: str
    median: float
    low: float | None  # None for a member: the lowest and highest are one person's answers
    high: float | None
    mean: float
    answers: int


@dataclass(frozen=True)
class HeatCell:
    """Answers started in one hour of one weekday of one week, in each member's own time."""

    week: str
    weekday: int  # 0 Monday .. 6 Sunday
    hour: int
    count: int


@dataclass(frozen=True)
class QuestionInfo:
    id: int
    text: str
    kind: str
    labels: list[str] | None
    options: list[str] | None


@dataclass(frozen=True)
class Overview:
    """Everything the Overview page shows for one scope."""

    scope: Scope
    headline: OverviewHeadline
    participation: list[model.WeekPoint]
    scale: list[ScaleWeek]
    choice: list[ChoiceWeek]
    number: list[NumberWeek]
    heatmap: list[HeatCell]
    questions: list[QuestionInfo]

    @property
    def empty(self) -> bool:
        """Nobody was asked in the weeks (or, for a member, too few answered in each)."""
        return not any(p.asked for p in self.participation)
