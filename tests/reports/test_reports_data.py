"""A small, hand-built check-in history whose report figures the tests compute by hand.

Reporting zone Europe/Berlin; check-in days Mon, Wed, Fri at 09:00 each
member's own time. Week 2026-W43 (19-25 Oct) ends with Europe's change back
from summer time (Sun 25 Oct); 2026-W44 (26 Oct - 1 Nov), the report week,
ends with the United States' (Sun 1 Nov).

Members:
- U0A Ada, Berlin.
- U0B Bo, Auckland (UTC+13): their Monday 09:00 is Sunday 20:00 UTC, still the
  previous week in Berlin, but the run belongs to the member's own week.
- U0C Cy, Los Angeles.
- U0D Di, New York: answers in W43, out of office (paused) through Fri 30 Oct.
- U0E Ed, Berlin: only development-mode runs (never sent), not counted.
- U0F Fay, Berlin: asked three times in W44, never answers.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta

from checkin.answers import record, runs
from checkin.checkins import model
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.checkins.timing import MemberClock, Schedule, run_for
from checkin.clock import FakeClock
from checkin.people import members
from checkin.pool import moderation, rotation, submit

GOLDEN = """
[[checkin]]
name = "golden"
days = ["mon", "wed", "fri"]
time = "09:00"
timezone = "Europe/Berlin"
participants = ["U0A", "U0B", "U0C", "U0D", "U0E", "U0F"]
report_channel = "#team"
report = { day = "fri", time = "16:00" }
name_missing = true

[[checkin.question]]
text = "How are you feeling?"
kind = "scale"
labels = ["awful", "bad", "okay", "good", "great"]

[[checkin.question]]
text = "Where are you working from?"
kind = "choice"
options = ["office", "home", "travelling"]

[[checkin.question]]
text = "How many hours of focus time did you get?"
kind = "number"

[[checkin.question]]
text = "What did you work on?"
kind = "text"
"""

MEMBERS = {
    "U0A": ("Ada Lovelace", "Europe/Berlin"),
    "U0B": ("Bo Tane", "Pacific/Auckland"),
    "U0C": ("Cy Young", "America/Los_Angeles"),
    "U0D": ("Di Prince", "America/New_York"),
    "U0E": ("Ed Dev", "Europe/Berlin"),
    "U0F": ("Fay Wray", "Europe/Berlin"),
}
INJECTION = '=HYPERLINK("http://evil.example","click")'
ODD = 'Fixing "quotes", commas,\nand a new line 🚀 — مرحبا'
POOL_QUESTION = "Which tool saved you the most time?"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class History:
    def __init__(self, conn: sqlite3.Connection, clock: FakeClock) -> None:
        self.conn = conn
        self.clock = clock
        clock.set(utc(2026, 10, 1))
        import_definitions(conn, parse_toml(GOLDEN), clock=clock)
        self.checkin = model.get_checkin(conn, "golden")
        self.schedule = Schedule.of(self.checkin)
        self.questions = [q["id"] for q in model.active_questions(conn, self.checkin["id"])]
        for slack_id, (name, tz) in MEMBERS.items():
            members.upsert_member(
                conn, slack_id, name=name.split()[0].lower(), real_name=name, tz=tz, clock=clock
            )

    def run(
        self,
        member: str,
        day: date,
        *,
        extra: list[int] | None = None,
        status: str = "open",
    ) -> int:
        """A sent run (or a never-sent development one) at the member's 09:00 on `day`."""
        due = run_for(self.schedule, MemberClock(member, MEMBERS[member][1]), day)
        assert due is not None, f"{day} is not a check-in day"
        self.clock.set(due.due_at)
        qids = self.questions + (extra or [])
        run_id = runs.create_run(
            self.conn, self.checkin["id"], due, qids, status="sending", clock=self.clock
        )
        if status == "dev_skipped":
            runs.set_run_status(self.conn, run_id, "dev_skipped", clock=self.clock)
        else:
            runs.set_run_status(self.conn, run_id, "open", sent_at=due.due_at, clock=self.clock)
        self.due = due.due_at
        return run_id

    def answer(self, run_id: int, at: datetime, values: list) -> None:
        """Answers to the run's questions in order, the first at `at`, then 10 s apart.

        A value of None is a skipped question; scale values are numbers 1-5.
        """
        self.clock.set(at)
        run = runs.get_run(self.conn, run_id)
        import json

        for qid, value in zip(json.loads(run["question_ids"]), values, strict=True):
            q = model.get_question(self.conn, qid)
            if value is None:
                record.record_answer(self.conn, run_id, qid, skipped=True, clock=self.clock)
            elif q["kind"] == "scale":
                label = json.loads(q["labels"])[value - 1]
                record.record_answer(
                    self.conn, run_id, qid, text=label, number=float(value), clock=self.clock
                )
            elif q["kind"] == "number":
                record.record_answer(
                    self.conn, run_id, qid, text=f"{value:g}", number=float(value), clock=self.clock
                )
            else:
                record.record_answer(self.conn, run_id, qid, text=value, clock=self.clock)
            self.clock.advance(seconds=10)

    def close(self, run_id: int) -> None:
        runs.set_run_status(self.conn, run_id, "closed", clock=self.clock)

    def skip(self, run_id: int) -> None:
        runs.set_run_status(self.conn, run_id, "skipped", clock=self.clock)


def build_golden(conn: sqlite3.Connection, clock: FakeClock) -> History:
    h = History(conn, clock)
    mins = lambda n: timedelta(minutes=n)  # noqa: E731

    # --- 2026-W43 (previous week): asked 6, answered 3 ------------------------------------
    r = h.run("U0A", date(2026, 10, 19))  # 07:00 UTC (summer time)
    h.answer(r, h.due + mins(10), [3, "office", 5, "Planning"])
    h.close(h.run("U0A", date(2026, 10, 21)))
    r = h.run("U0A", date(2026, 10, 23))  # Fri 09:00 CEST = 07:00 UTC
    # answered Monday 09:00 CET (08:00 UTC), after the clocks went back: 73 hours later
    h.answer(r, utc(2026, 10, 26, 8, 0), [5, "home", 3, "Late, but here"])
    r = h.run("U0D", date(2026, 10, 19))  # 09:00 EDT = 13:00 UTC
    h.answer(r, utc(2026, 10, 25, 19, 0), [2, "home", 1, "Catching up"])  # 9000 min, late
    h.close(h.run("U0D", date(2026, 10, 21)))
    h.close(h.run("U0D", date(2026, 10, 23)))

    # --- 2026-W44 (report week) ---------------------------------------------------------------
    pool_id = submit.submit(conn, POOL_QUESTION, submitted_by="U0A", source="web", clock=clock).id
    moderation.moderate(conn, pool_id, "approve", "U0A", clock=clock)
    pool_qid = rotation.question_for_run(
        conn, h.checkin["id"], "U0A", date(2026, 10, 26), clock=clock
    )
    h.pool_qid = pool_qid

    r = h.run("U0A", date(2026, 10, 26), extra=[pool_qid])  # 08:00 UTC (winter time)
    h.answer(r, h.due + mins(5), [4, "office", 6, "Shipped the export, finally", "ruff"])
    r = h.run("U0A", date(2026, 10, 28))
    h.answer(r, h.due + mins(15), [5, "home", 2.5, None])
    h.skip(h.run("U0A", date(2026, 10, 30)))

    r = h.run("U0B", date(2026, 10, 26))  # Sun 25 Oct 20:00 UTC
    assert h.due == utc(2026, 10, 25, 20, 0)
    h.answer(r, h.due + mins(45), [2, "home", 4, INJECTION])
    h.close(h.run("U0B", date(2026, 10, 28)))
    r = h.run("U0B", date(2026, 10, 30))
    h.answer(r, h.due + mins(60), [3, "travelling", 0, ODD])

    h.close(h.run("U0C", date(2026, 10, 26)))
    h.close(h.run("U0C", date(2026, 10, 28)))
    r = h.run("U0C", date(2026, 10, 30))  # 09:00 PDT = 16:00 UTC
    h.answer(r, h.due + mins(30), [4, "office", 7, "@channel hi"])

    members.pause_member(conn, "U0D", date(2026, 10, 30))

    for day in (26, 28, 30):
        h.run("U0E", date(2026, 10, day), status="dev_skipped")
        h.close(h.run("U0F", date(2026, 10, day)))
    return h
