"""Slack and Telegram served together by one process, end to end.

`serve` runs the platforms `build_platforms(config, None)` makes of a config with both sections
(bolt under uvicorn, python-telegram-bot by long polling) on one loop with one outbox
dispatcher, against the Slack Web API double and the Bot API double on 127.0.0.1. A ticket
raised on Telegram is worked from Slack and from Telegram, and every card is kept in step.
"""

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import select

from bot.app import Desk, serve
from bot.cli import build_platforms
from bot.config import Config
from bot.platforms.base import Platform
from bot.platforms.slack.platform import SlackPlatform
from bot.platforms.telegram.platform import TelegramPlatform
from storage.enums import MessageRole, OutboxStatus, TicketStatus
from storage.models import ChatMessage, OutboxIntent
from tests.support.clock import ManualClock
from tests.support.slack_app import SLACK_IDS, SlackClient, slack_config, wait_for_port
from tests.support.slack_blocks import buttons, check_message
from tests.support.slack_double import WAIT_SECONDS, SlackDouble
from tests.support.slack_payloads import GOOD_FORM, submission
from tests.support.slack_payloads import press as slack_press
from tests.support.telegram_desk import (
    NETWORK,
    PEOPLE,
    TelegramDesk,
    bot_api,
    bot_api_running,
    telegram_config,
)
from tests.support.telegram_double import BotApiDouble, Posted
from tests.support.telegram_scenarios import labels, press, raise_incident, stored, stored_session
from tests.support.telegram_updates import Updates

SLACK_NETWORK = "C0NETWORK"
ALICE, BOB = PEOPLE["alice"], PEOPLE["bob"]
SLACK_ALICE, SLACK_BOB = SLACK_IDS["alice"], SLACK_IDS["bob"]
RAISED = "Your incident INC-1 was raised with priority P2. Network team will pick it up; "
RAISED += "you will hear here when it changes."
ACKNOWLEDGED = "Bob Okafor acknowledged INC-1 (now acknowledged)."
RESOLVED = "Bob Okafor resolved INC-1 (now resolved)."


class Witnessed:
    """A platform as `serve` runs it, keeping the desk `serve` built (so the Telegram test
    driver can use it); its sender and its serving are the platform's own, unchanged."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.sender = platform.sender
        self.desk: Desk | None = None

    async def serve(self, desk: Desk) -> None:
        """Remember `desk`, then serve the platform on it."""
        self.desk = desk
        await self.platform.serve(desk)


def outbox(database_url: str) -> list[tuple[str, str, str, int, str | None, OutboxStatus]]:
    """Each intent as (platform, kind, audience, attempts, last error, status), oldest first."""
    with stored_session(database_url) as session:
        rows = session.scalars(select(OutboxIntent).order_by(OutboxIntent.id)).all()
        return [
            (row.platform, row.kind, row.audience_key, row.attempts, row.last_error, row.status)
            for row in rows
        ]


def remembered(database_url: str) -> dict[tuple[str, str, MessageRole], str]:
    """Where the ticket's cards and DM threads live: (platform, address, role) to their id."""
    with stored_session(database_url) as session:
        rows = session.scalars(select(ChatMessage)).all()
        return {(row.platform, row.address, row.role): row.message_id for row in rows}


T = TypeVar("T")
# The test's own blocking calls (a signed request, a wait on a double, a look at the database)
# get threads of their own: `serve` gives this loop the desk's few worker threads, which a
# call waiting on the desk must not hold, as it would not in a process of its own.
_TEST_THREADS = ThreadPoolExecutor(4, thread_name_prefix="test-client")


async def blocking(call: Callable[..., T], *args: Any) -> T:
    """Run `call(*args)` on the test's threads, off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_TEST_THREADS, partial(call, *args))


@dataclass
class BothDesk:
    """The running process: the Telegram test driver, a signing Slack client, both doubles."""

    telegram: TelegramDesk
    slack: SlackClient
    slack_api: SlackDouble
    database_url: str

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        """Poll `condition` in a worker thread (it may read the database) until it holds."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not await blocking(condition):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.01)

    async def delivered(self, count: int, what: str) -> None:
        """Wait until the outbox holds exactly `count` intents, every one delivered."""

        def done() -> bool:
            statuses = [status for *_, status in outbox(self.database_url)]
            return len(statuses) == count and set(statuses) == {OutboxStatus.DELIVERED}

        await self.until(done, f"{count} intents delivered ({what})")

    def slack_card(self) -> tuple[dict[str, Any], str]:
        """The Slack card as posted in the team's channel (once), and its ts."""
        (card,) = [
            call
            for call in self.slack_api.calls_to("chat.postMessage")
            if call["channel"] == SLACK_NETWORK and "thread_ts" not in call
        ]
        stored_id = remembered(self.database_url)["slack", SLACK_NETWORK, MessageRole.CARD]
        channel, _, ts = stored_id.partition(":")
        assert channel == SLACK_NETWORK
        return card, ts


def both_config(demo: Config, database_url: str, slack: SlackDouble, api: BotApiDouble) -> Config:
    """The demo config with a Slack and a Telegram section, each pointed at its double."""
    with_slack = slack_config(demo, slack.base_url, "http")
    return telegram_config(with_slack, database_url, api, "polling")


@asynccontextmanager
async def serving_both(
    demo: Config, database_url: str, slack_api: SlackDouble, api: BotApiDouble
) -> AsyncIterator[BothDesk]:
    """`serve` the platforms the CLI builds from a config with both sections for the length
    of the block; then stop it as a process stop would."""
    config = both_config(demo, database_url, slack_api, api)
    assert config.slack is not None
    slack, telegram = build_platforms(config, None)
    assert isinstance(slack, SlackPlatform)
    assert isinstance(telegram, TelegramPlatform)
    witnessed = Witnessed(telegram)
    serving = asyncio.create_task(serve(config, [slack, witnessed], ManualClock()))
    try:
        await api.wait_until(
            lambda: serving.done() or bool(api.called("deleteWebhook")), "the bot to start"
        )
        if serving.done():
            serving.result()
        await blocking(wait_for_port, config.slack.http.port)
        assert witnessed.desk is not None
        bot = TelegramDesk(api, witnessed.desk, telegram, config, Updates(api))
        yield BothDesk(bot, SlackClient(config.slack.http.port), slack_api, database_url)
    finally:
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)


def slack_texts(call: dict[str, Any]) -> list[str]:
    """The texts of a Slack message's blocks, checked against Slack's limits."""
    return check_message(call["blocks"])


def slack_status(call: dict[str, Any]) -> str:
    """The Status field of a Slack card."""
    (status,) = [text for text in slack_texts(call) if text.startswith("*Status*\n")]
    return status.removeprefix("*Status*\n")


async def acknowledge_from_slack(both: BothDesk, user: str = SLACK_BOB) -> None:
    """`user` presses Acknowledge on the Slack card as first posted: a signed block_actions
    request."""
    card, ts = both.slack_card()
    acknowledge = buttons(card["blocks"])["Acknowledge"]
    payload = slack_press(user, acknowledge, SLACK_NETWORK, ts)
    answer = await blocking(both.slack.interact, payload)
    assert answer.status == 200, answer


@dataclass(frozen=True)
class Places:
    """Where the database says INC-1's cards and Alice's DM threads are."""

    slack_card: tuple[str, str]  # channel, ts
    slack_dm: tuple[str, str]
    telegram_card: int
    telegram_dm: int


def check_stored(database_url: str, card: Posted) -> Places:
    """The ticket's history; one card and one DM thread per platform; every intent, the same
    on both platforms, delivered at its first attempt."""
    assert stored(database_url, "INC-1") == (
        TicketStatus.RESOLVED,
        ["raised", "acknowledge", "resolve"],
        [],
    )
    ids = remembered(database_url)
    slack_card = ids.pop(("slack", SLACK_NETWORK, MessageRole.CARD)).partition(":")
    slack_dm = ids.pop(("slack", SLACK_ALICE, MessageRole.DIRECT_THREAD)).partition(":")
    telegram_dm = ids.pop(("telegram", str(ALICE.id), MessageRole.DIRECT_THREAD))
    assert ids == {("telegram", str(NETWORK), MessageRole.CARD): str(card.message_id)}

    raised = Counter({("card", "network"): 1, ("direct_message", "alice"): 1})
    worked = raised + Counter({("thread_note", "network"): 1})
    for platform in ("slack", "telegram"):
        intents = [row[1:] for row in outbox(database_url) if row[0] == platform]
        assert Counter((kind, audience) for kind, audience, *_ in intents) == (
            raised + worked + worked
        )
        assert {tuple(row[2:]) for row in intents} == {(1, None, OutboxStatus.DELIVERED)}
    return Places(
        (slack_card[0], slack_card[2]),
        (slack_dm[0], slack_dm[2]),
        card.message_id,
        int(telegram_dm),
    )


def check_slack(double: SlackDouble, places: Places) -> None:
    """One card, edited twice in place; each note once, in the card's or the DM's thread;
    Bob answered once; nothing refused."""
    posts = double.calls_to("chat.postMessage")
    assert Counter((c["channel"], c.get("thread_ts"), slack_texts(c)[-1]) for c in posts) == {
        (SLACK_NETWORK, None, "*Resolution due*\n2026-11-24 09:00 UTC (in 1 d)"): 1,
        (*places.slack_card, ACKNOWLEDGED): 1,
        (*places.slack_card, RESOLVED): 1,
        (SLACK_ALICE, None, RAISED): 1,
        (*places.slack_dm, ACKNOWLEDGED): 1,
        (*places.slack_dm, RESOLVED): 1,
    }
    updates = double.calls_to("chat.update")
    assert [(c["channel"], c["ts"], slack_status(c)) for c in updates] == [
        (*places.slack_card, "acknowledged"),
        (*places.slack_card, "resolved"),
    ]
    assert list(buttons(updates[-1]["blocks"])) == ["Reopen", "Close", "Take"]
    (ephemeral,) = double.calls_to("chat.postEphemeral")
    assert (ephemeral["channel"], ephemeral["user"]) == (SLACK_NETWORK, SLACK_BOB)
    assert slack_texts(ephemeral)[-1] == "INC-1 is now acknowledged."
    assert [call.method for call in double.calls if not call.ok] == []


def check_telegram(api: BotApiDouble, places: Places) -> None:
    """The card edited twice in place, one note per change as a reply to it, and Alice told
    of each change once, in reply to her first message about the ticket."""
    edits = api.called("editMessageText")
    card = (str(NETWORK), str(places.telegram_card))
    assert [(c.chat(), c.params["message_id"]) for c in edits] == [card, card]
    assert [(m.text, m.reply_to) for m in api.shown(str(NETWORK))[1:]] == [
        (ACKNOWLEDGED, places.telegram_card),
        (RESOLVED, places.telegram_card),
    ]
    private = api.shown(str(ALICE.id))
    assert max(Counter(m.text for m in private).values()) == 1
    (dm,) = [m for m in private if m.message_id == places.telegram_dm]
    assert dm.text.endswith(RAISED)
    told = [m.text.splitlines()[-1] for m in private if m.reply_to == dm.message_id]
    assert told == [ACKNOWLEDGED, RESOLVED]


def test_raised_on_telegram_acknowledged_on_slack_resolved_on_telegram_cards_in_step(
    demo_config: Config, sqlite_database_url: str, double: SlackDouble
) -> None:
    api = bot_api()

    async def scenario() -> None:
        async with (
            bot_api_running(api),
            serving_both(demo_config, sqlite_database_url, double, api) as both,
        ):
            bot = both.telegram

            # Alice raises INC-1 by /new in her private chat: a card on each platform.
            await raise_incident(bot)
            await both.delivered(4, "the raise")
            (card,) = api.shown(str(NETWORK))
            assert "Status: new" in card.text
            assert labels(card) == ["Acknowledge", "Take", "Escalate"]
            slack_card, _ = both.slack_card()
            assert slack_texts(slack_card)[0] == "*INC-1 · P2 · VPN drops every hour*"
            assert slack_status(slack_card) == "new"
            assert list(buttons(slack_card["blocks"])) == ["Acknowledge", "Take", "Escalate"]

            # Bob acknowledges from Slack: both cards are edited in place.
            await acknowledge_from_slack(both)
            await both.delivered(10, "the acknowledgement")
            await both.until(lambda: bool(double.calls_to("chat.postEphemeral")), "Bob's answer")
            assert "Status: acknowledged" in card.text
            assert labels(card) == ["Start work", "Resolve", "Take", "Escalate"]

            # Bob resolves from Telegram: the Slack card follows.
            await press(bot, BOB, NETWORK, card, "Resolve")
            await both.delivered(16, "the resolution")
            assert "Status: resolved" in card.text
            assert labels(card) == ["Reopen", "Close", "Take"]
            answered = api.called("answerCallbackQuery")[-1].params
            assert answered["text"] == "INC-1 is now resolved."

            assert await bot.deliver() == 0  # the process's own dispatcher has nothing left

    asyncio.run(scenario())

    places = check_stored(sqlite_database_url, api.shown(str(NETWORK))[0])
    check_slack(double, places)
    check_telegram(api, places)


def test_raised_on_slack_acknowledged_on_telegram_a_late_press_on_slack_changes_nothing(
    demo_config: Config, sqlite_database_url: str, double: SlackDouble
) -> None:
    api = bot_api()

    async def scenario() -> None:
        async with (
            bot_api_running(api),
            serving_both(demo_config, sqlite_database_url, double, api) as both,
        ):
            form = submission(SLACK_ALICE, GOOD_FORM, '{"channel": "C0GENERAL"}')
            answer = await blocking(both.slack.interact, form)
            assert (answer.status, answer.body) == (200, "")
            await both.delivered(4, "the raise")
            (card,) = api.shown(str(NETWORK))
            assert card.text.startswith("INC-1 · P2 · VPN drops every hour\n")

            await press(both.telegram, BOB, NETWORK, card, "Acknowledge")
            await both.delivered(10, "the acknowledgement")
            (update,) = double.calls_to("chat.update")
            assert slack_status(update) == "acknowledged"
            assert "Status: acknowledged" in card.text

            # Dave presses the Acknowledge he still sees on Slack: refused, nothing sent.
            await acknowledge_from_slack(both, SLACK_IDS["dave"])
            refusals = await blocking(double.wait_for_calls, "chat.postEphemeral", 2)
            assert (refusals[-1]["user"], slack_texts(refusals[-1])) == (
                SLACK_IDS["dave"],
                [":warning: You cannot acknowledge a ticket that is acknowledged."],
            )
            assert await both.telegram.deliver() == 0
            assert len(outbox(sqlite_database_url)) == 10

    asyncio.run(scenario())

    assert stored(sqlite_database_url, "INC-1")[:2] == (
        TicketStatus.ACKNOWLEDGED,
        ["raised", "acknowledge"],
    )
    assert len(double.calls_to("chat.update")) == 1
    assert len(api.called("editMessageText")) == 1
    assert [m.text for m in api.shown(str(NETWORK))[1:]] == [ACKNOWLEDGED]
