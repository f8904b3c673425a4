"""Decoding the text Slack delivers into what the person typed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkin.slacktext import decode
from tests.fakeslack.typed import encode
from tests.fakeslack.workspace import Workspace

NAMES = {"U001": "alice"}


@pytest.mark.parametrize(
    ("encoded", "typed"),
    [
        ("R&amp;D &lt;team&gt; &amp; co", "R&D <team> & co"),
        ("see <https://example.com/?a=1&amp;b=2>", "see https://example.com/?a=1&b=2"),
        ("<https://example.com|the docs>", "the docs (https://example.com)"),
        ("<http://example.com|example.com>", "example.com"),
        ("<mailto:a@b.org|a@b.org>", "a@b.org"),
        ("thanks <@U001>!", "thanks @alice!"),
        ("thanks <@U404>", "thanks @U404"),
        ("thanks <@U404|dora>", "thanks @dora"),
        ("in <#C0002|team>", "in #team"),
        ("ask <!subteam^S0001|@leads>", "ask @leads"),
        ("ask <!subteam^S0001>", "ask @S0001"),
        ("<!here> and <!channel>", "@here and @channel"),
        ("<!date^1392734382^{date}|Feb 18, 2014>", "Feb 18, 2014"),
        ("&amp;lt; is how you write &lt;", "&lt; is how you write <"),
        ("", ""),
    ],
)
def test_slack_encoding_is_decoded_to_what_was_typed(encoded: str, typed: str) -> None:
    assert decode(encoded, NAMES.get) == typed


@given(st.text(alphabet=st.characters(blacklist_characters="@#|", codec="utf-8")))
def test_any_typed_text_round_trips_through_slack_s_encoding(typed: str) -> None:
    text, _ = encode(Workspace.demo(), typed)
    assert decode(text) == typed


@given(st.text())
def test_decoding_never_raises(text: str) -> None:
    assert isinstance(decode(text, NAMES.get), str)


def test_a_command_s_text_is_unescaped_and_keeps_its_mention_tokens() -> None:
    from checkin.slacktext import command_text

    assert command_text("report R&amp;D &lt;x&gt; <@U001|alice>") == "report R&D <x> <@U001|alice>"
