"""Property: whatever Slack sends (any envelope body, action, view submission, typed text), a
listener never raises, always acknowledges once, and stores nothing for a run that does not
accept an answer."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import commands, listen, modals
from bot.conversation import answering, blocks, editing, pausing
from checkin.answers.runs import get_run
from checkin.clock import iso
from checkin.people import members

pytestmark = pytest.mark.timeout(300)

CLOSED_STATUSES = ("due", "skipped", "failed", "dev_skipped")
USERS = st.sampled_from(["U001", "U002", "U0BOT", "", "W9"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture
def runs(ctx, story_db, clock):  # noqa: ANN001, ANN201
    """One run of U001 in each status that accepts no answer; their ids and question ids."""
    conn = ctx.conn
    members.ensure_member(conn, "U001", clock=clock)
    checkin = conn.execute("SELECT id FROM checkins").fetchone()[0]
    qids = [r[0] for r in conn.execute("SELECT id FROM questions ORDER BY id")]
    ids = []
    for n, status in enumerate(CLOSED_STATUSES):
        ids.append(
            conn.execute(
                "INSERT INTO runs (checkin_id, member_id, local_date, week, due_at, closes_at, "
                "status, question_ids, created_at, sent_at, channel_id, asked_question_id) "
                "VALUES (?, 'U001', ?, '2026-W49', ?, ?, ?, ?, ?, ?, 'D001', ?)",
                (
                    checkin,
                    f"2026-11-{20 + n}",
                    iso(clock()),
                    "2026-12-31T00:00:00Z",
                    status,
                    json.dumps(qids),
                    iso(clock()),
                    iso(clock()),
                    qids[0],
                ),
            ).lastrowid
        )
    ctx.bot_user_id = "U0BOT"
    return ids, qids


def listeners(ctx):  # noqa: ANN001, ANN201
    works = [
        answering.on_answer_click,
        answering.on_skip_question,
        pausing.on_skip_run,
        pausing.on_snooze,
        pausing.on_resume,
        editing.on_edit_submission,
        answering.on_message,
    ]
    out = [listen.acked(ctx, work) for work in works]
    out += [modals.opens_modal(ctx, pausing.pause_view)]
    out += [modals.opens_modal(ctx, editing.edit_view)]
    out += [pausing.pause_listener(ctx), commands.command_listener(ctx)]
    return out


def values(ids: list[int], qids: list[int]) -> st.SearchStrategy:
    run = st.sampled_from(ids) | st.integers(-5, 10**6)
    qid = st.sampled_from(qids) | st.integers(-5, 10**6)
    option = st.sampled_from([blocks.option_id(x) for x in ("good", "home", "office")])
    return st.one_of(
        st.builds(lambda r, q, o: f"{r}:{q}:{o}", run, qid, option | st.text(max_size=5)),
        st.builds(lambda r, q: f"{r}:{q}", run, qid),
        run.map(str),
        st.text(max_size=30),
        st.none(),
    )


def bodies(ids: list[int], qids: list[int]) -> st.SearchStrategy:
    action = st.fixed_dictionaries(
        {
            "action_id": st.sampled_from(["answer_0", "skip_question", "edit_answers", "x"]),
            "value": values(ids, qids),
        },
        optional={"selected_option": st.fixed_dictionaries({"value": values(ids, qids)})},
    )
    typed = st.text(max_size=60) | st.sampled_from(["&amp;", "<@U001>", "1,000", "²", "<http://x|"])
    event = st.fixed_dictionaries(
        {
            "type": st.just("message"),
            "channel_type": st.sampled_from(["im", "channel"]),
            "user": USERS,
            "text": typed,
        },
        optional={"subtype": st.sampled_from(["message_changed", "bot_message"])},
    )
    view = st.fixed_dictionaries(
        {
            "private_metadata": st.one_of(
                st.builds(lambda r: json.dumps({"run": r}), st.sampled_from(ids) | st.integers()),
                st.text(max_size=20),
            ),
            "state": st.fixed_dictionaries(
                {
                    "values": st.dictionaries(
                        st.sampled_from([f"q:{q}" for q in qids] + ["until"]),
                        st.fixed_dictionaries(
                            {
                                "value": st.fixed_dictionaries(
                                    {},
                                    optional={
                                        "value": st.text(max_size=10),
                                        "selected_date": st.text(max_size=12),
                                        "selected_option": st.fixed_dictionaries(
                                            {"value": values(ids, qids)}
                                        ),
                                    },
                                )
                            }
                        ),
                        max_size=4,
                    )
                }
            ),
        },
    )
    shaped = st.fixed_dictionaries(
        {"user": st.builds(lambda u: {"id": u}, USERS)},
        optional={
            "actions": st.lists(action, min_size=1, max_size=2),
            "container": st.fixed_dictionaries(
                {
                    "channel_id": st.sampled_from(["D001", "C0001"]),
                    "message_ts": st.text(max_size=8),
                }
            ),
            "view": view,
            "event": event,
            "event_id": st.text(max_size=8),
            "type": st.sampled_from(["event_callback", "block_actions", "view_submission"]),
            "user_id": USERS,
            "text": st.text(max_size=30),
            "trigger_id": st.text(max_size=8),
        },
    )
    return shaped | st.dictionaries(st.text(max_size=10), JSON, max_size=6)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_request_is_acknowledged_once_never_raises_and_stores_nothing(ctx, runs, data):  # noqa: ANN001
    ids, qids = runs
    body = data.draw(bodies(ids, qids))
    for listener in listeners(ctx):
        acks: list[object] = []
        listener(
            ack=lambda *a, _acks=acks, **k: _acks.append((a, k)), body=json.loads(json.dumps(body))
        )
        assert len(acks) == 1, f"{listener.__name__} acknowledged {len(acks)} times"
    conn = ctx.conn
    assert conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM answer_history").fetchone()[0] == 0
    statuses = [get_run(conn, i)["status"] for i in ids]
    assert statuses == list(CLOSED_STATUSES), "no run that accepts nothing was reopened"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["interactive", "events_api", "slash_commands"]),
    payload=st.dictionaries(
        st.sampled_from(
            [
                "type",
                "user",
                "user_id",
                "actions",
                "event",
                "view",
                "command",
                "text",
                "container",
                "trigger_id",
                "event_id",
            ]
        ),
        JSON,
        max_size=6,
    ),
)
def test_any_envelope_through_socket_mode_is_acknowledged(slack, bot, kind, payload):  # noqa: ANN001
    from tests.bot.conftest import settle
    from tests.fakeslack import envelopes

    if kind == "slash_commands":
        payload["command"] = "/checkin"
    env = envelopes.envelope(kind, payload, accepts_response_payload=kind != "events_api")
    slack.send_envelope(env)
    slack.ack_for(env["envelope_id"], timeout=3)
    settle(slack, bot)
    assert bot.ctx.conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 0
