"""The local operator is local: without sign-in, only requests naming this machine see data."""

from __future__ import annotations

import pytest

from dashboard import auth
from tests.dashboard.conftest import app


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:8501",
        "127.0.0.1",
        "127.0.0.1:8501",
        "[::1]",
        "[::1]:8501",
        "LOCALHOST:8501",
    ],
)
def test_a_request_naming_this_machine_is_the_local_operator(host):  # noqa: ANN001
    assert auth.host_problem({"Host": host}) is None


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:8501",
        "127.0.0.1.evil.example",
        "localhost.evil.example:80",
        "192.168.1.20:8501",
        "[::2]:8501",
        "::1",
        "localhost:",
        "localhost:85x",
        "",
        "0.0.0.0:8501",
        "127.0.0.2:8501",
    ],
)
def test_a_request_naming_any_other_host_is_refused(host):  # noqa: ANN001
    problem = auth.host_problem({"Host": host})
    assert problem and "\n" not in problem


def test_headers_without_a_host_or_with_two_hosts_are_refused():
    assert auth.host_problem({"Origin": "http://127.0.0.1:8501"})
    from streamlit.runtime.context import StreamlitHeaders

    two = StreamlitHeaders([("Host", "127.0.0.1:8501"), ("host", "evil.example")])
    assert auth.host_problem(two)
    assert auth.host_problem(StreamlitHeaders([("host", "127.0.0.1:8501")])) is None


def test_no_headers_at_all_is_no_browser():
    assert auth.host_problem({}) is None


def test_a_rebound_host_sees_one_line_and_no_data(demo, monkeypatch):  # noqa: ANN001
    monkeypatch.setattr(auth, "request_headers", lambda: {"Host": "rebound.example:8501"})
    at = app().run()
    assert not at.exception
    assert [e.value for e in at.error] == [auth.host_problem({"Host": "x"})]
    assert [t.value for t in at.title] == ["checkin"]
    assert len(at.get("vega_lite_chart")) == 0 and len(at.dataframe) == 0 and len(at.metric) == 0
    assert len(at.markdown) == 0 and len(at.sidebar.children) == 0
    assert "viewer" not in at.session_state


def test_the_same_app_by_its_local_name_shows_the_overview(demo, monkeypatch):  # noqa: ANN001
    monkeypatch.setattr(auth, "request_headers", lambda: {"Host": "localhost:8501"})
    at = app().run()
    assert not at.exception and not at.error
    assert at.session_state["viewer"].role == "admin"
