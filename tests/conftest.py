"""Shared fixtures: a real SQLite file per test, a fake clock, the local fake Slack."""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

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


class _SharedScriptCache:
    """A page script's bytecode compiled once per test process, not once per `AppTest` run:
    every run makes a new `ScriptCache`, which parses the page and adds Streamlit's "magic"
    again (15 ms a page). Keyed by the file's path, size and change time and the magic
    setting, so a page written by a test is compiled afresh."""

    compiled: ClassVar[dict[tuple, Any]] = {}

    def __init__(self) -> None:
        from streamlit.runtime.scriptrunner.script_cache import ScriptCache

        self._own = ScriptCache()

    def get_bytecode(self, script_path: str) -> Any:
        from streamlit import config

        stat = os.stat(script_path)
        key = (
            os.path.abspath(script_path),
            stat.st_size,
            stat.st_mtime_ns,
            config.get_option("runner.magicEnabled"),
        )
        if key not in self.compiled:
            self.compiled[key] = self._own.get_bytecode(script_path)
        return self.compiled[key]

    def clear(self) -> None:
        self._own.clear()


@pytest.fixture(scope="session", autouse=True)
def _streamlit_set_up_once() -> Iterator[None]:
    """What every `AppTest` redoes that cannot change during a test session, done once per
    process: the scan of all installed packages' metadata for Streamlit components (0.3 s of
    CPU on each `AppTest`'s first run, a third of a short page test) and the compiling of
    each page script (above)."""
    from streamlit.components.v2 import manifest_scanner
    from streamlit.testing.v1 import app_test, local_script_runner

    saved = (
        manifest_scanner.scan_component_manifests,
        app_test.ScriptCache,
        local_script_runner.ScriptCache,
    )
    manifest_scanner.scan_component_manifests = functools.cache(saved[0])
    app_test.ScriptCache = local_script_runner.ScriptCache = _SharedScriptCache
    yield
    (
        manifest_scanner.scan_component_manifests,
        app_test.ScriptCache,
        local_script_runner.ScriptCache,
    ) = saved


@pytest.fixture(scope="session", autouse=True)
def _charts_rendered_once() -> Iterator[None]:
    """A chart's PNG made once per test process for each (spec, scale): rendering takes
    about 0.35 s of CPU, and many tests post the same week's summary of the same database.
    The renderer is deterministic, so the bytes are the ones it would make again."""
    import vl_convert

    render = vl_convert.vegalite_to_png
    vl_convert.vegalite_to_png = functools.lru_cache(maxsize=256)(render)
    yield
    vl_convert.vegalite_to_png = render


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


# The modules that take longest (seconds of one worker, `pytest --durations=0` summed by
# module), handed to the workers first: `make test` keeps each module on one worker
# (--dist loadscope, in collection order), and a long module started last would end the
# run alone on one core while the others idle.
LONGEST_FIRST = (
    "tests/browser/test_pages.py",
    "tests/bot/test_kill_steps.py",
    "tests/browser/test_signin.py",
    "tests/bot/test_faults.py",
    "tests/bot/test_restart.py",
    "tests/bot/test_main.py",
    "tests/bot/test_scheduler_loop.py",
    "tests/people/test_nothing_to_subtract.py",
    "tests/bot/test_reports_post.py",
    "tests/browser/test_feedback_form.py",
    "tests/bot/test_standup_restart.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {module: i for i, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))
