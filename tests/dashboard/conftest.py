"""Web-app fixtures shared by every test file here: a demo database (built once per worker,
copied per test), a fixed clock, clean Streamlit caches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from checkin.db import connection
from checkin.demo import DemoSummary, build_demo

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday of 2026-W49: W48 is the last whole week
LAST_WEEK = "2026-W48"
# what people typed that a page must show as typed, never as markup or a formula
EVIL = ("<script>alert(1)</script>", "[x](http://evil)", "**b**", '=HYPERLINK("http://evil","x")')


@dataclass(frozen=True)
class Demo:
    path: Path
    summary: DemoSummary
    checkin_id: int


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """st.cache_data and st.cache_resource are shared by every AppTest of the process:
    each test starts empty."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def fixed_now(monkeypatch) -> datetime:  # noqa: ANN001
    from dashboard.data import source

    monkeypatch.setattr(source, "now", lambda: NOW)
    return NOW


@pytest.fixture
def demo(tmp_path, monkeypatch, prepared, fixed_now) -> Demo:  # noqa: ANN001
    path, summary = prepared(
        build_demo, tmp_path / "demo.db", members=8, weeks=4, seed=3, until=date(2026, 11, 28)
    )
    monkeypatch.setenv("CHECKIN_DB", str(path))
    conn = connection.connect(path)
    checkin_id = conn.execute("SELECT id FROM checkins WHERE name = 'wellbeing'").fetchone()[0]
    conn.close()
    return Demo(path, summary, checkin_id)


@pytest.fixture
def evil_demo(demo) -> Demo:  # noqa: ANN001
    """The demo with four of last week's text answers replaced by markup and a formula."""
    conn = connection.connect(demo.path)
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT a.id FROM answers a JOIN questions q ON q.id = a.question_id "
            "WHERE q.kind = 'text' AND a.week = ? AND a.skipped = 0 AND a.text != '' "
            "ORDER BY a.id LIMIT 4",
            (LAST_WEEK,),
        )
    ]
    assert len(ids) == 4
    with connection.transaction(conn):
        for answer_id, text in zip(ids, EVIL, strict=True):
            conn.execute("UPDATE answers SET text = ? WHERE id = ?", (text, answer_id))
    conn.close()
    return demo


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def literal(markdown: str) -> str | None:
    """What Streamlit shows for `markdown` when every mark in it is escaped: the text as
    typed; None when a mark that forms markup is left bare."""
    import string

    from dashboard.components import MARKUP

    shown, i = [], 0
    while i < len(markdown):
        c = markdown[i]
        if c == "\\" and i + 1 < len(markdown) and markdown[i + 1] in string.punctuation:
            shown.append(markdown[i + 1])
            i += 2
            continue
        if c in MARKUP:
            return None
        shown.append(c)
        i += 1
    return "".join(shown)
