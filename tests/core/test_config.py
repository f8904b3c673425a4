from pathlib import Path

import pytest

from checkin.config import ConfigError, Secret, load_config, signing_secret


def load(**env):  # noqa: ANN003, ANN201
    return load_config(env, dotenv_path=None)


def test_defaults_need_nothing():
    config = load()
    assert config.env == "development"
    assert config.db_path == Path("data/checkin.db")
    assert config.command == "/checkin"
    assert config.api_url == "https://slack.com/api/"
    assert not config.has_slack


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"CHECKIN_ENV": "prod"}, "CHECKIN_ENV"),
        ({"CHECKIN_DEV_USERS": "U123ABC, alice"}, "CHECKIN_DEV_USERS"),
        ({"CHECKIN_COMMAND": "checkin"}, "CHECKIN_COMMAND"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({"CHECKIN_DASHBOARD_URL": "ftp://x"}, "CHECKIN_DASHBOARD_URL"),
        ({"SLACK_BOT_TOKEN": "xapp-1-wrong-kind"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN"),
        ({"CHECKIN_SECRET": "short"}, "CHECKIN_SECRET"),
        ({"CHECKIN_LOG_LEVEL": "loud"}, "CHECKIN_LOG_LEVEL"),
        ({"CHECKIN_TICK_SECONDS": "soon"}, "CHECKIN_TICK_SECONDS"),
        ({"CHECKIN_HEARTBEAT_SECONDS": "60"}, "CHECKIN_HEARTBEAT_SECONDS"),
        ({"CHECKIN_STALL_SECONDS": "nan"}, "CHECKIN_STALL_SECONDS"),
    ],
)
def test_malformed_value_names_the_variable_in_one_line(env, named):
    with pytest.raises(ConfigError) as err:
        load(**env)
    message = str(err.value)
    assert message.startswith(named)
    assert "\n" not in message


def test_malformed_token_is_not_echoed():
    with pytest.raises(ConfigError) as err:
        load(SLACK_BOT_TOKEN="xapp-SECRETVALUE")
    assert "SECRETVALUE" not in str(err.value)


def test_missing_tokens_say_where_to_get_them():
    config = load()
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        config.require_slack()
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN.*connections:write"):
        load(SLACK_BOT_TOKEN="xoxb-1").require_slack()


def test_tokens_never_show_in_repr_or_describe():
    config = load(SLACK_BOT_TOKEN="xoxb-very-secret", SLACK_APP_TOKEN="xapp-very-secret")
    assert config.has_slack
    for text in (repr(config), str(config), config.describe(), repr(config.bot_token)):
        assert "very-secret" not in text
    assert config.bot_token.reveal() == "xoxb-very-secret"


def test_dev_users_limit_dms_in_development_only():
    dev = load(CHECKIN_DEV_USERS="U001AAA,U002BBB")
    assert dev.dev_users == ("U001AAA", "U002BBB")
    assert dev.allows_dm("U001AAA") and not dev.allows_dm("U999ZZZ")
    assert not load().allows_dm("U001AAA")  # development with nobody listed: DMs go nowhere
    assert load(CHECKIN_ENV="production").allows_dm("U999ZZZ")


def test_dotenv_file_is_read_and_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("CHECKIN_ENV=production\nCHECKIN_DB=/tmp/from-dotenv.db\n")
    config = load_config({"CHECKIN_DB": "/tmp/from-env.db"}, dotenv_path=env_file)
    assert config.env == "production"
    assert config.db_path == Path("/tmp/from-env.db")


def test_secret_is_generated_once_beside_the_database_with_mode_600(tmp_path):
    config = load(CHECKIN_DB=str(tmp_path / "x.db"))
    first = signing_secret(config)
    assert signing_secret(config) == first
    path = tmp_path / "checkin.secret"
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(first) >= 32


def test_secret_is_created_0600_whatever_the_umask_and_leaves_no_temporary_file(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        config = load(CHECKIN_DB=str(tmp_path / "data" / "x.db"))
        signing_secret(config)
    finally:
        os.umask(old)
    assert (tmp_path / "data" / "checkin.secret").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["checkin.secret"]


def test_a_secret_made_first_by_another_process_is_kept(tmp_path, monkeypatch):
    import os

    from checkin import config as config_module

    config = load(CHECKIN_DB=str(tmp_path / "x.db"))
    real_link = os.link

    def race(src, dst):  # noqa: ANN001, ANN202 - the other process wins between our write and link
        (tmp_path / "checkin.secret").write_bytes(b"theirs-" + b"t" * 30)
        return real_link(src, dst)

    monkeypatch.setattr(config_module.os, "link", race)
    assert signing_secret(config) == b"theirs-" + b"t" * 30


@pytest.mark.parametrize("content", [b"", b"  \n", b"short"])
def test_an_empty_or_short_secret_file_is_refused_with_one_line_naming_it(tmp_path, content):
    (tmp_path / "checkin.secret").write_bytes(content)
    config = load(CHECKIN_DB=str(tmp_path / "x.db"))
    with pytest.raises(ConfigError) as refused:
        signing_secret(config)
    line = str(refused.value)
    assert str(tmp_path / "checkin.secret") in line and "\n" not in line


def test_secret_from_environment_wins(tmp_path):
    config = load(CHECKIN_DB=str(tmp_path / "x.db"), CHECKIN_SECRET="s" * 20)
    assert signing_secret(config) == b"s" * 20
    assert not (tmp_path / "checkin.secret").exists()


def test_secret_wrapper_hides_value():
    assert "abc" not in repr(Secret("abc")) and "abc" not in f"{Secret('abc')}"


def test_events_retention_is_configurable_and_checked() -> None:
    from checkin.config import ConfigError, load_config

    assert load_config({}, dotenv_path=None).events_days == 90
    assert load_config({"CHECKIN_EVENTS_DAYS": "30"}, dotenv_path=None).events_days == 30
    for bad in ("0", "ninety", "-5"):
        with pytest.raises(ConfigError, match="CHECKIN_EVENTS_DAYS"):
            load_config({"CHECKIN_EVENTS_DAYS": bad}, dotenv_path=None)


def test_the_bots_loop_intervals_are_set_from_the_environment() -> None:
    config = load(
        CHECKIN_TICK_SECONDS="0.5", CHECKIN_HEARTBEAT_SECONDS="2", CHECKIN_STALL_SECONDS="30"
    )
    assert (config.tick_seconds, config.heartbeat_seconds, config.stall_seconds) == (0.5, 2, 30)
    assert (load().tick_seconds, load().heartbeat_seconds, load().stall_seconds) == (5, 15, 300)
