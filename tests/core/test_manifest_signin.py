"""The manifest asks for sign-in's user scopes and redirect URL once the web app has HTTPS."""

import yaml

from checkin.config import Config
from checkin.manifest import BOT_SCOPES, manifest, manifest_yaml


def test_an_https_web_app_gets_the_sign_in_redirect_and_user_scopes():
    config = Config(dashboard_url="https://checkin.example.com")
    oauth = yaml.safe_load(manifest_yaml(config))["oauth_config"]
    assert oauth["redirect_urls"] == ["https://checkin.example.com/oauth2callback"]
    assert oauth["scopes"]["user"] == ["openid", "email", "profile"]
    assert oauth["scopes"]["bot"] == list(BOT_SCOPES)


def test_a_local_web_app_asks_for_no_user_scopes():
    oauth = manifest(Config())["oauth_config"]
    assert "user" not in oauth["scopes"] and "redirect_urls" not in oauth


def test_the_bot_reads_emails_for_sign_in_through_another_provider():
    assert "users:read.email" in manifest(Config())["oauth_config"]["scopes"]["bot"]
