"""pytest fixtures: `slack` is a started FakeSlack with the demo workspace, stopped after the test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import FakeSlack


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    try:
        yield fake
    finally:
        fake.stop()
