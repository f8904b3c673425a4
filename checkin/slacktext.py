"""What a person typed, from the encoded `text` Slack delivers.

Slack sends a message's text with `&`, `<` and `>` as `&amp;`, `&lt;`,
`&gt;`, and turns links, mentions and channel names into angle-bracket
tokens: `<https://example.com/?a=1&amp;b=2>`, `<https://x.org|label>`,
`<mailto:a@b.org|a@b.org>`, `<@U123>`, `<#C123|team>`, `<!subteam^S1|@leads>`,
`<!here>`, `<!date^1392734382^{date}|Feb 18, 2014>`. A literal `<` typed by
a person always arrives as `&lt;`, so every `<` in the encoded text opens a
token. `decode` gives back the characters the person saw while typing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

TOKEN = re.compile(r"<([^<>]*)>")
SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}

NameOf = Callable[[str], str | None]


def unescape(text: str) -> str:
    """`&lt;` `&gt;` `&amp;` back to `<` `>` `&` (`&amp;lt;` stays the typed `&lt;`)."""
    return re.sub(r"&(lt|gt|amp);", lambda m: {"lt": "<", "gt": ">", "amp": "&"}[m[1]], text)


def decode(text: str, name_of: NameOf | None = None) -> str:
    """The typed text of an encoded Slack message text.

    `name_of(user_id)` gives a member's display name for a mention (`@alice`);
    without it, or when it returns nothing, the mention keeps the label Slack
    sent or the id (`@U123`).
    """
    if not text:
        return ""
    out: list[str] = []
    last = 0
    for match in TOKEN.finditer(text):
        out.append(unescape(text[last : match.start()]))
        out.append(_token(match[1], name_of))
        last = match.end()
    out.append(unescape(text[last:]))
    return "".join(out)


def decode_tokens(text: str, name_of: NameOf | None = None) -> str:
    """`command_text`'s output as typed: its kept tokens (links, mentions) turned to text.

    The text between tokens is already decoded, so it is not unescaped again (a
    typed `&lt;` stays `&lt;`).
    """
    return TOKEN.sub(lambda m: _token(m[1], name_of), text or "")


def _token(inner: str, name_of: NameOf | None) -> str:
    target, _, label = inner.partition("|")
    target, label = unescape(target), unescape(label)
    if target.startswith("@"):
        user = target[1:]
        name = name_of(user) if name_of is not None else None
        return "@" + (name or label.lstrip("@") or user)
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        word = target[1:]
        if word in SPECIAL:
            return SPECIAL[word]
        if word.startswith("subteam^"):
            return label if label.startswith("@") else "@" + (label or word.split("^", 1)[1])
        return label or "@" + word.split("^", 1)[0]
    if not label:
        return target
    if _same_link(target, label):
        return label
    return f"{label} ({target})"


def _same_link(target: str, label: str) -> bool:
    """Slack labels an auto-linked `example.com` or `a@b.org` with what was typed."""
    bare = re.sub(r"^(https?://|mailto:)", "", target)
    return label in (target, bare, bare.rstrip("/"))


def command_text(text: str) -> str:
    """A slash command's text as typed, its mentions kept as tokens.

    With `should_escape` (the manifest's), Slack escapes `&`, `<`, `>` in a
    command's text and turns a picked `@name` into `<@U123|name>`; the
    entities are decoded, the tokens kept for the command to read.
    """
    out: list[str] = []
    last = 0
    for match in TOKEN.finditer(text or ""):
        out.append(unescape(text[last : match.start()]))
        out.append(match[0])
        last = match.end()
    out.append(unescape((text or "")[last:]))
    return "".join(out)
