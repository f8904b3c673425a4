"""`/checkin feedback` without `by DATE`: due in 7 days like the web form (the same
`checkin.feedback.requests.DEFAULT_DUE`), and the reply says the date, with `share` and
after *Send anyway* too."""

from __future__ import annotations

from datetime import timedelta

import pytest

from checkin.checkins.timing import local_today
from checkin.feedback.requests import DEFAULT_DUE
from tests.bot.conftest import settle
from tests.bot.test_feedback import ALICE, BOB, CHITRA, DMITRI, EMMA, make_lead, run

pytestmark = pytest.mark.timeout(60)


def due_in_a_week(bot, clock, member: str) -> str:  # noqa: ANN001
    tz = bot.ctx.conn.execute("SELECT tz FROM members WHERE slack_id = ?", (member,)).fetchone()
    return (local_today(tz[0], clock()) + timedelta(days=7)).isoformat()


def test_the_default_due_date_is_the_web_forms_seven_days():
    assert DEFAULT_DUE == timedelta(days=7)


def test_share_without_a_date_is_due_in_seven_days_and_still_shares(slack, bot, clock):  # noqa: ANN001
    said = run(slack, bot, "U001", f"/checkin feedback {ALICE} from {BOB} {CHITRA} {DMITRI} share")
    row = bot.ctx.conn.execute("SELECT closes_on, notify_subject FROM feedback_requests").fetchone()
    assert tuple(row) == (due_in_a_week(bot, clock, "U001"), 1), "`share` is not a date"
    assert f"due {row[0]} (request #1)" in said


def test_send_anyway_without_a_date_is_due_in_seven_days_and_says_so(slack, bot, clock):  # noqa: ANN001
    run(slack, bot, "U001", f"/checkin feedback {ALICE} from {BOB} {CHITRA} {DMITRI}")
    clock.advance(days=3)
    make_lead(bot, "U004")
    said = run(slack, bot, "U004", f"/checkin feedback {ALICE} from {BOB} {EMMA} <@U003>")
    assert said.endswith("Send the request anyway?")
    slack.user("U004").clicks("Send anyway")
    settle(slack, bot)
    (due,) = bot.ctx.conn.execute("SELECT closes_on FROM feedback_requests WHERE id = 2").fetchone()
    assert due == due_in_a_week(bot, clock, "U004")
    replaced = [r for r in slack.responses if "request #2" in str(r.body)]
    assert replaced and f"due {due} (request #2)" in replaced[-1].body["text"]
