"""The weekly summary as a viewer may see it, and its downloads (Markdown, CSV, JSON, PNG).

An admin or a lead of the check-in, and everyone asked in a check-in with
`visibility = "team"`, gets the whole report; a member who was asked in a
`private` check-in gets their own words and the team figures, held back where
a group is smaller than `viewer.min_group`. The web app, `/checkin report`
in Slack and its DM all call `weekly_report` with the person's viewer; the
post in the report channel is `channel_report`.
"""

from __future__ import annotations

import dataclasses
import io
import sqlite3
from collections import defaultdict
from datetime import datetime

from checkin.answers.asked import require_asked
from checkin.answers.participation import HeldBack
from checkin.answers.participation import held_back as held_back_participation
from checkin.errors import NotAllowed
from checkin.people import suppression
from checkin.people.viewer import Viewer
from checkin.reports import build, formats, model


def weekly_report(
    conn: sqlite3.Connection,
    viewer: Viewer,
    checkin_id: int,
    week: str,
    now: datetime,
) -> model.Report:
    """The weekly report model, as Slack and `python -m checkin report` show it.

    Everyone asked in the check-in gets the summary its Slack post shows them;
    anyone else is refused.
    """
    require_asked(conn, viewer, checkin_id)
    row = conn.execute("SELECT * FROM checkins WHERE id = ?", (checkin_id,)).fetchone()
    if row is None:
        raise model.ReportError(f"no check-in with id {checkin_id}")
    report = build.build_report(conn, row, week, now)
    if viewer.suppresses(checkin_id):
        return _member_report(conn, viewer, report)
    return report


CHANNEL_READER = Viewer(role="member", name="the report channel")
"""Who reads a report channel: members, and none of them is the one whose words it shows."""


def channel_report(
    conn: sqlite3.Connection, checkin_id: int, week: str, now: datetime
) -> model.Report:
    """The weekly summary as posted to the check-in's report channel.

    A `team` check-in posts the whole report, which everyone asked in it sees.
    A `private` one posts team figures only, held back as for a member (the
    channel's readers are members): no text answers and no names. A week
    fewer than 3 people answered is refused (NotAllowed, with the line to post).
    """
    row = conn.execute("SELECT * FROM checkins WHERE id = ?", (checkin_id,)).fetchone()
    if row is None:
        raise model.ReportError(f"no check-in with id {checkin_id}")
    report = build.build_report(conn, row, week, now)
    if row["visibility"] == "team":
        return report
    try:
        return _member_report(conn, CHANNEL_READER, report)
    except NotAllowed:
        raise NotAllowed(
            f"Fewer than {CHANNEL_READER.min_group} people answered in week {week}, so its "
            "summary is shown only to admins and the check-in's leads."
        ) from None


def report_csv(conn: sqlite3.Connection, viewer: Viewer, checkin_id: int, week: str) -> str:
    """The week's answers, one row each, as `checkin report --format csv` writes them:
    every answer for an admin or the check-in's lead, a member's own answers for them."""

    require_asked(conn, viewer, checkin_id)
    rows = build.answer_rows(conn, checkin_id, week)
    if not viewer.may_see_checkin(checkin_id):
        rows = (r for r in rows if r["member_id"] == viewer.slack_id)
    buffer = io.StringIO(newline="")
    formats.write_csv(rows, buffer)
    return buffer.getvalue()


def report_file(
    conn: sqlite3.Connection, viewer: Viewer, checkin_id: int, week: str, fmt: str, now: datetime
) -> bytes:
    """The weekly summary as a download (md, csv, json, png), with what the viewer may see."""

    if fmt == "csv":
        return report_csv(conn, viewer, checkin_id, week).encode("utf-8")
    return formats.render(weekly_report(conn, viewer, checkin_id, week, now), fmt)


def _member_report(conn: sqlite3.Connection, viewer: Viewer, report: model.Report) -> model.Report:
    """The weekly report as a member may see it: their own words only, no names of who
    did not answer, and every figure of fewer than `viewer.min_group` people held back
    (an option or a 1..5 value with the next-smallest of its question, as
    `checkin.suppression` says) with everything that would give it back by arithmetic:
    the question's counts of 0, how many answered and skipped it, its mean. A question
    fewer people answered shows no figure; the median time to answer is not shown (it is
    one or two answers' times). A week fewer people answered is refused whole, and a week
    whose participation is held back (`checkin.answers.participation`) shows how many
    were asked only, in the headline and the trend, and no change from or to it."""
    least = viewer.min_group
    weeks = [p.week for p in report.trend] or [report.week]
    marks = ", ".join("?" for _ in weeks)
    participation = held_back_participation(conn, viewer, report.checkin_id, weeks)
    if report.week in participation.too_few:
        raise NotAllowed(
            f"Fewer than {least} people answered in week {report.week}, so its summary is "
            "shown only to admins and the check-in's leads. Your own answers are on the "
            "Answers page."
        )
    people: dict[tuple[str, int], int] = {}
    values: dict[tuple[str, int], dict[object, int]] = defaultdict(dict)
    shown_kinds = [q for q in report.questions if q.kind in ("scale", "choice")]
    question_marks = ", ".join("?" for _ in shown_kinds) or "NULL"
    # every week of the trend: a week's mean is held back wherever its distribution has
    # a count held back, or the mean and the shown counts would give that count back
    for r in conn.execute(
        "SELECT a.week, a.question_id, "  # noqa: S608
        "CASE q.kind WHEN 'choice' THEN a.text ELSE a.number END AS value, "
        "COUNT(DISTINCT a.member_id) AS people FROM answers a "
        "JOIN questions q ON q.id = a.question_id "
        f"WHERE a.checkin_id = ? AND a.week IN ({marks}) AND a.question_id IN ({question_marks}) "
        "AND a.skipped = 0 GROUP BY a.week, a.question_id, value",
        [report.checkin_id, *weeks, *(q.question_id for q in shown_kinds)],
    ):
        values[(r["week"], r["question_id"])][r["value"]] = r["people"]

    def held_back(week: str | None, question_id: int) -> frozenset:
        groups = values.get((week, question_id), {}) if week else {}
        return suppression.suppress_groups(groups, least).suppressed

    previous = weeks[-2] if len(weeks) > 1 else None
    # every question in this week and the one before; scale questions (the trend) in all
    scales = [q.question_id for q in report.questions if q.kind == "scale"]
    for these_weeks, these_questions in (
        ([w for w in (report.week, previous) if w], [q.question_id for q in report.questions]),
        ([w for w in weeks if w not in (report.week, previous)], scales),
    ):
        if not these_weeks or not these_questions:
            continue
        week_marks = ", ".join("?" for _ in these_weeks)
        question_marks = ", ".join("?" for _ in these_questions)
        for r in conn.execute(
            "SELECT a.week, a.question_id, COUNT(DISTINCT a.member_id) FROM answers a "  # noqa: S608
            f"WHERE a.checkin_id = ? AND a.week IN ({week_marks}) "
            f"AND a.question_id IN ({question_marks}) AND a.skipped = 0 "
            "GROUP BY a.week, a.question_id",
            [report.checkin_id, *these_weeks, *these_questions],
        ):
            people[(r[0], r[1])] = r[2]

    def enough(week: str | None, question_id: int) -> bool:
        return week is not None and people.get((week, question_id), 0) >= least

    questions_out = []
    for q in report.questions:
        if q.kind == "text":
            questions_out.append(q)
            continue
        if not enough(report.week, q.question_id):
            questions_out.append(
                dataclasses.replace(
                    q,
                    # how many answered or skipped is the group's figure too
                    answers=None,
                    skipped=None,
                    mean=None,
                    previous_mean=None,
                    mean_change=None,
                    distribution=None,
                    counts=None,
                    median=None,
                    min=None,
                    max=None,
                )
            )
            continue
        hidden = held_back(report.week, q.question_id)
        changes: dict = {}
        if hidden:
            # with the shown counts, how many answered or skipped (or the mean) would give
            # the held-back counts back; so would a 0 beside them (each is at least 1)
            changes.update(answers=None, skipped=None, mean=None, mean_change=None)
        if q.kind == "choice" and q.counts is not None and hidden:
            changes["counts"] = {k: v for k, v in q.counts.items() if k not in hidden and v}
        if q.kind == "scale" and q.distribution is not None and hidden:
            changes["distribution"] = [
                None if float(i + 1) in hidden or not n else n for i, n in enumerate(q.distribution)
            ]
        if q.kind == "number":
            changes.update(min=None, max=None)  # the lowest and highest are one person's
        if q.kind == "scale" and (
            not enough(previous, q.question_id) or held_back(previous, q.question_id)
        ):
            changes.update(previous_mean=None, mean_change=None)
        questions_out.append(dataclasses.replace(q, **changes))
    # the median time to answer is one or two answers' times: an hour the heatmap holds back
    h = dataclasses.replace(report.headline, median_minutes_to_answer=None)
    if participation.hides(report.week):
        # how many answered could pin a held-back count; so could anything made of it
        h = dataclasses.replace(
            h,
            runs_answered=None,
            runs_skipped=None,
            runs_missing=None,
            runs_late=None,
            members_answered=None,
            members_skipped=None,
            members_missing=None,
            participation=None,
            participation_change=None,
        )
    if participation.hides(previous):
        h = dataclasses.replace(h, previous_participation=None, participation_change=None)
    return dataclasses.replace(
        report,
        headline=h,
        questions=questions_out,
        text_answers=[a for a in report.text_answers if a.member_id == viewer.slack_id],
        missing_members=None,
        trend=[_week_point(p, participation) for p in report.trend],
        scale_trend=[
            s
            for s in report.scale_trend
            if enough(s.week, s.question_id) and not held_back(s.week, s.question_id)
        ],
    )


def _week_point(point: model.WeekPoint, participation: HeldBack) -> model.WeekPoint:
    """A week of the trend as a member may see it: a week fewer than `min_group` answered as
    a week nobody was asked; a week whose participation is held back with its answered and
    skipped counts held back (None)."""
    if point.week in participation.too_few:
        return model.WeekPoint(point.week, 0, 0, 0)
    if point.week in participation.held_back:
        return model.WeekPoint(point.week, point.asked, None, None)
    return point
