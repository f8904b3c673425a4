"""Who sees what in Slack: the same viewer and the same reads as the web app.

A check-in of four people (Alice, Bob, Chitra answer; Dmitri does not), led by
Emma, with Bob an admin (CHECKIN_ADMINS). Its choice question splits 1 / 2, so
its figures are held back from a member of a private check-in; the scale
question's one value stands for all three and shows.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot import scheduler
from checkin.answers import record, runs
from checkin.checkins import model
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.checkins.timing import MemberClock, Schedule, run_for
from checkin.clock import FakeClock
from checkin.db import connection
from checkin.people import members
from tests.bot.conftest import settle

pytestmark = pytest.mark.timeout(60)

MOOD = """
[[checkin]]
name = "mood"
days = ["mon"]
time = "09:00"
timezone = "Europe/Berlin"
participants = ["U001", "U002", "U003", "U004"]
report_channel = "#team"
report = {{ day = "fri", time = "16:00" }}
leads = ["U005"]
name_missing = true
visibility = "{visibility}"

[[checkin.question]]
text = "How are you feeling?"
kind = "scale"

[[checkin.question]]
text = "Where are you working from?"
kind = "choice"
options = ["office", "home"]

[[checkin.question]]
text = "What did you work on?"
kind = "text"
"""
MONDAY = date(2026, 11, 30)
REPORT_TIME = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # Friday 16:00 in Berlin
AFTER = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
TZ = {
    "U001": "Europe/Paris",
    "U002": "America/New_York",
    "U003": "Asia/Kolkata",
    "U004": "Europe/Berlin",
    "U005": "America/Los_Angeles",
}
NAMES = {
    "U001": "Alice Moreau",
    "U002": "Bob Okafor",
    "U003": "Chitra Iyer",
    "U004": "Dmitri Volkov",
    "U005": "Emma Larsen",
}
ANSWERS = {  # member → (scale, choice, words)
    "U001": (4, "office", "alice: fixed the build"),
    "U002": (4, "home", "bob: wrote the migration"),
    "U003": (4, "home", "chitra: my private worries"),
}
MEMBER, ADMIN, OTHER, MISSING, LEAD = "U001", "U002", "U003", "U004", "U005"


def seed(db_path, visibility: str) -> None:  # noqa: ANN001
    conn = connection.connect(db_path)
    clock = FakeClock(datetime(2026, 11, 29, tzinfo=UTC))
    conn.execute("UPDATE checkins SET active = 0 WHERE name = 'daily'")
    import_definitions(conn, parse_toml(MOOD.format(visibility=visibility)), clock=clock)
    checkin = model.get_checkin(conn, "mood")
    questions = [q["id"] for q in model.active_questions(conn, checkin["id"])]
    for member, name in NAMES.items():
        members.upsert_member(
            conn, member, name=name.split()[0].lower(), real_name=name, tz=TZ[member], clock=clock
        )
    for member in ("U001", "U002", "U003", "U004"):
        due = run_for(Schedule.of(checkin), MemberClock(member, TZ[member]), MONDAY)
        clock.set(due.due_at)
        run_id = runs.create_run(conn, checkin["id"], due, questions, status="sending", clock=clock)
        runs.set_run_status(conn, run_id, "open", sent_at=due.due_at, clock=clock)
        if member in ANSWERS:
            scale, choice, words = ANSWERS[member]
            clock.advance(minutes=10)
            record.record_answer(conn, run_id, questions[0], text="x", number=scale, clock=clock)
            record.record_answer(conn, run_id, questions[1], text=choice, clock=clock)
            record.record_answer(conn, run_id, questions[2], text=words, clock=clock)
        else:
            runs.set_run_status(conn, run_id, "closed", clock=clock)
    conn.close()


@pytest.fixture(params=["private", "team"])
def visibility(request, story_db) -> str:  # noqa: ANN001
    seed(story_db, request.param)
    return request.param


def ask(slack, bot, clock, user: str, line: str, timeout: float = 3.0) -> str:  # noqa: ANN001
    """Run a command as `user`; the ephemeral answer as JSON text."""
    clock.set(AFTER)
    before = len(slack.responses)
    slack.user(user).runs(line)
    response = slack.wait_until(lambda: slack.responses[before:], timeout=timeout)[0]
    settle(slack, bot)
    return json.dumps(response.body, ensure_ascii=False)


def sees_everyone(text: str) -> bool:
    return "chitra: my private worries" in text and "Chitra Iyer" in text


def test_report_command_shows_a_private_members_own_words_and_held_back_figures(
    slack, visibility, make_bot, clock
) -> None:  # noqa: ANN001
    bot = make_bot(admins=(ADMIN,))
    text = ask(slack, bot, clock, MEMBER, "/checkin report last week mood")
    assert "alice: fixed the build" in text
    assert "4 3" in text  # the scale value three people gave shows to everyone asked
    if visibility == "private":
        assert not sees_everyone(text) and "bob: wrote the migration" not in text
        assert "home 2" not in text and "office 1" not in text  # a 2-person group
        assert "Dmitri" not in text  # who did not answer is not named
    else:
        assert sees_everyone(text) and "home 2" in text and "Dmitri Volkov" in text


@pytest.mark.parametrize("who", [LEAD, ADMIN])
def test_report_command_shows_leads_and_admins_everyone(
    slack, visibility, make_bot, clock, who
) -> None:  # noqa: ANN001
    bot = make_bot(admins=(ADMIN,))
    text = ask(slack, bot, clock, who, "/checkin report last week mood")
    assert sees_everyone(text) and "home 2" in text and "Dmitri Volkov" in text


def test_someone_elses_week_is_for_leads_admins_and_a_team(
    slack, visibility, make_bot, clock
) -> None:  # noqa: ANN001
    bot = make_bot(admins=(ADMIN,))
    text = ask(slack, bot, clock, MEMBER, "/checkin report last week @chitra mood")
    if visibility == "private":
        assert "my private worries" not in text
        assert "you can see your own answers" in text and "team figures" in text
    else:
        assert "chitra: my private worries" in text
    own = ask(slack, bot, clock, MEMBER, "/checkin report last week @alice mood")
    assert "alice: fixed the build" in own
    for who in (LEAD, ADMIN):
        assert "chitra: my private worries" in ask(
            slack, bot, clock, who, "/checkin report last week @chitra mood"
        )


def test_report_in_a_dm_is_what_the_member_may_see(slack, visibility, make_bot, clock) -> None:  # noqa: ANN001
    bot = make_bot(admins=(ADMIN,))
    ask(
        slack, bot, clock, MEMBER, "/checkin report last week mood dm", timeout=20
    )  # with the chart
    posted = json.dumps([m.get("blocks") for m in slack.dm(MEMBER)], ensure_ascii=False)
    assert "mood: week of" in posted
    if visibility == "private":
        assert "home 2" not in posted and "Dmitri" not in posted
    else:
        assert "home 2" in posted and "Dmitri Volkov" in posted


def test_channel_post_of_a_private_check_in_names_nobody(
    slack, visibility, make_bot, clock
) -> None:  # noqa: ANN001
    bot = make_bot(admins=(ADMIN,))
    clock.set(REPORT_TIME)
    scheduler.tick(bot.ctx)
    settle(slack, bot, timeout=20)
    channel = json.dumps(slack.history("#team"), ensure_ascii=False)
    assert "mood: week of" in channel and "4 3" in channel
    if visibility == "private":
        for name in ("Alice", "Bob", "Chitra", "Dmitri", "fixed the build", "private worries"):
            assert name not in channel
        assert "home 2" not in channel
    else:
        assert "chitra: my private worries" in channel and "Chitra Iyer" in channel
        assert "home 2" in channel and "Dmitri Volkov" in channel


def test_channel_post_of_a_week_too_few_answered_says_so_and_shows_nothing(
    slack, story_db, make_bot, clock
) -> None:  # noqa: ANN001
    seed(story_db, "private")
    conn = connection.connect(story_db)
    conn.execute("DELETE FROM answers WHERE member_id = 'U003'")
    conn.execute("UPDATE runs SET answered_at = NULL, status = 'closed' WHERE member_id = 'U003'")
    conn.close()
    bot = make_bot()
    clock.set(REPORT_TIME)
    scheduler.tick(bot.ctx)
    settle(slack, bot, timeout=20)
    (post,) = slack.history("#team")
    assert "Fewer than 3 people answered" in post["text"]
    for hidden in ("Alice", "Bob", "fixed the build", "office", "Participation"):
        assert hidden not in json.dumps(post, ensure_ascii=False)
    scheduler.tick(bot.ctx)  # posted once: the week's post is this line
    settle(slack, bot, timeout=20)
    assert len(slack.history("#team")) == 1


def test_app_home_shows_a_member_only_their_own_answers(slack, visibility, make_bot, clock) -> None:  # noqa: ANN001
    bot = make_bot(admins=(ADMIN,))
    clock.set(AFTER)
    event = slack.user(MEMBER).opens_home()
    settle(slack, bot, event)
    home = json.dumps(slack.home(MEMBER), ensure_ascii=False)
    assert "alice: fixed the build" in home
    assert "private worries" not in home and "Chitra" not in home


def test_someone_never_asked_is_told_who_the_summary_is_for(
    slack, visibility, make_bot, clock
) -> None:  # noqa: ANN001
    bot = make_bot()
    # Emma leads it (sees it all); without the lead Emma is nobody to it
    conn = bot.ctx.conn
    conn.execute("UPDATE checkins SET leads = '[]' WHERE name = 'mood'")
    text = ask(slack, bot, clock, LEAD, "/checkin report last week mood")
    assert "for the people asked in it, its leads and admins" in text
    assert "alice" not in text.lower()
