"""The fake Slack's Socket Mode, driven by slack_sdk's SocketModeClient and Bolt's SocketModeHandler."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from tests.fakeslack import FakeSlack, ManualClock

pytestmark = pytest.mark.timeout(20)
logging.getLogger("slack_sdk.socket_mode").setLevel(logging.CRITICAL)

Ack = Callable[[SocketModeRequest], Any]


def always(req: SocketModeRequest) -> dict[str, Any] | None:
    return None


def close_soon(client: SocketModeClient, slack: FakeSlack) -> None:
    """Stop a client without waiting the ~1 s its queue poll takes to notice (see docs)."""
    client.auto_reconnect_enabled = False
    client.default_auto_reconnect_enabled = False
    slack.drop_connections()
    threading.Thread(target=client.close, daemon=True).start()


@contextmanager
def socket_client(
    slack: FakeSlack, ack: Ack | None = always, ping_interval: float = 5
) -> Iterator[tuple[SocketModeClient, list[SocketModeRequest], list[dict]]]:
    """A connected builtin SocketModeClient; `ack(req)` returns the ack payload, or is None to not ack."""
    requests: list[SocketModeRequest] = []
    messages: list[dict] = []
    client = SocketModeClient(
        app_token=slack.app_token,
        web_client=WebClient(base_url=slack.api_url),
        ping_interval=ping_interval,
    )

    def on_request(c: SocketModeClient, req: SocketModeRequest) -> None:
        requests.append(req)
        if ack is not None:
            payload = ack(req)
            if payload is not False:
                c.send_socket_mode_response(SocketModeResponse(req.envelope_id, payload=payload))

    client.socket_mode_request_listeners.append(on_request)
    client.message_listeners.append(lambda c, message, raw: messages.append(message))
    before = slack.socket.opened
    client.connect()
    slack.wait_until(lambda: slack.socket.opened > before, message="the client to connect")
    try:
        yield client, requests, messages
    finally:
        close_soon(client, slack)


# ----- slack_sdk SocketModeClient


def test_hello_then_an_events_api_envelope_in_slacks_shape(slack: FakeSlack) -> None:
    with socket_client(slack) as (_, requests, messages):
        slack.wait_until(lambda: messages, message="hello")
        hello = messages[0]
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"]["app_id"] == slack.workspace.app_id

        event_id = slack.user("U003").types("Good morning")
        slack.wait_until(lambda: slack.acks, message="the ack")
        (req,) = requests
        envelope = messages[-1]
        assert envelope["type"] == "events_api"
        assert (envelope["retry_attempt"], envelope["retry_reason"]) == (0, "")
        assert envelope["accepts_response_payload"] is False
        payload = req.payload
        assert payload["type"] == "event_callback" and payload["event_id"] == event_id
        assert payload["team_id"] == "T0001" and payload["api_app_id"] == slack.workspace.app_id
        assert payload["authorizations"][0]["user_id"] == slack.workspace.bot_user_id
        event = payload["event"]
        assert event["type"] == "message" and event["channel_type"] == "im"
        assert (event["user"], event["text"], event["channel"]) == ("U003", "Good morning", "D003")
        ack = slack.acks[0]
        assert ack.envelope_id == req.envelope_id and ack.event_id == event_id
        assert 0 <= ack.latency < 2 and ack.payload is None


def test_envelopes_sent_while_nobody_is_connected_go_out_after_hello(slack: FakeSlack) -> None:
    event_id = slack.user("U001").types("anyone there?")
    with socket_client(slack) as (_, requests, _messages):
        slack.wait_until(lambda: requests)
        assert requests[0].payload["event_id"] == event_id


def test_unacked_event_is_redelivered_with_retry_attempt_plus_one() -> None:
    clock = ManualClock()
    with FakeSlack(clock=clock) as slack:
        # Acknowledge only retries, as an app that was busy the first time.
        with socket_client(slack, ack=lambda req: None if req.retry_attempt else False) as (
            _,
            requests,
            _m,
        ):
            event_id = slack.user("U001").types("are you there?")
            slack.wait_until(lambda: len(requests) == 1)
            clock.advance(2.9)
            assert slack.acks == [] and len(requests) == 1
            clock.advance(0.2)
            slack.wait_until(lambda: slack.acks, message="the acked retry")
            first, retry = requests
            assert (first.retry_attempt, retry.retry_attempt) == (0, 1)
            assert retry.retry_reason == "timeout"
            assert retry.payload["event_id"] == event_id != None  # noqa: E711
            assert retry.envelope_id != first.envelope_id
            assert slack.acks[0].retry_attempt == 1

            again = slack.redeliver(retry.envelope_id)
            slack.wait_until(lambda: len(slack.acks) == 2)
            assert requests[-1].envelope_id == again and requests[-1].retry_attempt == 2


def test_interactive_and_slash_envelopes_are_not_redelivered() -> None:
    clock = ManualClock()
    with FakeSlack(clock=clock) as slack:
        WebClient(token=slack.bot_token, base_url=slack.api_url).chat_postMessage(
            channel="U002",
            text="Mood?",
            blocks=[
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "text": {"type": "plain_text", "text": "Good"},
                            "action_id": "mood",
                            "value": "good",
                        }
                    ],
                }
            ],
        )
        with socket_client(slack, ack=None) as (_, requests, _m):
            slack.user("U002").clicks("Good", wait=False)
            slack.user("U002").runs("/checkin report", wait=False)
            slack.wait_until(lambda: len(requests) == 2)
            clock.advance(3.1)
            slack.wait_until(lambda: len(slack.unanswered) == 2, message="both to time out")
            assert len(requests) == 2
            assert {e["type"] for e in slack.unanswered} == {"interactive", "slash_commands"}


def test_slash_command_payload_and_ack_response_payload(slack: FakeSlack) -> None:
    with socket_client(slack, ack=lambda req: {"text": "Building the report"}) as (_, requests, _m):
        ack = slack.user("U001").runs("/checkin report last week")
        (req,) = requests
        assert req.type == "slash_commands" and req.accepts_response_payload
        form = req.payload
        assert (form["command"], form["text"]) == ("/checkin", "report last week")
        assert (form["user_id"], form["user_name"], form["channel_id"]) == ("U001", "alice", "D001")
        assert form["response_url"].startswith(slack.base_url) and form["trigger_id"]
        assert ack.payload == {"text": "Building the report"}
        assert slack.ephemerals("U001")[-1]["text"] == "Building the report"


@pytest.mark.parametrize("reason", ["refresh_requested", "warning"])
def test_client_reconnects_after_disconnect(reason: str) -> None:
    with FakeSlack(disconnect_grace=0.2) as slack:
        with socket_client(slack) as (_, requests, _m):
            assert slack.disconnect(reason) == 1
            slack.wait_until(lambda: slack.socket.opened == 2 and slack.connections == 1)
            slack.user("U004").types("still there?")
            slack.wait_until(lambda: slack.acks, message="an ack on the new connection")
            assert slack.acks[0].connection == 2
            assert len(slack.calls("apps.connections.open")) == 2


def test_dropped_connection_is_replaced_once_the_client_notices(slack: FakeSlack) -> None:
    with socket_client(slack, ping_interval=0.2) as (_, requests, _m):
        slack.drop_connections()
        slack.wait_until(lambda: slack.socket.opened == 2, message="a new connection", timeout=8)
        slack.user("U001").types("hello again")
        slack.wait_until(lambda: slack.acks)
        assert slack.acks[0].connection == 2


def test_with_two_connections_the_newest_gets_the_envelope(slack: FakeSlack) -> None:
    with socket_client(slack) as (_, first, _m1), socket_client(slack) as (_, second, messages):
        slack.wait_until(lambda: messages)
        assert messages[0]["num_connections"] == 2
        slack.user("U001").types("which one?")
        slack.wait_until(lambda: slack.acks)
        assert (len(first), len(second)) == (0, 1)


def test_malformed_envelopes_can_be_injected(slack: FakeSlack) -> None:
    with socket_client(slack) as (_, requests, messages):
        slack.send_envelope({"type": "events_api", "envelope_id": "broken-1"})
        slack.send_envelope({"type": "mystery"})
        slack.user("U001").types("after the junk")
        slack.wait_until(lambda: slack.acks)
        assert [r.payload["event"]["text"] for r in requests] == ["after the junk"]
        assert {"type": "mystery"} in messages


# ----- slack_bolt App + SocketModeHandler


def new_app(slack: FakeSlack) -> App:
    return App(client=WebClient(token=slack.bot_token, base_url=slack.api_url))


@contextmanager
def running(app: App, slack: FakeSlack) -> Iterator[SocketModeHandler]:
    handler = SocketModeHandler(app, slack.app_token)
    handler.connect()
    slack.wait_for_connection()
    try:
        yield handler
    finally:
        close_soon(handler.client, slack)


MOOD = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "How are you feeling?"}},
    {
        "type": "actions",
        "block_id": "mood",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": n},
                "action_id": f"mood_{v}",
                "value": v,
            }
            for n, v in (("Bad", "2"), ("Good", "4"))
        ]
        + [
            {
                "type": "static_select",
                "action_id": "where",
                "placeholder": {"type": "plain_text", "text": "Where?"},
                "options": [
                    {"text": {"type": "plain_text", "text": t}, "value": t}
                    for t in ("office", "home")
                ],
            }
        ],
    },
]

MODAL = {
    "type": "modal",
    "callback_id": "details",
    "private_metadata": "run-7",
    "title": {"type": "plain_text", "text": "Tell us more"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "work",
            "label": {"type": "plain_text", "text": "What did you work on?"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        },
        {
            "type": "input",
            "block_id": "place",
            "label": {"type": "plain_text", "text": "Where?"},
            "element": {
                "type": "radio_buttons",
                "action_id": "choice",
                "options": [
                    {"text": {"type": "plain_text", "text": t}, "value": t}
                    for t in ("office", "home")
                ],
            },
        },
    ],
}


def test_bolt_app_conversation_buttons_select_modal_and_home(slack: FakeSlack) -> None:
    app = new_app(slack)
    seen: dict[str, Any] = {}

    @app.message("check in")
    def start(message: dict, say: Callable[..., Any]) -> None:
        say(text="How are you feeling?", blocks=MOOD)

    @app.action({"type": "block_actions", "block_id": "mood", "action_id": "mood_4"})
    def good(
        ack: Callable[..., Any], body: dict, client: WebClient, respond: Callable[..., Any]
    ) -> None:
        ack()
        seen["action"] = body
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)
        respond(text="Good to hear", replace_original=True)

    @app.action("where")
    def where(ack: Callable[..., Any], action: dict) -> None:
        ack()
        seen["where"] = action["selected_option"]["value"]

    @app.view("details")
    def details(ack: Callable[..., Any], view: dict) -> None:
        seen["values"] = view["state"]["values"]
        seen["metadata"] = view["private_metadata"]
        ack()

    @app.event("app_home_opened")
    def home(event: dict, client: WebClient) -> None:
        client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
            },
        )

    @app.event({"type": "message", "subtype": "message_changed"})
    def edited(event: dict) -> None:
        seen["edit"] = (event["previous_message"]["text"], event["message"]["text"])

    with running(app, slack):
        alice = slack.user("U001")
        alice.types("check in")
        slack.wait_until(lambda: slack.dm("U001"), message="the first question")

        alice.selects("home")
        slack.wait_until(lambda: "where" in seen)
        assert seen["where"] == "home"

        ack = alice.clicks("Good")
        assert ack.type == "interactive" and ack.latency < 1
        slack.wait_until(lambda: slack.open_view("U001"), message="the modal")
        action = seen["action"]
        assert (
            action["container"]["type"] == "message" and action["container"]["channel_id"] == "D001"
        )
        assert (
            action["actions"][0]["value"] == "4"
            and action["message"]["text"] == "How are you feeling?"
        )
        slack.wait_until(lambda: slack.dm("U001")[-1]["text"] == "Good to hear")

        ack = alice.submits_modal({"What did you work on?": "the fake Slack", "place": "office"})
        assert seen["metadata"] == "run-7"
        assert seen["values"]["work"]["text"] == {
            "type": "plain_text_input",
            "value": "the fake Slack",
        }
        assert seen["values"]["place"]["choice"]["selected_option"]["value"] == "office"
        assert slack.open_view("U001") is None, "a plain ack closes the modal"

        alice.opens_home()
        slack.wait_until(lambda: slack.home("U001"), message="the home tab")

        ts = slack.history("D001")[0]["ts"]
        alice.edits(ts, "check in please")
        slack.wait_until(lambda: "edit" in seen)
        assert seen["edit"] == ("check in", "check in please")
        assert slack.unanswered == []


def test_bolt_view_submission_errors_keep_the_modal_open(slack: FakeSlack) -> None:
    app = new_app(slack)

    @app.command("/checkin")
    def open_modal(ack: Callable[..., Any], command: dict, client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=command["trigger_id"], view=MODAL)

    @app.view("details")
    def details(ack: Callable[..., Any]) -> None:
        ack(response_action="errors", errors={"work": "Tell us something"})

    with running(app, slack):
        slack.user("U002").runs("/checkin")
        slack.wait_until(lambda: slack.open_view("U002"))
        ack = slack.user("U002").submits_modal({})
        assert ack.payload == {"response_action": "errors", "errors": {"work": "Tell us something"}}
        assert slack.open_view("U002") is not None


def test_bolt_handler_reconnects_after_refresh_requested() -> None:
    with FakeSlack(disconnect_grace=0.2) as slack:
        app = new_app(slack)
        heard: list[str] = []

        @app.message("")
        def any_message(message: dict) -> None:
            heard.append(message["text"])

        with running(app, slack):
            slack.user("U001").types("before")
            slack.wait_until(lambda: heard == ["before"])
            slack.disconnect("refresh_requested")
            slack.wait_until(lambda: slack.socket.opened == 2 and slack.connections == 1)
            slack.user("U001").types("after")
            slack.wait_until(lambda: heard == ["before", "after"])
            # the ack and the listener run apart: the second ack may come after it was heard
            slack.wait_until(lambda: len(slack.acks) == 2)
            assert [a.connection for a in slack.acks] == [1, 2]
            assert len(slack.calls("auth.test")) >= 1


def test_ephemeral_buttons_can_be_clicked_and_bot_posts_can_echo() -> None:
    with FakeSlack(echo_bot_messages=True) as slack:
        bot = WebClient(token=slack.bot_token, base_url=slack.api_url)
        with socket_client(slack) as (_, requests, _m):
            bot.chat_postMessage(channel="U005", text="Echo me")
            slack.wait_until(lambda: requests, message="the echoed message event")
            echoed = requests[0].payload["event"]
            assert echoed["bot_id"] == slack.workspace.bot_id and echoed["text"] == "Echo me"

            button = {
                "type": "button",
                "text": {"type": "plain_text", "text": "Skip"},
                "value": "s",
            }
            bot.chat_postEphemeral(
                channel="C0001",
                user="U005",
                text="Skip?",
                blocks=[{"type": "actions", "elements": [button]}],
            )
            ack = slack.user("U005").clicks("Skip")
            payload = requests[-1].payload
            assert ack.type == "interactive" and payload["container"]["is_ephemeral"] is True
            assert payload["container"]["channel_id"] == "C0001" and "message" not in payload
