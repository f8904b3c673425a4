"""Shared fixtures: a real SQLite file per test, a fake clock, the local fake Slack."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.clock import FakeClock
from checkin.db.connection import connect

pytest_plugins = ["tests.fakeslack.fixtures"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "checkin.db"


@pytest.fixture
def conn(db_path: Path) -> Iterator:
    connection = connect(db_path)
    yield connection
    connection.close()


@pytest.fixture
def clock() -> FakeClock:
    """Wednesday 2026-11-25 06:00 UTC unless a test sets another instant."""
    return FakeClock(datetime(2026, 11, 25, 6, 0, tzinfo=UTC))


WELLBEING = """
[[checkin]]
name = "wellbeing"
days = ["mon", "wed", "fri"]
time = "09:00"
participants = ["U001", "U002"]
report_channel = "#team"
report = { day = "fri", time = "16:00" }

[[checkin.question]]
text = "How are you feeling?"
kind = "scale"
labels = ["awful", "bad", "okay", "good", "great"]

[[checkin.question]]
text = "What did you work on?"
kind = "text"
"""


@pytest.fixture
def wellbeing(conn, clock):  # noqa: ANN001, ANN201
    """The database with one imported check-in; returns its row."""
    import_definitions(conn, parse_toml(WELLBEING), clock=clock)
    return conn.execute("SELECT * FROM checkins WHERE name = 'wellbeing'").fetchone()
