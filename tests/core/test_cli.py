import json

import pytest
import yaml

from checkin.cli import main
from checkin.config import load_config
from checkin.db import connection
from checkin.manifest import BOT_SCOPES, manifest_yaml
from tests.conftest import WELLBEING


def test_manifest_is_yaml_with_socket_mode_command_home_and_events(capsys):
    assert main(["manifest"]) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    assert data["settings"]["socket_mode_enabled"] is True
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert set(data["settings"]["event_subscriptions"]["bot_events"]) == {
        "message.im",
        "app_home_opened",
    }
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    assert data["features"]["slash_commands"][0]["command"] == "/checkin"
    assert data["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)


def test_manifest_uses_the_configured_command_and_explains_each_scope():
    config = load_config({"CHECKIN_COMMAND": "/pulse"}, dotenv_path=None)
    text = manifest_yaml(config)
    assert '"/pulse"' in text
    for scope in BOT_SCOPES:
        line = next(x for x in text.splitlines() if f'"{scope}"' in x)
        assert "  # " in line


def test_send_queues_an_outbox_row_and_warns_without_a_bot(tmp_path, capsys):
    db = tmp_path / "c.db"
    toml = tmp_path / "w.toml"
    toml.write_text(WELLBEING)
    main(["--db", str(db), "checkins", "import", str(toml)])
    capsys.readouterr()
    assert main(["--db", str(db), "send", "WELLBEING", "--member", "U001"]) == 0
    out = capsys.readouterr()
    assert "queued: send 'wellbeing' to U001" in out.out
    assert "no bot has run" in out.err
    import sqlite3

    kind, payload = sqlite3.connect(db).execute("SELECT kind, payload FROM outbox").fetchone()
    assert kind == "send_checkin"
    assert json.loads(payload) == {"checkin": "wellbeing", "members": ["U001"]}


def test_unknown_checkin_is_one_line_exit_2(tmp_path, capsys):
    connection.connect(tmp_path / "c.db").close()
    assert main(["--db", str(tmp_path / "c.db"), "send", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no check-in named 'nope'") and err.count("\n") == 1


def test_bad_setting_is_one_line_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CHECKIN_ENV", "staging")
    assert main(["--db", str(tmp_path / "c.db"), "status"]) == 2
    assert "CHECKIN_ENV" in capsys.readouterr().err


def test_status_lists_tables(tmp_path, capsys):
    connection.connect(tmp_path / "c.db").close()
    assert main(["--db", str(tmp_path / "c.db"), "status"]) == 0
    out = capsys.readouterr().out
    assert "answers" in out and "bot: never ran" in out


@pytest.mark.parametrize("command", [["send", "wellbeing"], ["report"], ["status"]])
def test_a_command_on_a_missing_database_says_so_and_creates_none(tmp_path, capsys, command):
    path = tmp_path / "typo" / "checkin.db"
    assert main(["--db", str(path), *command]) == 2
    assert f"no database at {path}" in capsys.readouterr().err
    assert not path.exists() and not path.parent.exists()
