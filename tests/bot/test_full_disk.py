"""A full disk: every answer given while the database's filesystem is full is stored once
space is freed, nothing asked twice.

The database lives on a small tmpfs of its own, filled by a file the test then
deletes; mounting needs root, which CI has (the test is skipped elsewhere).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime

import pytest

from tests.bot.conftest import settle, tick
from tests.bot.test_database_faults import (
    answer_while_nothing_can_be_written,
    assert_each_answer_stored_once,
)

pytestmark = pytest.mark.timeout(120)

PARIS_NINE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path):  # noqa: ANN001, ANN201
    """The database on a small filesystem of its own (a tmpfs), which the test can fill.

    Mounting needs root (as CI runs); elsewhere the tests here are skipped, saying why."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a full disk is made with a tmpfs mount, which needs root (CI runs as root)")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip() or made.returncode}")
    try:
        yield mount / "checkin.db"
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


class FullDisk:
    """Fills the rest of the database's filesystem until `free()`."""

    def __init__(self, path) -> None:  # noqa: ANN001
        self.filler = path.parent / "filler"
        with open(self.filler, "wb") as out:
            chunk = b"\0" * 65536
            try:
                while True:
                    out.write(chunk)
                    out.flush()
            except OSError:
                pass
        shutil.disk_usage(path.parent)  # noqa: B018 - the filesystem is full now

    def free(self) -> None:
        self.filler.unlink()


def test_answers_given_while_the_disk_is_full_are_stored_once_space_is_freed(
    slack,
    make_bot,
    clock,
    short_waits,  # noqa: ANN001
):
    bot = make_bot()
    clock.set(PARIS_NINE)
    tick(bot)
    settle(slack, bot)
    members = ("U001", "U003", "U004")
    bot.ctx.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # no room left in an old WAL

    disk = FullDisk(bot.config.db_path)
    assert shutil.disk_usage(bot.config.db_path.parent).free < 65536
    try:
        answer_while_nothing_can_be_written(slack, clock, members, wait=20)
    finally:
        disk.free()
    settle(slack, bot, timeout=20)
    assert_each_answer_stored_once(slack, bot, members)
