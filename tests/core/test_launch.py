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


# Where the web app listens: 127.0.0.1 unless sign-in is configured.


def write(path, text):  # noqa: ANN001, ANN201
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


AUTH_SECRETS = '[auth]\nredirect_uri = "https://checkin.example/oauth2callback"\n'


@pytest.fixture
def no_home_secrets(monkeypatch, tmp_path):  # noqa: ANN001, ANN201
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv(launch.ADDRESS_ENV, raising=False)


def test_without_sign_in_and_no_address_the_web_app_is_pinned_to_localhost(
    exec_calls, no_home_secrets
):
    launch.main()
    ((_argv, env),) = exec_calls
    assert env[launch.ADDRESS_ENV] == "127.0.0.1"


def test_the_procfile_is_started_pinned_to_localhost_too(exec_calls, no_home_secrets, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-abc")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-abc")
    launch.main()
    ((argv, env),) = exec_calls
    assert argv[1:] == ["start"] and env[launch.ADDRESS_ENV] == "127.0.0.1"


@pytest.mark.parametrize("address", ["0.0.0.0", "192.168.1.20", "checkin.example.com", "::"])
def test_a_public_address_without_sign_in_refuses_to_start(
    exec_calls, no_home_secrets, tmp_path, capsys, address
):
    write(tmp_path / ".streamlit" / "config.toml", f'[server]\naddress = "{address}"\n')
    assert launch.main() == 2
    assert exec_calls == []
    err = capsys.readouterr().err
    assert err.startswith("error: server.address is") and "sign-in is not configured" in err
    assert len(err.strip().splitlines()) == 1


def test_the_address_from_the_environment_wins_and_is_checked(
    exec_calls, no_home_secrets, monkeypatch, capsys
):
    monkeypatch.setenv(launch.ADDRESS_ENV, "0.0.0.0")
    assert launch.main() == 2
    assert "'0.0.0.0'" in capsys.readouterr().err


def test_a_public_address_with_sign_in_configured_starts(exec_calls, no_home_secrets, tmp_path):
    write(tmp_path / ".streamlit" / "config.toml", '[server]\naddress = "0.0.0.0"\n')
    write(tmp_path / ".streamlit" / "secrets.toml", AUTH_SECRETS)
    launch.main()
    ((_argv, env),) = exec_calls
    assert env.get(launch.ADDRESS_ENV) is None  # Streamlit reads config.toml itself


def test_sign_in_in_the_users_own_secrets_counts(tmp_path):
    home = tmp_path / "home"
    write(home / ".streamlit" / "secrets.toml", AUTH_SECRETS)
    assert launch.signin_configured(tmp_path, home=home)
    assert not launch.signin_configured(tmp_path, home=tmp_path / "nobody")


def test_a_secrets_file_without_auth_is_not_sign_in(tmp_path):
    write(tmp_path / ".streamlit" / "secrets.toml", 'other = "x"\n')
    assert not launch.signin_configured(tmp_path, home=tmp_path / "nobody")


def test_localhost_addresses_stay_local():
    assert launch.is_loopback("127.0.0.1") and launch.is_loopback("localhost")
    assert launch.is_loopback("::1") and launch.is_loopback("127.0.0.2")
    assert not launch.is_loopback(None) and not launch.is_loopback("0.0.0.0")
