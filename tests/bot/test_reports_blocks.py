"""The report's Block Kit and fallback texts: escaped, cut to Slack's limits, never broken."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bot import reports as bot_reports
from bot.blocks import SECTION_MAX, esc_clip
from checkin.reports.build import build_report
from checkin.reports.formats import to_markdown
from checkin.reports.model import MemberWeek, QuestionSummary, TextAnswer
from tests.fakeslack.validation import block_errors
from tests.reports.test_reports_data import build_golden, utc

NOW = utc(2026, 11, 2, 9, 0)
EVIL = "R&D <!channel> *loud* <@U0A>"


@pytest.fixture
def report(conn, clock):  # noqa: ANN001, ANN201
    golden = build_golden(conn, clock)
    return build_report(conn, golden.checkin, "2026-W44", NOW)


def mrkdwn_texts(blocks: list[dict]) -> list[str]:
    out = []
    for b in blocks:
        for obj in [b.get("text")] + b.get("elements", []):
            if isinstance(obj, dict) and obj.get("type") == "mrkdwn":
                out.append(obj["text"])
    return out


def test_esc_clip_cuts_before_escaping_never_through_an_entity() -> None:
    assert esc_clip("a & b", 100) == "a &amp; b"
    cut = esc_clip("&" * 10, 12)  # "&amp;&amp;…" fits, a third would not
    assert cut == "&amp;&amp;…" and len(cut) <= 12
    for limit in range(1, 40):
        text = esc_clip("x<y & z>w " * 5, limit)
        assert len(text) <= limit
        assert text.rstrip("…").count("&") == text.count("&amp;") + text.count("&lt;") + text.count(
            "&gt;"
        )


def test_question_and_names_are_escaped_in_blocks_and_fallback_texts(report) -> None:  # noqa: ANN001
    q = report.questions[0]
    evil_report = replace(
        report,
        checkin=EVIL,
        questions=[replace(q, text=EVIL)] + report.questions[1:],
        missing_members=[EVIL],
        text_answers=[replace(a, question_id=q.question_id) for a in report.text_answers[:1]]
        + report.text_answers[1:],
    )
    text, blocks = bot_reports.summary_message(evil_report, in_channel=True)
    assert "<!channel>" not in text and "R&amp;D &lt;!channel&gt;" in text
    for t in mrkdwn_texts(blocks):
        assert "<!channel>" not in t and "<@U0A>" not in t
    assert any("R&amp;D &lt;!channel&gt; *loud*" in t for t in mrkdwn_texts(blocks))
    for fallback, _ in bot_reports.answer_messages(evil_report):
        assert "<!channel>" not in fallback
    mw = MemberWeek(checkin=EVIL, week="2026-W44", member_id="U0A", member=EVIL, runs=[])
    fallback, _ = bot_reports.member_message(mw)
    assert "<!channel>" not in fallback and "&lt;@U0A&gt;" in fallback


def test_free_text_choice_answers_are_escaped_in_markdown(report) -> None:  # noqa: ANN001
    choice = next(q for q in report.questions if q.kind == "choice")
    other = replace(choice, counts={**(choice.counts or {}), "*bold* [x](http://e.vil) <b>": 1})
    md = to_markdown(replace(report, questions=[other]))
    assert "\\*bold\\* \\[x\\](http://e.vil) \\<b\\> 1" in md


def test_many_questions_and_long_answers_stay_within_block_kit_limits(report) -> None:  # noqa: ANN001
    base = report.questions[0]
    long_q = "Why & how <this> " * 400  # ~6800 characters, & and < everywhere
    questions = [
        QuestionSummary(
            question_id=1000 + i,
            position=i,
            text=f"{i}: {long_q}",
            kind="text",
            from_pool=False,
            answers=2,
            skipped=0,
        )
        for i in range(80)
    ] + [base]
    long_answer = "ampersands & angles <> " * 200  # ~4600 characters
    answers = [
        TextAnswer(
            question_id=1000 + i % 80,
            question=long_q,
            member_id="U0A",
            member="Ada & Co",
            local_date="2026-10-26",
            text=long_answer,
            late=False,
            edited=bool(i % 2),
        )
        for i in range(200)
    ]
    big = replace(report, questions=questions, text_answers=answers, missing_members=["Fay"] * 900)
    for in_channel in (True, False):
        text, blocks = bot_reports.summary_message(big, in_channel=in_channel)
        assert block_errors(blocks) == [], block_errors(blocks)[:3]
        assert len(blocks) <= 50 and len(text) <= 40_000
        for t in mrkdwn_texts(blocks):
            assert len(t) <= SECTION_MAX
            assert not t.endswith("&am") and "&" not in t.replace("&amp;", "").replace(
                "&lt;", ""
            ).replace("&gt;", "")
    messages = bot_reports.answer_messages(big)
    assert len(messages) <= bot_reports.THREAD_MESSAGES_MAX
    for _text, blocks in messages:
        assert block_errors(blocks) == [], block_errors(blocks)[:3]
    ephemeral = blocks + bot_reports._text_answers_blocks(big, 50 - len(blocks))
    assert block_errors(ephemeral) == []
    assert "more answers" in json.dumps(messages[-1][1])
