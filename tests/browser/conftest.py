"""Browser-test fixtures shared by every file here: the web app as `streamlit run`."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator

import pytest

from tests.browser.test_pages import start_web_app, stop_web_app


@pytest.fixture(scope="module")
def web_app_server() -> Iterator[Callable[..., str]]:
    """`start(port, env, cwd, *options, before=None)`: the web app started by
    test_pages.start_web_app (on `port`, or another free one if it was taken meanwhile);
    returns its address once it answers. Each one started is stopped after the module."""
    procs: list[subprocess.Popen] = []

    def start(*args: object, **kwargs: object) -> str:
        proc, url = start_web_app(*args, **kwargs)  # type: ignore[arg-type]
        procs.append(proc)
        return url

    yield start
    for proc in procs:
        stop_web_app(proc)
