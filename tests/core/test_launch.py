"""`make run` without Slack tokens: a demo database and the web app on it."""

import os

import pytest

from checkin import launch
from checkin.demo import is_demo


@pytest.fixture
def exec_calls(monkeypatch, tmp_path):  # noqa: ANN001, ANN201
    calls = []
    monkeypatch.chdir(tmp_path)
    for var in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "CHECKIN_DB", "CHECKIN_ENV"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(os, "execve", lambda path, argv, env: calls.append((argv, env)))
    return calls


def test_without_tokens_serves_the_web_app_on_a_new_demo_database(exec_calls, tmp_path, capsys):
    launch.main()
    ((argv, env),) = exec_calls
    assert argv[1:] == ["run", "streamlit_app.py"]
    assert env["CHECKIN_DB"] == "data/demo.db"
    assert is_demo(tmp_path / "data" / "demo.db")
    out = capsys.readouterr().out
    assert "python -m checkin manifest" in out and "SLACK_BOT_TOKEN" in out


def test_with_both_tokens_starts_the_procfile(exec_calls, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-abc-secret")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-abc-secret")
    launch.main()
    ((argv, _env),) = exec_calls
    assert argv[0].endswith("honcho") and argv[1:] == ["start"]
    assert "secret" not in capsys.readouterr().out


def test_one_token_only_is_a_clear_error(exec_calls, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-abc")
    assert launch.main() == 2
    assert exec_calls == []
    assert "SLACK_APP_TOKEN is not set" in capsys.readouterr().out


def test_malformed_setting_stops_with_one_line(exec_calls, monkeypatch, capsys):
    monkeypatch.setenv("CHECKIN_ENV", "prod")
    assert launch.main() == 2
    assert capsys.readouterr().err.startswith("error: CHECKIN_ENV")
