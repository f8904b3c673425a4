"""The fake delivers typed text encoded as Slack does, with the raw characters in rich_text."""

from __future__ import annotations

from tests.fakeslack.typed import encode
from tests.fakeslack.workspace import Workspace


def test_typed_characters_arrive_escaped_and_links_as_tokens() -> None:
    text, blocks = encode(Workspace.demo(), "R&D <team> & co, see https://example.com/?a=1&b=2.")
    assert text == "R&amp;D &lt;team&gt; &amp; co, see <https://example.com/?a=1&amp;b=2>."
    elements = blocks[0]["elements"][0]["elements"]
    assert elements == [
        {"type": "text", "text": "R&D <team> & co, see "},
        {"type": "link", "url": "https://example.com/?a=1&b=2"},
        {"type": "text", "text": "."},
    ]


def test_names_picked_from_autocomplete_arrive_as_mentions() -> None:
    text, blocks = encode(Workspace.demo(), "@alice, #team and @leads; not @nobody")
    assert text == "<@U001>, <#C0002|team> and <!subteam^S0001|@leads>; not @nobody"
    kinds = [e["type"] for e in blocks[0]["elements"][0]["elements"]]
    assert kinds == ["user", "text", "channel", "text", "usergroup", "text"]


def test_a_typed_message_event_carries_the_encoded_text(slack) -> None:  # noqa: ANN001
    slack.user("U002").types("a < b & c")
    (envelope,) = slack.queued_envelopes or slack.sent_envelopes
    assert envelope["payload"]["event"]["text"] == "a &lt; b &amp; c"
    history = slack.workspace.snapshot(slack.workspace.open_dm("U002"))
    assert history[-1]["text"] == "a &lt; b &amp; c", "the DM's history holds it encoded too"
