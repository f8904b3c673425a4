"""The weekly report rendered: Markdown, CSV, JSON, PNG, and the plain-word lines they share.

Every rendering takes the model built by `checkin.reports.build_report`; the
Slack post (`bot/reports.py`), `python -m checkin report` and the web app's
downloads call the same functions, so all four say the same thing.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Iterable
from datetime import date
from typing import TextIO

from checkin.checkins.definitions import DAYS
from checkin.reports.build import answer_rows
from checkin.reports.model import CSV_COLUMNS, MemberWeek, QuestionSummary, Report, TextAnswer
from checkin.weeks import week_bounds

# what a spreadsheet may run as a formula when a cell starts with it (full-width forms too)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?", re.ASCII)
FORMATS = ("md", "csv", "json", "png")

# --- CSV ------------------------------------------------------------------------------------


def neutralise(value: object) -> object:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe.

    Numbers are left alone, and so is text that is a plain number (`-5`,
    `-2.5`): a spreadsheet reads it as that number, nothing runs.
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def write_csv(rows: Iterable[sqlite3.Row | dict], out: TextIO) -> int:
    """RFC 4180 CSV (CRLF line ends, quotes doubled) of answer rows; returns the row count."""
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for row in rows:
        values = [row[c] for c in CSV_COLUMNS]
        writer.writerow(["" if v is None else neutralise(v) for v in values])
        count += 1
    return count


def to_csv(conn: sqlite3.Connection, checkin_id: int, week: str) -> str:
    buffer = io.StringIO(newline="")
    write_csv(answer_rows(conn, checkin_id, week), buffer)
    return buffer.getvalue()


# --- words ----------------------------------------------------------------------------------


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def change_words(points: float | None, unit: str = "points") -> str:
    """'up 5 points from last week', 'down 0.3', 'same as last week', 'no figure for last week'."""
    if points is None:
        return "no figure for last week"
    if round(points, 1) == 0:
        return "same as last week"
    size = f"{abs(points):.0f}" if unit == "points" else f"{abs(points):.1f}"
    word = "up" if points > 0 else "down"
    return f"{word} {size}{' ' + unit if unit else ''} from last week"


def minutes_words(minutes: float | None) -> str:
    if minutes is None:
        return "–"
    if minutes < 90:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"


def number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}".removesuffix(".0") if value != int(value) else f"{int(value)}"


def day_words(local_date: str) -> str:
    """'2026-11-23' → 'Mon 23 Nov'."""
    d = date.fromisoformat(local_date)
    return f"{DAYS[d.weekday()].capitalize()} {d.day} {d.strftime('%b')}"


def week_words(report: Report | MemberWeek) -> str:
    monday, sunday = week_bounds(report.week)
    return f"{report.week} ({day_words(monday.isoformat())} – {day_words(sunday.isoformat())} {sunday.year})"


PARTICIPATION_HELD_BACK = (
    "held back: a question was answered by too few people to show, and how many answered "
    "could give it away"
)


def headline_lines(report: Report) -> list[str]:
    """The headline figures in plain words, one line each (Markdown and Slack both use them)."""
    h = report.headline
    if not h.runs_asked:
        return ["Nobody was asked this week."]
    if h.runs_answered is None:
        # held back from a member: how many answered could give a held-back figure away
        asked = f"{h.runs_asked} check-in{'s' if h.runs_asked != 1 else ''} asked"
        paused = f"; {h.members_paused} out of office" if h.members_paused else ""
        return [
            f"Participation: – ({PARTICIPATION_HELD_BACK}); {asked}.",
            f"People: {h.members_asked} asked{paused}.",
        ]
    lines = [
        f"Participation: {percent(h.participation)} of check-ins answered "
        f"({h.runs_answered} of {h.runs_asked}), {change_words(h.participation_change)}.",
    ]
    people = f"People: {h.members_answered} of {h.members_asked} answered at least once"
    extra = []
    if h.members_missing:
        extra.append(f"{h.members_missing} did not answer")
    if h.members_skipped:
        extra.append(f"{h.members_skipped} skipped the week")
    if h.members_paused:
        extra.append(f"{h.members_paused} out of office")
    lines.append(people + ("; " + "; ".join(extra) if extra else "") + ".")
    lines.append(
        f"Skipped check-ins: {h.runs_skipped}. Late answers: {h.runs_late}. "
        f"Median time to answer: {minutes_words(h.median_minutes_to_answer)}."
    )
    return lines


def question_line(q: QuestionSummary) -> str:
    """The figures of one question in plain words (no question text).

    A member's summary holds figures back (None): a question too few people answered
    shows none; one with answers too few people gave shows the other answers' counts
    only ('–' for the rest), without how many answered or skipped, or the average."""
    if q.answers is None and q.distribution is None and q.counts is None:
        return "Too few people answered to show this question's figures."
    why = "held back: some answers were given by too few people"
    if q.answers is None and q.kind == "scale":
        labels = q.labels or [str(i) for i in range(1, 6)]
        dist = ", ".join(
            f"{labels[i]} {'–' if n is None else n}" for i, n in enumerate(q.distribution or [])
        )
        return f"{dist}. The counts shown as –, the average and how many answered are {why}."
    if q.answers is None:
        counts = ", ".join(f"{k} {v}" for k, v in (q.counts or {}).items())
        if not counts:
            return f"Every answer's count and how many answered are {why}."
        return f"{counts}. The other answers and how many answered are {why}."
    count = f"{q.answers} answer{'s' if q.answers != 1 else ''}"
    if q.skipped:
        count += f", {q.skipped} skipped"
    if q.kind == "scale":
        if not q.answers:
            return f"{count}."
        labels = q.labels or [str(i) for i in range(1, 6)]
        dist = ", ".join(
            f"{labels[i]} {'–' if n is None else n}" for i, n in enumerate(q.distribution or [])
        )
        change = change_words(q.mean_change, unit="")
        return f"Average {number(q.mean)} of 5 ({change}); {dist}. {count}."
    if q.kind == "choice":
        counts = ", ".join(f"{k} {v}" for k, v in (q.counts or {}).items())
        return f"{counts}. {count}." if counts else f"{count}."
    if q.kind == "number":
        if not q.answers:
            return f"{count}."
        return (
            f"Average {number(q.mean)}, median {number(q.median)}, "
            f"lowest {number(q.min)}, highest {number(q.max)}. {count}."
        )
    return f"{count}."


# --- Markdown -------------------------------------------------------------------------------

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>#|~"})


def md_escape(text: str) -> str:
    """Text shown as typed in Markdown: its markup characters escaped."""
    return text.translate(_MD_SPECIAL)


def to_markdown(report: Report, group: str = "question") -> str:
    """The report for pasting into a document; text answers by question (or by member)."""
    out = [f"# {md_escape(report.checkin)}: week {week_words(report)}", ""]
    out += [f"- {line}" for line in headline_lines(report)]
    if report.missing_members:
        out.append(f"- Not answered: {md_escape(', '.join(report.missing_members))}.")
    out.append("")
    for q in report.questions:
        pool = " (from the question pool)" if q.from_pool else ""
        out.append(f"## {md_escape(q.text)}{pool}")
        out.append("")
        out.append(md_escape(question_line(q)))  # choice options can be free text
        out.append("")
    if report.text_answers:
        out.append("## Answers in words")
        out.append("")
        if group == "member":
            for _, name, answers in report.text_by_member():
                out.append(f"### {md_escape(name)}")
                out.append("")
                for a in answers:
                    out.append(_md_item(f"{day_words(a.local_date)}, {a.question}", a))
                out.append("")
        else:
            for q, answers in report.text_by_question():
                out.append(f"### {md_escape(q.text)}")
                out.append("")
                for a in answers:
                    out.append(_md_item(f"{a.member}, {day_words(a.local_date)}", a))
                out.append("")
    return "\n".join(out).rstrip() + "\n"


def _md_item(label: str, a: TextAnswer) -> str:
    notes = [n for n, on in (("late", a.late), ("edited", a.edited)) if on]
    suffix = f" _({', '.join(notes)})_" if notes else ""
    body = md_escape(a.text).replace("\r\n", "\n").replace("\n", "\n  ")
    return f"- **{md_escape(label)}**{suffix}: {body}"


def member_markdown(mw: MemberWeek) -> str:
    out = [f"# {md_escape(mw.member)}: {md_escape(mw.checkin)}, week {week_words(mw)}", ""]
    if not mw.runs:
        out.append("Not asked this week.")
    for day, outcome in mw.runs:
        out.append(f"## {day_words(day)}: {outcome}")
        out.append("")
        for a in mw.answers:
            if a.local_date != day:
                continue
            value = "(skipped)" if a.skipped else (a.text or number(a.number))
            late = " _(late)_" if a.late else ""
            out.append(f"- **{md_escape(a.question)}**{late}: {md_escape(value)}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# --- JSON -------------------------------------------------------------------------------------


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"


# --- any format ---------------------------------------------------------------------------------


def render(report: Report, fmt: str, conn: sqlite3.Connection | None = None) -> bytes:
    """The report as bytes in `fmt` (md, csv, json, png); csv needs the connection."""
    if fmt == "md":
        return to_markdown(report).encode("utf-8")
    if fmt == "json":
        return to_json(report).encode("utf-8")
    if fmt == "csv":
        if conn is None:
            raise ValueError("csv needs the database connection")
        return to_csv(conn, report.checkin_id, report.week).encode("utf-8")
    if fmt == "png":
        # Altair is a third of the bot's and the command line's start-up: imported to draw.
        from checkin.reports.charts import report_chart, to_png

        return to_png(report_chart(report))
    raise ValueError(f"unknown format {fmt!r}")
