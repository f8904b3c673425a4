from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from checkin.demo import build_demo

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


@pytest.fixture
def demo_db(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    path = tmp_path / "demo.db"
    summary = build_demo(path, members=6, weeks=2, seed=3, until=date(2026, 11, 27))
    monkeypatch.setenv("CHECKIN_DB", str(path))
    return summary


def test_overview_shows_real_counts_from_the_database(demo_db):
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Members"] == "6"
    assert metrics["Answers"] == str(demo_db.answers)
    assert any("demo workspace" in i.value for i in at.info)


def test_overview_with_a_database_from_the_future_shows_one_clear_line(tmp_path, monkeypatch):
    import sqlite3

    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE schema_migrations (version INTEGER, description TEXT, applied_at TEXT)"
    )
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'x', 'y')")
    conn.commit()
    monkeypatch.setenv("CHECKIN_DB", str(path))
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert "newer than this checkin knows" in at.error[0].value
