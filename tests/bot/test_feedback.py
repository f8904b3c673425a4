"""Peer feedback through the real slack_bolt code against the fake Slack: the command, its
bad input, invites with distinct one-time links (none to the subject), decline, reminder,
and the note that results are ready."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from checkin.checkins.timing import local_today
from checkin.feedback import form
from tests.bot.conftest import settle, tick

pytestmark = pytest.mark.timeout(60)

ALICE, BOB, CHITRA, DMITRI, EMMA = (
    "<@U001|alice>",
    "<@U002|bob>",
    "<@U003|chitra>",
    "<@U004|dmitri>",
    "<@U005|emma>",
)
REQUEST = f"/checkin feedback {ALICE} from {BOB} {CHITRA} {DMITRI} {EMMA} by 2026-12-11"


def run(slack, bot, user: str, line: str) -> str:  # noqa: ANN001
    ack = slack.user(user).runs(line)
    assert ack.latency < 3.0
    settle(slack, bot)
    return slack.ephemerals(user)[-1]["text"]


def invite_links(slack) -> dict[str, str]:  # noqa: ANN001
    out = {}
    for user in ("U001", "U002", "U003", "U004", "U005"):
        for message in slack.dm(user):
            for block in message.get("blocks") or []:
                for element in block.get("elements") or []:
                    if element.get("action_id") == "feedback_open" and "url" in element:
                        out[user] = element["url"]
    return out


def token_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


def make_lead(bot, member: str) -> None:  # noqa: ANN001
    """Name `member` lead of the story's check-in, in which everyone else takes part."""
    with bot.ctx.conn:
        bot.ctx.conn.execute("UPDATE checkins SET leads = json_array(?)", (member,))


def test_a_request_for_4_reviewers_sends_4_dms_with_distinct_links_none_to_the_subject(
    slack, bot, clock
):  # noqa: ANN001
    said = run(slack, bot, "U001", REQUEST)
    assert said.startswith(
        "Asked Bob Okafor, Chitra Iyer, Dmitri Volkov, Emma Larsen for feedback about Alice "
        "Moreau, due 2026-12-11"
    )
    tick(bot)  # the outbox: the invites
    links = invite_links(slack)
    assert sorted(links) == ["U002", "U003", "U004", "U005"]  # not U001, the subject
    assert len(set(links.values())) == 4
    for url in links.values():
        assert url.startswith("http://localhost:8501/feedback_form?token=")
    forms = [form.open_form(bot.ctx.conn, token_of(u), clock) for u in links.values()]
    assert {f.subject_name for f in forms} == {"Alice Moreau"}
    assert len({f.invite_id for f in forms}) == 4
    dump = "\n".join(bot.ctx.conn.iterdump())
    assert not any(token_of(u) in dump for u in links.values())
    tick(bot)
    assert len(invite_links(slack)) == 4 and len(slack.calls("chat.postMessage")) == 4


@pytest.mark.parametrize(
    ("line", "said"),
    [
        (
            f"/checkin feedback from {BOB} {CHITRA} {DMITRI} by 2026-12-11",
            "Say whom the feedback is about first: `/checkin feedback @subject from @a @b @c [by "
            "2026-12-11]`",
        ),
        (
            f"/checkin feedback {ALICE} from {BOB} {CHITRA} by 2026-12-11",
            "Name at least 3 reviewers (you named 2): answers stay anonymous only among 3 or more.",
        ),
        (
            f"/checkin feedback {ALICE} from {BOB} {CHITRA} <@U0BOT|checkin> by 2026-12-11",
            "Checkin is a bot: feedback is about and from people.",
        ),
        (
            f"/checkin feedback {ALICE} from {BOB} {CHITRA} <@U006|frank> by 2026-12-11",
            "Frank Weber's account is deactivated, so they cannot take part.",
        ),
        (
            f"/checkin feedback {ALICE} from {ALICE} {BOB} {CHITRA} by 2026-12-11",
            "Alice Moreau is the subject and cannot be one of their own reviewers.",
        ),
        (
            f"/checkin feedback {ALICE} from {BOB} {CHITRA} {DMITRI} by 2026-11-01",
            "The due date 2026-11-01 has passed; pick today or a later day.",
        ),
        (
            f"/checkin feedback {ALICE} from {BOB} {CHITRA} {DMITRI} by friday",
            "“friday” is not a date I can read: write it as YYYY-MM-DD, like 2026-12-11.",
        ),
    ],
)
def test_bad_requests_are_answered_with_one_clear_line(slack, bot, line, said):  # noqa: ANN001
    assert run(slack, bot, "U001", line) == said
    assert bot.ctx.conn.execute("SELECT COUNT(*) FROM feedback_requests").fetchone()[0] == 0


def test_a_reviewer_asked_about_the_subject_within_30_days_is_named_and_needs_confirmation(
    slack, bot, clock
):  # noqa: ANN001
    run(slack, bot, "U001", f"/checkin feedback {ALICE} from {BOB} {CHITRA} {DMITRI} by 2026-12-11")
    clock.advance(days=3)
    make_lead(bot, "U004")
    said = run(
        slack, bot, "U004", f"/checkin feedback {ALICE} from {BOB} {EMMA} <@U003> by 2026-12-18"
    )
    assert said == (
        "Bob Okafor, Chitra Iyer were asked about Alice Moreau in the last 30 days. "
        "Send the request anyway?"
    )
    assert bot.ctx.conn.execute("SELECT COUNT(*) FROM feedback_requests").fetchone()[0] == 1
    slack.user("U004").clicks("Send anyway")
    settle(slack, bot)
    assert bot.ctx.conn.execute("SELECT COUNT(*) FROM feedback_requests").fetchone()[0] == 2


def test_decline_removes_the_link_and_the_reminder_goes_to_everyone_not_declined(slack, bot, clock):  # noqa: ANN001
    run(slack, bot, "U001", REQUEST)
    tick(bot)
    links = invite_links(slack)
    slack.user("U005").clicks("Decline")
    settle(slack, bot)
    assert "U005" not in invite_links(slack)
    assert slack.dm("U005")[-1]["text"].startswith("You declined this feedback request.")
    ratings = {"clear": 4, "delivers": 4, "helps": 5, "strengths": "Calm", "improve": "Less"}
    form.submit_response(bot.ctx.conn, token_of(links["U002"]), ratings, clock)

    clock.set(datetime(2026, 12, 8, 12, tzinfo=UTC))
    tick(bot)
    assert not any("reminder" in m["text"] for u in ("U002", "U003", "U004") for m in slack.dm(u))
    clock.set(datetime(2026, 12, 9, 9, tzinfo=UTC))  # two days before 2026-12-11
    tick(bot)
    tick(bot)
    reminded = {
        u: [m for m in slack.dm(u) if "A reminder" in m["text"]]
        for u in ("U001", "U002", "U003", "U004", "U005")
    }
    assert {u: len(m) for u, m in reminded.items()} == {
        "U001": 0,
        "U002": 1,
        "U003": 1,
        "U004": 1,
        "U005": 0,
    }  # U002 answered, but nothing records who did
    assert "Alice Moreau is due on 2026-12-11" in reminded["U003"][0]["text"]
    assert "If you already answered, thank you" in reminded["U002"][0]["text"]


def test_requester_and_a_shared_subject_are_told_when_the_third_answer_is_in(slack, bot, clock):  # noqa: ANN001
    make_lead(bot, "U004")
    run(
        slack,
        bot,
        "U004",
        REQUEST.replace("by 2026-12-11", "by 2026-12-11 share").replace(DMITRI, "<@U003>"),
    )
    tick(bot)
    links = invite_links(slack)
    ratings = {"clear": 4, "delivers": 4, "helps": 5, "strengths": "Calm", "improve": "Less"}
    for n, user in enumerate(sorted(links)[:3], start=1):
        form.submit_response(bot.ctx.conn, token_of(links[user]), ratings, clock)
        tick(bot)
        ready = [m for m in slack.dm("U004") if "is ready" in m["text"]]
        assert len(ready) == (1 if n == 3 else 0)
    assert ready[0]["text"] == "The feedback about Alice Moreau is ready: 3 people answered."
    url = ready[0]["blocks"][1]["elements"][0]["url"]
    assert url.startswith("http://localhost:8501/feedback?request=")
    assert [m["text"] for m in slack.dm("U001") if "is ready" in m["text"]] == [
        "The feedback about you is ready: 3 people answered."
    ]
    tick(bot)
    assert len([m for m in slack.dm("U004") if "is ready" in m["text"]]) == 1


def test_a_member_asking_about_a_colleague_is_refused_and_nobody_is_invited(slack, bot):  # noqa: ANN001
    said = run(
        slack, bot, "U002", f"/checkin feedback {ALICE} from {CHITRA} {DMITRI} {EMMA} by 2026-12-11"
    )
    assert said == (
        "You may ask for feedback about yourself, about someone in a check-in you lead, or as "
        "an admin; Alice Moreau is not in a check-in you lead."
    )
    tick(bot)
    assert bot.ctx.conn.execute("SELECT COUNT(*) FROM feedback_requests").fetchone()[0] == 0
    assert invite_links(slack) == {}


def test_a_lead_of_the_subjects_checkin_may_ask_from_slack(slack, bot):  # noqa: ANN001
    make_lead(bot, "U002")
    said = run(
        slack, bot, "U002", f"/checkin feedback {ALICE} from {CHITRA} {DMITRI} {EMMA} by 2026-12-11"
    )
    assert said.startswith("Asked Chitra Iyer, Dmitri Volkov, Emma Larsen for feedback about")
    tick(bot)
    assert sorted(invite_links(slack)) == ["U003", "U004", "U005"]


def test_an_admin_from_the_settings_may_ask_from_slack(slack, make_bot):  # noqa: ANN001
    bot = make_bot(admins=("U005",))
    said = run(
        slack, bot, "U005", f"/checkin feedback {ALICE} from {BOB} {CHITRA} {DMITRI} by 2026-12-11"
    )
    assert said.startswith("Asked Bob Okafor, Chitra Iyer, Dmitri Volkov for feedback about")


def test_a_request_without_a_due_date_is_due_in_seven_days_and_says_so(slack, bot, clock):  # noqa: ANN001
    said = run(slack, bot, "U001", REQUEST.replace(" by 2026-12-11", ""))
    (due,) = bot.ctx.conn.execute("SELECT closes_on FROM feedback_requests").fetchone()
    tz = bot.ctx.conn.execute("SELECT tz FROM members WHERE slack_id = 'U001'").fetchone()[0]
    assert due == (local_today(tz, clock()) + timedelta(days=7)).isoformat()
    assert f"due {due} (request #1)" in said


def test_the_requester_cannot_name_themselves_a_reviewer_from_slack(slack, make_bot):  # noqa: ANN001
    bot = make_bot(admins=("U005",))
    said = run(slack, bot, "U005", f"/checkin feedback {ALICE} from {EMMA} {BOB} {CHITRA}")
    assert said == (
        "Emma Larsen asked for this feedback and cannot also be a reviewer: name at least 3 "
        "other people."
    )
    assert bot.ctx.conn.execute("SELECT COUNT(*) FROM feedback_requests").fetchone()[0] == 0
