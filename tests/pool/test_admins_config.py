"""CHECKIN_ADMINS: Slack user ids who moderate the pool, besides Slack's own admins."""

import pytest

from checkin.config import ConfigError, load_config


def test_admins_are_read_as_a_comma_separated_list_of_user_ids():
    config = load_config({"CHECKIN_ADMINS": "U0123ABCD, W0456EFGH"}, dotenv_path=None)
    assert config.admins == ("U0123ABCD", "W0456EFGH")


def test_no_admins_configured_means_slacks_admins_only():
    assert load_config({}, dotenv_path=None).admins == ()


def test_a_malformed_admin_id_stops_with_one_line_naming_the_variable():
    with pytest.raises(ConfigError) as refused:
        load_config({"CHECKIN_ADMINS": "alice"}, dotenv_path=None)
    assert str(refused.value) == (
        "CHECKIN_ADMINS: 'alice' is not a Slack user id (like U0123ABCD); separate ids with commas"
    )
