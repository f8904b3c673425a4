"""A realistic, deterministic demo workspace, written through the bot's own write functions.

Members in several time zones and teams answer the "wellbeing" check-in on
Monday, Wednesday and Friday at 09:00 their time. Not everyone answers, some
answer late, some skip; each team's mood drifts week by week; the free text
is drawn from a few hundred distinct sentences. The same seed and end date
always give the same database.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from checkin.answers import record
from checkin.answers.runs import create_run, set_run_status
from checkin.checkins import model
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.checkins.timing import MemberClock, Schedule, run_for
from checkin.clock import FakeClock, system_clock
from checkin.db import connection
from checkin.feedback import form, invites, requests
from checkin.ops import events
from checkin.people import channels
from checkin.people.members import upsert_member
from checkin.pool import moderation, rotation, submit

# The channels the bot would have seen: the check-in's own and the workspace's general one.
DEMO_CHANNELS = (
    {"id": "C0DEMOTEAM", "name": "team", "is_private": True},
    {"id": "C0DEMOGENERAL", "name": "general", "is_private": False},
)

DEMO_TOML = """
[[checkin]]
name = "wellbeing"
days = ["mon", "wed", "fri"]
time = "09:00"
participants = ["#team"]
timezone = "Europe/Berlin"
report_channel = "#team"
report = { day = "fri", time = "16:00" }
random_question = true

[[checkin.question]]
text = "How are you feeling today?"
kind = "scale"
labels = ["awful", "bad", "okay", "good", "great"]

[[checkin.question]]
text = "What did you work on since last time?"
kind = "text"

[[checkin.question]]
text = "Anything blocking you?"
kind = "text"

[[checkin.question]]
text = "Where are you working from?"
kind = "choice"
options = ["office", "home", "travelling"]

[[checkin.question]]
text = "How many hours of focus time did you get?"
kind = "number"
"""

FIRST = (
    "Ada Ben Chloé Dmitri Emeka Fatima Grace Hiro Ines Jonas Keiko Liam Maya Noor Oscar Priya "
    "Quentin Rosa Sven Tariq Uma Viktor Wen Ximena Yusuf Zoe Amara Bruno Carmen Deepak Elif "
    "Farid Greta Hamid Ivana Jamal Kofi Lena Mateo Nadia Olu Paulo Rhea Sanjay Talia Ugo "
    "Vera Wanjiru Yara Zeno"
).split()
LAST = (
    "Okafor Schmidt Tanaka Silva Novak Haddad Kowalski Moreau Ivanova Mensah Rossi Larsen "
    "Nakamura Fischer Garcia Petrov Ahmed Dubois Jensen Costa Kumar Osei Lindqvist Romero"
).split()
ZONES = (
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Europe/Lisbon",
    "America/Sao_Paulo",
    "Australia/Sydney",
)
TEAMS = ("Platform", "Product", "Design", "Support")

VERBS = (
    "Finished",
    "Reviewed",
    "Paired on",
    "Started",
    "Refactored",
    "Debugged",
    "Shipped",
    "Wrote tests for",
    "Planned",
    "Documented",
    "Prototyped",
    "Cleaned up",
)
THINGS = (
    "the billing export",
    "the onboarding flow",
    "the search index",
    "our CI pipeline",
    "the mobile settings screen",
    "the release notes",
    "the customer import tool",
    "the permissions model",
    "the weekly metrics job",
    "the design system buttons",
    "the API rate limiter",
    "the support macros",
    "the invoice PDF layout",
    "the sign-in page",
    "the data retention policy",
    "the flaky integration tests",
    "the pricing page copy",
    "the Slack notifications",
    "the audit log",
    "the cache layer",
)
TAILS = (
    "",
    " with Sam",
    " for the Q3 launch",
    " after the incident",
    " — nearly done",
    " (took longer than planned)",
    ", then helped support with a ticket",
)
BLOCKERS = (
    "Nothing, all good.",
    "Waiting on a review.",
    "Still waiting for access to the staging DB.",
    "The test suite is slow again.",
    "Unclear requirements on the export format.",
    "Too many meetings this week.",
    "Need a decision on the API naming.",
    "Laptop is dying, new one ordered.",
    "Blocked by the vendor's sandbox being down.",
    "No blockers.",
    "Could use a second pair of eyes on the migration.",
    "Design review got moved to next week.",
)
POOL = (
    ("What's one thing that would make next week better?", "approved"),
    ("Which tool saved you the most time this week?", "approved"),
    ("Who helped you recently, and how?", "approved"),
    ("What are you reading or listening to?", "approved"),
    ("How clear are our priorities right now?", "pending"),
)


@dataclass(frozen=True)
class DemoSummary:
    path: Path
    members: int
    runs: int
    answers: int
    weeks: int

    def __str__(self) -> str:
        return (
            f"demo workspace in {self.path}: {self.members} members, {self.runs} check-ins sent, "
            f"{self.answers} answers over {self.weeks} weeks"
        )


class DemoRefused(Exception):
    """The target database holds real data; str() says what to do."""


def build_demo(
    path: str | Path,
    *,
    members: int = 25,
    weeks: int = 12,
    seed: int = 1,
    until: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """(Re)create a demo database at `path`, ending the day before `until` (default today).

    Refuses a database that is not a demo: it would mix invented people with real ones.
    """
    path = Path(path)
    if members < 1 or weeks < 1:
        raise ValueError("a demo needs at least one member and one week")
    _refuse_real(path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    conn = connection.connect(path)
    conn.execute("PRAGMA synchronous = OFF")  # a demo is rebuilt, never recovered
    rng = random.Random(seed)
    end = until or system_clock().date()
    start = end - timedelta(weeks=weeks)
    start -= timedelta(days=start.weekday())  # from a Monday
    clock = FakeClock(
        datetime(start.year, start.month, start.day, tzinfo=_utc()) - timedelta(days=1)
    )

    with connection.transaction(conn):
        connection.set_meta(conn, "kind", "demo")
        connection.set_meta(
            conn, "demo", json.dumps({"members": members, "weeks": weeks, "seed": seed})
        )
        import_definitions(conn, parse_toml(DEMO_TOML, "demo"), clock=clock)
        channels.record_channels(conn, DEMO_CHANNELS, clock=clock)
        people = _members(conn, rng, members, clock)
        for i, (text, status) in enumerate(POOL):
            qid = submit.submit(
                conn,
                text,
                submitted_by=people[i % len(people)].slack_id,
                source="demo",
                anonymous=i % 4 == 3,
                clock=clock,
            ).id
            if status != "pending":
                action = "approve" if status == "approved" else "reject"
                moderation.moderate(conn, qid, action, people[1].slack_id, clock=clock)
            moderation.claim_moderation_dms(conn, qid, clock)  # a demo DMs nobody
            moderation.mark_outcome_told(conn, qid, clock)
    checkin = model.get_checkin(conn, "wellbeing")
    schedule = Schedule.of(checkin)
    questions = model.active_questions(conn, checkin["id"])
    sentences = _sentences(rng)

    runs = answers = 0
    day = start
    while day < end:
        with connection.transaction(conn):
            for person in people:
                made = _day(conn, rng, schedule, checkin, questions, person, day, sentences, clock)
                runs += made[0]
                answers += made[1]
        if progress and day.weekday() == 6:
            progress(f"demo: week of {day - timedelta(days=6)} written ({answers} answers)")
        day += timedelta(days=1)

    with connection.transaction(conn):
        _feedback(conn, rng, people, clock)
    conn.execute("PRAGMA optimize")
    conn.close()
    return DemoSummary(path=path, members=len(people), runs=runs, answers=answers, weeks=weeks)


def is_demo(path: str | Path) -> bool:
    try:
        conn = connection.connect(path, migrate_schema=False)
        try:
            return (
                connection.schema_version(conn) > 0 and connection.get_meta(conn, "kind") == "demo"
            )
        finally:
            conn.close()
    except (sqlite3.Error, connection.DatabaseError):
        return False


def _refuse_real(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        conn = connection.connect(path, migrate_schema=False)
        version = connection.schema_version(conn)
        kind = connection.get_meta(conn, "kind") if version else None
        has_data = version and conn.execute("SELECT COUNT(*) FROM checkins").fetchone()[0] > 0
        conn.close()
    except (sqlite3.Error, connection.DatabaseError):
        raise DemoRefused(
            f"{path} exists and is not a checkin database; choose another --db"
        ) from None
    if has_data and kind != "demo":
        raise DemoRefused(
            f"{path} holds real check-ins; the demo will not overwrite it. "
            "Use another file: python -m checkin --db data/demo.db demo"
        )


def _utc():
    from datetime import UTC

    return UTC


@dataclass
class _Person:
    slack_id: str
    team: int
    reliability: float  # chance of answering a run
    lateness: float  # median minutes to answer
    mood_bias: float
    paused: tuple[date, date] | None
    clock: MemberClock


def _members(
    conn: sqlite3.Connection, rng: random.Random, count: int, clock: FakeClock
) -> list[_Person]:
    people = []
    pairs = [(f, la) for f in FIRST for la in LAST]
    names = rng.sample(pairs, min(count, len(pairs)))
    # A workspace bigger than the name list (benchmarks) repeats names with a letter.
    names += [
        (f, f"{la} {chr(65 + n // len(pairs))}.")
        for n, (f, la) in enumerate(pairs * (count // len(pairs)))
    ][: count - len(names)]
    for i, (first, last) in enumerate(names):
        slack_id = f"U{1000 + i:07d}"
        tz = ZONES[i % len(ZONES)] if i < 16 else rng.choice(ZONES)
        upsert_member(
            conn,
            slack_id,
            name=f"{first}.{last}".lower().replace(" ", "."),
            real_name=f"{first} {last}",
            tz=tz,
            is_admin=(i == 0),
            clock=clock,
        )
        people.append(
            _Person(
                slack_id=slack_id,
                team=i % len(TEAMS),
                reliability=min(0.98, max(0.45, rng.gauss(0.82, 0.12))),
                lateness=rng.choice((8, 15, 25, 40, 90)),
                mood_bias=rng.gauss(0, 0.4),
                paused=None,
                clock=MemberClock(slack_id=slack_id, tz=tz),
            )
        )
    return people


def _sentences(rng: random.Random) -> list[str]:
    pool = [f"{v} {t}{tail}." for v in VERBS for t in THINGS for tail in TAILS]
    rng.shuffle(pool)
    return pool


def _team_mood(team: int, day: date) -> float:
    """Each team's mood drifts slowly (weeks), with its own phase and level."""
    t = day.toordinal() / 7.0
    return (
        3.4
        + 0.5 * math.sin(t / 3.0 + team * 1.7)
        + (0.25 if team == 1 else 0)
        - (0.3 if team == 3 else 0)
    )


def _day(
    conn: sqlite3.Connection,
    rng: random.Random,
    schedule: Schedule,
    checkin: sqlite3.Row,
    questions: list[sqlite3.Row],
    person: _Person,
    day: date,
    sentences: list[str],
    clock: FakeClock,
) -> tuple[int, int]:
    """One member's run for one local date: sent, maybe answered; returns (runs, answers)."""
    due = run_for(schedule, person.clock, day)
    if due is None:
        return 0, 0
    if person.paused is None and rng.random() < 0.004:
        person.paused = (day, day + timedelta(days=rng.choice((4, 7, 11))))
    if person.paused and person.paused[0] <= day <= person.paused[1]:
        return 0, 0  # out of office: not asked, not missing
    clock.set(due.due_at)
    question_ids = [q["id"] for q in questions]
    if checkin["random_question"] and rng.random() < 0.5:
        pool_qid = rotation.question_for_run(conn, checkin["id"], person.slack_id, day, clock=clock)
        if pool_qid:
            question_ids.append(pool_qid)
    run_id = create_run(conn, checkin["id"], due, question_ids, status="sending", clock=clock)
    if run_id is None:
        return 0, 0
    set_run_status(
        conn,
        run_id,
        "open",
        clock=clock,
        channel_id=f"D{person.slack_id[1:]}",
        message_ts=f"{due.due_at.timestamp():.6f}",
        sent_at=due.due_at,
    )
    events.record_event(
        conn,
        "run_sent",
        checkin_id=checkin["id"],
        member_id=person.slack_id,
        duration_ms=round(rng.uniform(120, 900), 1),
        clock=clock,
    )
    roll = rng.random()
    if roll > person.reliability:
        if roll > 0.97:
            set_run_status(conn, run_id, "skipped", clock=clock)
        else:
            set_run_status(conn, run_id, "closed", clock=clock)
        return 1, 0
    delay = rng.lognormvariate(math.log(person.lateness), 0.9)
    if rng.random() < 0.04:
        delay += 60 * 16  # answered the next morning: late
    clock.set(due.due_at + timedelta(minutes=delay))
    mood = _team_mood(person.team, day) + person.mood_bias + rng.gauss(0, 0.7)
    count = 0
    for qid in question_ids:
        q = conn.execute("SELECT * FROM questions WHERE id = ?", (qid,)).fetchone()
        clock.advance(seconds=rng.uniform(4, 50))
        if q["kind"] != "scale" and rng.random() < 0.05:
            record.record_answer(conn, run_id, qid, skipped=True, source="demo", clock=clock)
            count += 1
            continue
        text, number = _answer(rng, q, mood, sentences)
        stored = record.record_answer(
            conn, run_id, qid, text=text, number=number, source="demo", clock=clock
        )
        count += 1
        if q["kind"] == "text" and rng.random() < 0.02:
            clock.advance(minutes=rng.uniform(1, 30))
            record.edit_answer(conn, stored.answer_id, text=text + " (and more)", clock=clock)
    return 1, count


def _answer(
    rng: random.Random, q: sqlite3.Row, mood: float, sentences: list[str]
) -> tuple[str | None, float | None]:
    kind = q["kind"]
    if kind == "scale":
        value = int(min(5, max(1, round(mood))))
        return model.labels(q)[value - 1], float(value)
    if kind == "choice":
        options = model.options(q)
        return rng.choices(options, weights=(4, 5, 1)[: len(options)] or None)[0], None
    if kind == "number":
        value = max(0.0, round(rng.gauss(3.5 + (mood - 3) * 0.6, 1.4) * 2) / 2)
        return f"{value:g}", value
    if q["text"].startswith("Anything blocking"):
        return rng.choice(BLOCKERS), None
    if q["pool_question_id"]:
        return rng.choice(sentences[-60:]), None
    return sentences[rng.randrange(len(sentences) - 60)], None


def _feedback(
    conn: sqlite3.Connection, rng: random.Random, people: list[_Person], clock: FakeClock
) -> None:
    """One request answered through the web form by all but one reviewer (who declined),
    so it closed and its results show."""
    if len(people) < 5:
        return
    subject = people[1].slack_id
    invitees = [p.slack_id for p in people[2:8]]
    today = clock().date()
    request_id = requests.create_request(
        conn,
        subject=subject,
        requested_by=people[0].slack_id,
        reviewers=invitees,
        due=today + timedelta(days=7),
        today=today,
        clock=clock,
    )
    conn.execute("DELETE FROM outbox WHERE kind = 'feedback_invites'")  # nobody to DM in a demo
    request = requests.get_request(conn, request_id)
    questions = requests.questions_of(request)
    keys = {
        "strengths": (
            "Clear written updates.",
            "Great at unblocking others.",
            "Thoughtful code reviews.",
        ),
        "improve": ("Share work earlier.", "Say no to more meetings.", "Write down decisions."),
    }

    def invite_of(member: str) -> int:
        return conn.execute(
            "SELECT id FROM feedback_invites WHERE request_id = ? AND member_id = ?",
            (request_id, member),
        ).fetchone()[0]

    answering = invitees[: max(3, len(invitees) - 1)]
    for member in invitees[len(answering) :]:  # declined: the last answer closes the request
        invites.decline(conn, invite_of(member), member, clock=clock)
    for member in answering:
        invite = (invite_of(member),)
        token = invites.issue_link_token(conn, invite[0])
        answers = {
            q["key"]: rng.choice((3, 4, 4, 5))
            if q["kind"] == "scale"
            else rng.choice(keys[q["key"]])
            for q in questions
        }
        form.submit_response(conn, token, answers, clock=clock)
