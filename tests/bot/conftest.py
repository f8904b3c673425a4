"""A running bot against the fake Slack, on a real SQLite file and a fake clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from bot import listen, scheduler
from bot.app import Bot
from bot.context import BotContext
from bot.slack import build_client
from checkin.checkins.definitions import import_definitions, parse_toml
from checkin.clock import FakeClock
from checkin.config import Config, Secret
from checkin.db import connection
from checkin.db.connection import ThreadLocal

STORY = """
[[checkin]]
name = "daily"
days = ["mon", "tue", "wed", "thu", "fri"]
time = "09:00"
participants = ["U001", "U002", "U003", "U004", "U005"]
reminder_after_minutes = 120

[[checkin.question]]
text = "How are you feeling?"
kind = "scale"
labels = ["awful", "bad", "okay", "good", "great"]

[[checkin.question]]
text = "Where are you working from?"
kind = "choice"
options = ["office", "home", "travelling"]

[[checkin.question]]
text = "What did you work on since last time?"
kind = "text"

[[checkin.question]]
text = "How many hours of focus time did you get?"
kind = "number"
"""


@pytest.fixture
def clock() -> FakeClock:
    """Monday 2026-11-30 00:00 UTC: before anyone's 09:00."""
    return FakeClock(datetime(2026, 11, 30, 0, 0, tzinfo=UTC))


@pytest.fixture
def story_db(db_path, clock):  # noqa: ANN001, ANN201
    conn = connection.connect(db_path)
    import_definitions(conn, parse_toml(STORY), clock=clock)
    conn.close()
    return db_path


def bot_config(slack, db_path, **changes) -> Config:  # noqa: ANN001
    values = dict(
        db_path=db_path,
        env="production",
        api_url=slack.api_url,
        bot_token=Secret(slack.bot_token),
        app_token=Secret(slack.app_token),
    )
    values.update(changes)
    return Config(**values)


@pytest.fixture
def make_bot(slack, story_db, clock) -> Iterator[Callable[..., Bot]]:  # noqa: ANN001
    bots: list[Bot] = []

    def make(
        connect: bool = True,
        ping_interval: float = 10,
        tick_interval: float = 5,
        beat_interval: float = 15,
        **config: object,
    ) -> Bot:
        bot = Bot(
            bot_config(slack, story_db, **config),
            clock,
            ping_interval=ping_interval,
            tick_interval=tick_interval,
            beat_interval=beat_interval,
        )
        bots.append(bot)
        if connect:
            bot.start(scheduler=False)
            slack.wait_for_connection()
        return bot

    yield make
    for bot in bots:
        if not bot.ctx.cache.get("stopping"):
            bot.stop(timeout=1)


@pytest.fixture
def bot(make_bot) -> Bot:  # noqa: ANN001
    return make_bot()


def settle(slack, bot: Bot, event_id: str | None = None, timeout: float = 5.0) -> None:  # noqa: ANN001
    """Wait for an event's ack (when given) and for the work after every ack to finish."""
    if event_id is not None:
        slack.wait_until(
            lambda: any(a.event_id == event_id for a in slack.acks), timeout, f"ack of {event_id}"
        )
    for thread in list(bot.ctx.cache.get("modals_opening", [])):  # modals open beside the queue
        thread.join(timeout)
    assert bot.ctx.worker.wait_idle(timeout), "the bot's work did not finish"


def tick(bot: Bot, timeout: float = 10.0) -> None:
    """One scheduler pass by hand, then the sends and reminders it queued, done."""
    scheduler.tick(bot.ctx)
    assert bot.ctx.worker.wait_idle(timeout), "the work a tick queued did not finish"


@pytest.fixture
def ctx(slack, db_path, clock):  # noqa: ANN001, ANN201
    """A context on the fake Slack without the Bolt app: for calling plain functions."""
    config = Config(
        db_path=db_path,
        env="production",
        api_url=slack.api_url,
        bot_token=Secret(slack.bot_token),
    )
    database = ThreadLocal(db_path)
    yield BotContext(
        config=config, db=database, client=build_client(config, database, clock), clock=clock
    )
    database.close()


@pytest.fixture
def short_waits(monkeypatch):  # noqa: ANN001, ANN201
    """Busy timeouts and the waits between a kept request's tries made short, so a fault
    test does not wait long on the wall clock."""
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(listen, "INSERT_PATIENCE_S", 0.05)
    monkeypatch.setattr(listen, "RETRY_BACKOFF_S", (0.05, 0.1, 0.2))
