"""Shared fixtures: a real SQLite file per test, a fake clock, the local fake Slack."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.clock import FakeClock
from checkin.db.connection import connect

pytest_plugins = ["tests.fakeslack.fixtures"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def prepared(tmp_path_factory) -> Callable[..., tuple[Path, Any]]:  # noqa: ANN001
    """`prepared(build, dest, **kw)`: the database `build(path, **kw)` makes, made once per
    session (per worker) and copied to `dest` on each call; returns (dest, what build returned).

    For a test that reads or changes its own copy of a database that takes a while to make
    (a demo): the copy is byte for byte what `build` wrote.
    """
    made: dict[tuple, tuple[Path, Any]] = {}

    def copy(build: Callable[..., Any], dest: Path, **kw: Any) -> tuple[Path, Any]:
        key = (build.__module__, build.__qualname__, tuple(sorted(kw.items())))
        if key not in made:
            template = tmp_path_factory.mktemp("prepared") / Path(dest).name
            made[key] = (template, build(template, **kw))
        template, result = made[key]
        for suffix in ("-wal", "-journal"):
            assert not Path(f"{template}{suffix}").exists(), f"{template} was left open"
        shutil.copyfile(template, dest)
        return Path(dest), result

    return copy


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
