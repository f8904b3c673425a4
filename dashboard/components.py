"""Small pieces the pages share: text shown exactly as typed, figures in words, tables that
turn into cards on a phone."""

from __future__ import annotations

import csv
import html
import io
import string
from collections.abc import Mapping, Sequence

import streamlit as st

from checkin.reports.formats import neutralise

_ESCAPE = str.maketrans({c: "\\" + c for c in string.punctuation})


def plain(text: object) -> str:
    """Markdown that shows `text` literally: every ASCII punctuation mark backslash-escaped,
    so no link, image, emphasis, HTML, math (`$`) or Streamlit directive (`:red[...]`) is formed.

    The one escape for people's words (names, check-in names, question texts, pool
    suggestions, messages quoting them) in anything Streamlit renders as Markdown:
    `st.markdown`, titles, captions, alerts, and the labels of widgets, expanders,
    tabs, metrics and radio options. Select and multiselect options are plain text
    already and take the words unescaped.
    """
    return str(text).translate(_ESCAPE).replace("\n", "  \n")


# The marks that form Markdown, HTML, math or a Streamlit directive in a one-line label;
# sentence marks (? . , ' ") stay as they are, so a label's accessible name reads as written.
MARKUP = "\\`*_{}[]()#+-!|<>~$&:="
_ESCAPE_MARKUP = str.maketrans({c: "\\" + c for c in MARKUP})


def label(text: object) -> str:
    """A one-line label (expander, tab, widget, metric, radio option) of people's words."""
    return " ".join(str(text).split()).translate(_ESCAPE_MARKUP)


def csv_bytes(rows: Sequence[Mapping[str, object]]) -> bytes:
    """A table of people's words as CSV a spreadsheet opens safely: a cell that would
    run as a formula (`=`, `+`, `-`, `@`, ...) starts with an apostrophe."""
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: neutralise("" if v is None else v) for k, v in row.items()})
    return out.getvalue().encode("utf-8-sig")


# --- on a phone ------------------------------------------------------------------------------

PHONE_WIDTH = 640  # px: below this Streamlit puts columns one under another, and so do we
CARDS_AT_MOST = 100  # cards per table on a phone; the table and the CSV hold every row

# The app's own CSS, added by the frame to every page. Below PHONE_WIDTH a chart wider than
# the screen scrolls sideways rather than being cut off, and a table of words shows as cards
# (its `phone-` container) instead of columns too narrow to read (its `wide-` container).
STYLE = f"""<style>
@media (max-width: {PHONE_WIDTH}px) {{
  [data-testid="stElementContainer"]:has([data-testid="stVegaLiteChart"]) {{ overflow-x: auto; }}
  [class*="st-key-wide-"] {{ display: none !important; }}
}}
@media (min-width: {PHONE_WIDTH + 1}px) {{
  [class*="st-key-phone-"] {{ display: none !important; }}
}}
.checkin-card {{ padding: 0.5rem 0; border-bottom: 1px solid rgba(23, 21, 19, 0.15); }}
.checkin-card .about {{ font-size: 0.875rem; font-weight: 600; }}
.checkin-card .words {{ white-space: pre-wrap; overflow-wrap: anywhere; }}
</style>"""


def page_style() -> None:
    """Add the app's own CSS (STYLE) to the page; it takes no room."""
    st.html(STYLE)


def cards_html(rows: Sequence[Mapping[str, object]], about: Sequence[str], words: str) -> str:
    """Rows as cards: the `about` fields on one line, then the `words` field, all escaped."""

    def shown(value: object) -> str:
        return html.escape("" if value is None else str(value))

    return "".join(
        '<div class="checkin-card"><div class="about">'
        + " · ".join(shown(row.get(f)) for f in about if row.get(f) not in (None, ""))
        + f'</div><div class="words">{shown(row.get(words))}</div></div>'
        for row in rows
    )


def table(
    rows: Sequence[Mapping[str, object]], *, key: str, about: Sequence[str], words: str
) -> None:
    """A table on a wide screen; on a phone the same rows as cards (`cards_html`), so the
    words people wrote are not cut to a narrow column."""
    with st.container(key=f"wide-{key}"):
        st.dataframe(list(rows), hide_index=True)
    with st.container(key=f"phone-{key}"):
        st.html(cards_html(rows[:CARDS_AT_MOST], about, words))
        if len(rows) > CARDS_AT_MOST:
            st.caption(f"The first {CARDS_AT_MOST} of {len(rows)}: a wider screen shows them all.")


# ---------------------------------------------------------------------------------------------


def words_table(
    rows: Sequence[Mapping[str, object]],
    *,
    file_name: str,
    key: str,
    about: Sequence[str] = (),
    words: str | None = None,
) -> None:
    """A table of people's words, shown as typed, with the app's own CSV download; with
    `words` (the column people wrote) it shows as cards on a phone (`table`).

    The table toolbar's own download and copy are off for the whole app
    (`client.disableDataExport` in `.streamlit/config.toml`): they would hand a
    spreadsheet `=HYPERLINK(...)` as a live formula. This button gives the same rows
    with such cells neutralised (`csv_bytes`).
    """
    if words is None:
        st.dataframe(list(rows), hide_index=True)
    else:
        table(rows, key=key, about=about, words=words)
    st.download_button(
        "CSV",
        data=csv_bytes(rows),
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key=key,
    )


def heading(text: str, level: int = 3) -> None:
    """A heading whose words come from people (a question, a check-in name)."""
    st.markdown(f"{'#' * level} {plain(text)}")


def points(change: float | None, unit: str = "") -> str | None:
    """A metric's delta ('+1.4 points'), or None when there is nothing to compare with
    or nothing changed (a delta of 0 would show a rising arrow)."""
    if change is None or round(change, 1) == 0:
        return None
    return f"{change:+.1f}{' ' + unit if unit else ''}"


def duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def bot_banner(status: dict | None) -> None:
    """Say at the top of every page when the bot is not doing its work, and what to do."""
    if status is None:
        st.warning(
            "No bot has run on this database yet, so nothing is sent to Slack. Start it with "
            "`python -m bot` (or `make run` with the Slack tokens in `.env`).",
            icon=":material/power_off:",
        )
        return
    if status["stale"]:
        st.warning(
            f"The bot's last heartbeat was {duration(status['age_seconds'])} ago "
            f"(pid {status['pid']} on {plain(status['host'])}): it has stopped. Check the "
            "bot's log and start it again with `python -m bot`.",
            icon=":material/heart_broken:",
        )
    for loop in status.get("stale_loops", []):
        what = (
            f"The bot stopped because its {loop['name']} loop had not completed"
            if status["stale"]
            else f"The bot is running, but its {loop['name']} loop has not completed"
        )
        st.warning(
            f"{what} since {loop['since']} "
            f"({duration(loop['age_seconds'])} ago). The bot exits when a loop stops, so that "
            "its supervisor (honcho, systemd, a container runtime) starts a fresh one; if none "
            "does, start it again with `python -m bot` and check its log.",
            icon=":material/sync_problem:",
        )
    if status["env"] != "production":
        who = ", ".join(plain(u) for u in status["dev_users"]) or "nobody"
        st.info(
            f"The bot runs in development mode: only {who} can get a DM. To ask everyone, set "
            "`CHECKIN_ENV=production` in `.env` and restart the bot.",
            icon=":material/construction:",
        )
