"""The fake Slack's Web API, driven by slack_sdk's WebClient."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from tests.fakeslack import FakeSlack, ManualClock

pytestmark = pytest.mark.timeout(20)

BUTTONS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "How are you feeling?"}},
    {
        "type": "actions",
        "block_id": "mood",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Good"},
                "action_id": "good",
                "value": "4",
            },
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Bad"},
                "action_id": "bad",
                "value": "2",
            },
        ],
    },
]

MODAL = {
    "type": "modal",
    "callback_id": "answer",
    "title": {"type": "plain_text", "text": "Check-in"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "work",
            "label": {"type": "plain_text", "text": "What did you work on?"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        }
    ],
}


def client(slack: FakeSlack, **kwargs) -> WebClient:
    return WebClient(token=slack.bot_token, base_url=slack.api_url, **kwargs)


def error_of(call) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value


def test_auth_test_names_the_bot_user_and_bot_id(slack: FakeSlack) -> None:
    answer = client(slack).auth_test()
    assert answer["user_id"] == slack.workspace.bot_user_id
    assert answer["bot_id"] == slack.workspace.bot_id
    assert answer["team_id"] == "T0001"


def test_tokens_are_checked_as_slack_does(slack: FakeSlack) -> None:
    assert error_of(WebClient(base_url=slack.api_url).auth_test).response["error"] == "not_authed"
    bad = WebClient(token="xoxb-wrong", base_url=slack.api_url)
    assert error_of(bad.auth_test).response["error"] == "invalid_auth"
    app_token_client = WebClient(token=slack.app_token, base_url=slack.api_url)
    assert error_of(app_token_client.auth_test).response["error"] == "not_allowed_token_type"
    bot = client(slack)
    opened = error_of(lambda: bot.apps_connections_open(app_token=slack.bot_token))
    assert opened.response["error"] == "not_allowed_token_type"
    url = bot.apps_connections_open(app_token=slack.app_token)["url"]
    assert url.startswith(f"ws://127.0.0.1:{slack.port}/socket-mode?ticket=")


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_unknown_method_and_missing_arguments(slack: FakeSlack) -> None:
    bot = client(slack)
    assert error_of(lambda: bot.api_call("chat.fly")).response["error"] == "unknown_method"
    assert error_of(lambda: bot.chat_postMessage(channel="", text="x")).response["error"] == (
        "channel_not_found"
    )
    assert error_of(lambda: bot.chat_postMessage(channel="C0404", text="x")).response["error"] == (
        "channel_not_found"
    )
    assert error_of(lambda: bot.chat_postMessage(channel="C0001")).response["error"] == "no_text"
    missing = error_of(lambda: bot.api_call("users.info", params={}))
    assert missing.response["error"] == "invalid_arguments"
    assert "missing required field: user" in missing.response["response_metadata"]["messages"][0]
    too_long = error_of(lambda: bot.chat_postMessage(channel="C0001", text="x" * 40_001))
    assert too_long.response["error"] == "msg_too_long"


@pytest.mark.parametrize(
    "blocks",
    [
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
        [{"type": "section", "text": "a plain string where a text object belongs"}],
        [{"type": "divider"}] * 51,
        [{"type": "no_such_block"}],
        [
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "y" * 76},
                        "action_id": "a",
                    }
                ],
            }
        ],
        [{"type": "header", "text": {"type": "mrkdwn", "text": "*headers are plain text*"}}],
    ],
    ids=[
        "section-3001",
        "text-not-object",
        "51-blocks",
        "unknown-type",
        "button-76",
        "mrkdwn-header",
    ],
)
def test_blocks_slack_would_reject_get_invalid_blocks(slack: FakeSlack, blocks: list) -> None:
    bot = client(slack)
    failure = error_of(
        lambda: bot.chat_postMessage(channel="C0001", text="fallback", blocks=blocks)
    )
    assert failure.response["error"] == "invalid_blocks"
    assert failure.response["response_metadata"]["messages"]
    assert slack.history("#general") == []


def test_post_update_delete_and_threads_keep_history_like_slack(slack: FakeSlack) -> None:
    bot = client(slack)
    first = bot.chat_postMessage(channel="#team", text="Weekly summary", blocks=BUTTONS)
    reply = bot.chat_postMessage(channel=first["channel"], text="details", thread_ts=first["ts"])
    assert first["channel"] == "C0002"
    assert float(reply["ts"]) > float(first["ts"])
    history = slack.history("#team")
    assert [m["text"] for m in history] == ["Weekly summary", "details"]
    assert history[1]["thread_ts"] == first["ts"]
    assert history[0]["reply_count"] == 1

    bot.chat_update(channel="C0002", ts=first["ts"], text="Weekly summary (final)")
    updated = slack.history("#team")[0]
    assert updated["text"] == "Weekly summary (final)"
    assert [b["type"] for b in updated["blocks"]] == ["section", "actions"], (
        "chat.update without blocks keeps the blocks"
    )
    assert updated["blocks"][1]["block_id"] == "mood"
    assert updated["blocks"][0]["block_id"], "Slack fills in missing block_ids"
    assert "edited" in updated

    bot.chat_delete(channel="C0002", ts=reply["ts"])
    assert [m["ts"] for m in slack.history("#team")] == [first["ts"]]
    gone = error_of(lambda: bot.chat_delete(channel="C0002", ts=reply["ts"]))
    assert gone.response["error"] == "message_not_found"
    assert [c["text"] for c in slack.calls("chat.postMessage")] == ["Weekly summary", "details"]


def test_dm_by_user_id_and_conversations_open_give_the_same_stable_channel(
    slack: FakeSlack,
) -> None:
    bot = client(slack)
    dm = bot.conversations_open(users="U003")["channel"]["id"]
    assert dm.startswith("D")
    assert bot.conversations_open(users=["U003"])["channel"]["id"] == dm
    posted = bot.chat_postMessage(channel="U003", text="Time for your check-in", blocks=BUTTONS)
    assert posted["channel"] == dm
    assert [m["text"] for m in slack.dm("U003")] == ["Time for your check-in"]
    assert slack.dm("U003")[0]["blocks"][1]["elements"] == BUTTONS[1]["elements"]
    slack.scopes |= {"im:read"}  # not one the app asks for
    info = bot.conversations_info(channel=dm)["channel"]
    assert info["is_im"] and info["user"] == "U003"
    assert (
        error_of(lambda: bot.conversations_open(users="U006")).response["error"] == "user_disabled"
    )
    assert (
        error_of(lambda: bot.conversations_open(users="U999")).response["error"] == "user_not_found"
    )


def test_users_have_time_zones_and_one_is_deactivated(slack: FakeSlack) -> None:
    chitra = client(slack).users_info(user="U003")["user"]
    assert (chitra["tz"], chitra["tz_offset"]) == ("Asia/Kolkata", 19800)
    frank = client(slack).users_info(user="U006")["user"]
    assert frank["deleted"] is True


def test_users_list_pages_with_cursor(slack: FakeSlack) -> None:
    bot = client(slack)
    ids: list[str] = []
    pages = 0
    cursor = None
    while True:
        page = bot.users_list(limit=2, cursor=cursor)
        pages += 1
        assert len(page["members"]) <= 2
        ids += [m["id"] for m in page["members"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == 4
    assert ids == list(slack.workspace.users)
    assert error_of(lambda: bot.users_list(cursor="bm9wZQ==")).response["error"] == "invalid_cursor"
    assert len(bot.users_list()["members"]) == 7, "without a limit, one page holds everyone"


def test_conversations_members_page_and_info_counts(slack: FakeSlack) -> None:
    bot = client(slack)
    first = bot.conversations_members(channel="C0001", limit=4)
    second = bot.conversations_members(
        channel="C0001", limit=4, cursor=first["response_metadata"]["next_cursor"]
    )
    assert first["members"] + second["members"] == slack.workspace.members["C0001"]
    assert second["response_metadata"]["next_cursor"] == ""
    info = bot.conversations_info(channel="C0002")["channel"]
    assert info["name"] == "team" and info["is_member"] and info["num_members"] == 5
    slack.scopes |= {"team:read"}  # not one the app asks for
    assert bot.team_info()["team"]["id"] == "T0001"


def test_bot_token_has_the_manifest_scopes_and_no_other() -> None:
    from checkin.manifest import BOT_SCOPES

    assert FakeSlack().scopes == set(BOT_SCOPES)
    assert FakeSlack(scopes=["chat:write"]).scopes == {"chat:write"}


def test_call_without_its_scope_answers_missing_scope() -> None:
    with FakeSlack(scopes=["chat:write", "channels:read"]) as slack:
        bot = client(slack)
        bot.chat_postMessage(channel="C0002", text="hello")
        err = error_of(lambda: bot.conversations_history(channel="C0002")).response.data
        assert err == {
            "ok": False,
            "error": "missing_scope",
            "needed": "channels:history",
            "provided": "channels:read,chat:write",
        }
        err = error_of(lambda: bot.conversations_history(channel="U001")).response.data
        assert err["needed"] == "im:history", "the scope follows the conversation's kind"
        err = error_of(lambda: bot.conversations_list(types="public_channel,private_channel"))
        assert err.response["needed"] == "groups:read"
        assert error_of(lambda: bot.users_info(user="U001")).response["needed"] == "users:read"
        assert not slack.calls("users.info", ok=True)


def test_every_method_the_fake_serves_has_its_scopes_listed(slack: FakeSlack) -> None:
    from tests.fakeslack.scopes import BY_KIND, METHOD_SCOPES

    assert set(slack.api.methods) == set(METHOD_SCOPES) | set(BY_KIND)


def test_ephemeral_messages_are_kept_per_user(slack: FakeSlack) -> None:
    bot = client(slack)
    bot.chat_postEphemeral(channel="C0002", user="U001", text="Only you can see this")
    assert [m["text"] for m in slack.ephemerals("U001")] == ["Only you can see this"]
    assert slack.ephemerals("U002") == []
    assert slack.history("#team") == []
    outsider = error_of(lambda: bot.chat_postEphemeral(channel="C0002", user="U005", text="x"))
    assert outsider.response["error"] == "user_not_in_channel"


def test_429_is_honoured_by_the_rate_limit_retry_handler(slack: FakeSlack) -> None:
    slack.rate_limit("chat.postMessage", per_second=1, retry_after=1)
    plain = client(slack)
    plain.chat_postMessage(channel="C0001", text="one")
    limited = error_of(lambda: plain.chat_postMessage(channel="C0001", text="two"))
    assert limited.response.status_code == 429
    assert limited.response.headers["Retry-After"] == "1"

    slack.rate_limit("chat.postMessage", None)
    slack.fail("chat.postMessage", "ratelimited", times=1, retry_after=1)
    patient = client(slack, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
    started = time.monotonic()
    patient.chat_postMessage(channel="C0001", text="three")
    assert time.monotonic() - started >= 1.0, "the client waited Retry-After seconds"
    assert [c["text"] for c in slack.calls("chat.postMessage", ok=True)] == ["one", "three"]
    assert len(slack.calls("chat.postMessage", ok=False)) == 2


def test_scripted_faults_fail_the_next_calls_then_stop(slack: FakeSlack) -> None:
    bot = client(slack)
    slack.fail("chat.postMessage", "user_disabled", times=2)
    for _ in range(2):
        assert error_of(lambda: bot.chat_postMessage(channel="U001", text="x")).response[
            "error"
        ] == ("user_disabled")
    assert bot.chat_postMessage(channel="U001", text="x")["ok"]

    slack.fail("users.info", 500, times=1)
    assert error_of(lambda: bot.users_info(user="U001")).response.status_code == 500
    slack.fail("users.info", 500, times=1)
    retrying = client(slack, retry_handlers=[ServerErrorRetryHandler(max_retry_count=1)])
    assert retrying.users_info(user="U001")["user"]["name"] == "alice"


def test_files_upload_v2_posts_the_file_in_the_channel(slack: FakeSlack) -> None:
    bot = client(slack)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    dm = bot.conversations_open(users="U002")["channel"]["id"]
    parent = bot.chat_postMessage(channel=dm, text="Your week")
    bot.files_upload_v2(
        channel=dm,
        content=png,
        filename="week.png",
        title="Week 48",
        initial_comment="Here is the chart",
        thread_ts=parent["ts"],
    )
    posted = slack.dm("U002")[-1]
    assert posted["text"] == "Here is the chart"
    assert posted["thread_ts"] == parent["ts"]
    (file,) = posted["files"]
    assert (file["name"], file["title"], file["mimetype"]) == ("week.png", "Week 48", "image/png")
    assert slack.file_bytes(file["id"]) == png
    steps = [c.method for c in slack.api_log if c.method.startswith("files.")]
    assert steps == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    missing = error_of(lambda: bot.files_getUploadURLExternal(filename="x.png", length=None))
    assert missing.response["error"] == "invalid_arguments"


def test_trigger_id_works_once_and_expires_after_3_seconds() -> None:
    clock = ManualClock()
    with FakeSlack(clock=clock) as slack:
        bot = client(slack)
        trigger = slack.api.issue_trigger("U001")
        view = bot.views_open(trigger_id=trigger, view=MODAL)["view"]
        assert view["id"].startswith("V") and view["callback_id"] == "answer"
        assert slack.open_view("U001")["id"] == view["id"]
        again = error_of(lambda: bot.views_open(trigger_id=trigger, view=MODAL))
        assert again.response["error"] == "exchanged_trigger_id"

        late = slack.api.issue_trigger("U001")
        clock.advance(3.01)
        assert error_of(lambda: bot.views_open(trigger_id=late, view=MODAL)).response["error"] == (
            "expired_trigger_id"
        )
        assert error_of(lambda: bot.views_open(trigger_id="1.2.nope", view=MODAL)).response[
            "error"
        ] == ("invalid_trigger_id")


def test_views_update_checks_hash_and_publish_sets_each_users_home(slack: FakeSlack) -> None:
    bot = client(slack)
    view = bot.views_open(trigger_id=slack.api.issue_trigger("U001"), view=MODAL)["view"]
    changed = {**MODAL, "title": {"type": "plain_text", "text": "Thanks"}}
    updated = bot.views_update(view_id=view["id"], hash=view["hash"], view=changed)["view"]
    assert updated["id"] == view["id"] and updated["title"]["text"] == "Thanks"
    stale = error_of(lambda: bot.views_update(view_id=view["id"], hash=view["hash"], view=changed))
    assert stale.response["error"] == "hash_conflict"
    bad_title = {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}
    rejected = error_of(
        lambda: bot.views_open(trigger_id=slack.api.issue_trigger("U001"), view=bad_title)
    )
    assert rejected.response["error"] == "invalid_arguments"

    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi Bob"}}],
    }
    bot.views_publish(user_id="U002", view=home)
    assert slack.home("U002")["blocks"][0]["text"]["text"] == "Hi Bob"
    assert slack.home("U001") is None


def test_response_url_posts_are_recorded_and_applied(slack: FakeSlack) -> None:
    bot = client(slack)
    posted = bot.chat_postMessage(channel="U001", text="How are you?", blocks=BUTTONS)
    url = slack.response_url("U001", posted["channel"], posted["ts"])
    WebhookClient(url).send(text="Thanks!", replace_original=True)
    assert slack.responses[-1].body == {"text": "Thanks!", "replace_original": True}
    message = slack.dm("U001")[-1]
    assert message["text"] == "Thanks!" and "blocks" not in message
    WebhookClient(url).send(text="Just for you", response_type="ephemeral")
    assert slack.ephemerals("U001")[-1]["text"] == "Just for you"
    for _ in range(3):
        WebhookClient(url).send(text="more")
    assert WebhookClient(url).send(text="sixth").status_code == 404, "a response_url takes 5 posts"


def test_console_commands_act_as_users(slack: FakeSlack) -> None:
    from tests.fakeslack.__main__ import run_command

    client(slack).chat_postMessage(channel="U001", text="Mood?", blocks=BUTTONS)
    assert "[Good] [Bad]" in run_command(slack, "dm U001")
    assert run_command(slack, "U001 types hello there").startswith("event Ev")
    assert slack.queued_envelopes[-1]["payload"]["event"]["text"] == "hello there"
    assert "help" in run_command(slack, "nonsense")
