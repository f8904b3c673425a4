"""The weekly summary's model: the dataclasses a report is made of, and nothing that renders them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from checkin import errors

JSON_FORMAT = 1


class ReportError(errors.NotFound):
    """A report request a person got wrong (unknown week, check-in or member); str() says what."""


@dataclass(frozen=True)
class WeekPoint:
    """One week of the participation trend; answered and skipped None: held back from a
    member (`checkin.answers.participation`)."""

    week: str
    asked: int
    answered: int | None
    skipped: int | None

    @property
    def participation(self) -> float | None:
        if self.answered is None or not self.asked:
            return None
        return self.answered / self.asked


@dataclass(frozen=True)
class ScalePoint:
    """One scale question's mean in one week (for the trend chart)."""

    week: str
    question_id: int
    question: str
    mean: float
    answers: int


@dataclass(frozen=True)
class Headline:
    """The week's participation. For a member, every figure made of who answered (the
    answered, skipped, missing and late counts, the rate) is None when the week's
    participation is held back (`checkin.answers.participation`); how many were asked
    and who was out of office stay."""

    runs_asked: int
    runs_answered: int | None
    runs_skipped: int | None
    runs_missing: int | None
    runs_late: int | None
    members_asked: int
    members_answered: int | None
    members_skipped: int | None  # skipped every run they were asked
    members_missing: int | None  # asked, and neither answered nor skipped
    members_paused: int
    participation: float | None  # 0..1
    previous_participation: float | None
    participation_change: float | None  # in percentage points
    median_minutes_to_answer: float | None


@dataclass(frozen=True)
class QuestionSummary:
    question_id: int
    position: int
    text: str
    kind: str  # scale | choice | number | text
    from_pool: bool
    answers: int | None  # not skipped; None: held back from a member (too few people)
    skipped: int | None
    labels: list[str] | None = None  # scale: the words for 1..5
    options: list[str] | None = None  # choice
    mean: float | None = None  # scale, number
    previous_mean: float | None = None  # scale
    mean_change: float | None = None  # scale
    distribution: list[int] | None = None  # scale: counts of 1..5
    counts: dict[str, int] | None = None  # choice: option -> count, options first, in order
    median: float | None = None  # number
    min: float | None = None  # number
    max: float | None = None  # number


@dataclass(frozen=True)
class TextAnswer:
    question_id: int
    question: str  # the wording the member saw
    member_id: str
    member: str
    local_date: str
    text: str
    late: bool
    edited: bool


@dataclass(frozen=True)
class Report:
    checkin: str
    checkin_id: int
    week: str
    start: date
    end: date
    timezone: str
    generated_at: str
    headline: Headline
    questions: list[QuestionSummary]
    text_answers: list[TextAnswer]
    missing_members: list[str] | None  # names, only when the check-in names them
    trend: list[WeekPoint]
    scale_trend: list[ScalePoint]
    report_channel: str | None = None

    def question(self, question_id: int) -> QuestionSummary | None:
        return next((q for q in self.questions if q.question_id == question_id), None)

    def text_by_question(self) -> list[tuple[QuestionSummary, list[TextAnswer]]]:
        """Text answers grouped by question, in the check-in's order; each by day, then member."""
        groups: dict[int, list[TextAnswer]] = {}
        for answer in self.text_answers:
            groups.setdefault(answer.question_id, []).append(answer)
        out = []
        for q in self.questions:
            if q.question_id in groups:
                out.append(
                    (q, sorted(groups[q.question_id], key=lambda a: (a.local_date, a.member)))
                )
        return out

    def text_by_member(self) -> list[tuple[str, str, list[TextAnswer]]]:
        """(member id, name, answers) by name; each member's answers by day, then question order."""
        order = {q.question_id: i for i, q in enumerate(self.questions)}
        groups: dict[str, list[TextAnswer]] = {}
        for answer in self.text_answers:
            groups.setdefault(answer.member_id, []).append(answer)
        out = []
        for member_id, answers in groups.items():
            answers.sort(key=lambda a: (a.local_date, order.get(a.question_id, 0)))
            out.append((member_id, answers[0].member, answers))
        out.sort(key=lambda g: (g[1].casefold(), g[0]))
        return out

    def to_dict(self) -> dict[str, Any]:
        """The whole model as JSON-ready data; keys are documented in docs/reports.md."""

        def answer(a: TextAnswer, drop: str) -> dict[str, Any]:
            return {k: v for k, v in asdict(a).items() if k != drop}

        headline = asdict(self.headline)
        return {
            "format": JSON_FORMAT,
            "checkin": self.checkin,
            "week": self.week,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "timezone": self.timezone,
            "generated_at": self.generated_at,
            "headline": headline,
            "missing_members": self.missing_members,
            "questions": [asdict(q) for q in self.questions],
            "text_answers": [asdict(a) for a in self.text_answers],
            "text_by_question": [
                {
                    "question_id": q.question_id,
                    "question": q.text,
                    "answers": [answer(a, "question_id") for a in answers],
                }
                for q, answers in self.text_by_question()
            ],
            "text_by_member": [
                {
                    "member_id": member_id,
                    "member": name,
                    "answers": [answer(a, "member_id") for a in answers],
                }
                for member_id, name, answers in self.text_by_member()
            ],
            "trend": [{**asdict(p), "participation": p.participation} for p in self.trend],
            "scale_trend": [asdict(p) for p in self.scale_trend],
        }


@dataclass(frozen=True)
class MemberAnswer:
    local_date: str
    question: str
    kind: str
    text: str | None
    number: float | None
    skipped: bool
    late: bool
    answered_at: str


@dataclass(frozen=True)
class MemberWeek:
    """One member's check-ins in one week: the per-person history."""

    checkin: str
    week: str
    member_id: str
    member: str
    runs: list[tuple[str, str]]  # (local date, answered | skipped | no answer | open)
    answers: list[MemberAnswer] = field(default_factory=list)


CSV_COLUMNS = (
    "week",
    "local_date",
    "member_id",
    "member",
    "question_id",
    "question",
    "kind",
    "answer",
    "number",
    "skipped",
    "late",
    "answered_at",
    "edited_at",
)
