"""Telegram end to end: the real python-telegram-bot Application against the Bot API double."""

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from bot.config import Config
from storage.database import Database
from storage.enums import TicketStatus
from storage.models import AuditEvent, Comment, Ticket
from tests.support.clock import ManualClock
from tests.support.telegram_desk import (
    NETWORK,
    PEOPLE,
    Mode,
    TelegramDesk,
    bot_api,
    bot_api_running,
    running_bot,
    telegram_config,
)
from tests.support.telegram_double import BotApiDouble, Posted
from workflows.unit_of_work import unit_of_work

ALICE, BOB = PEOPLE["alice"], PEOPLE["bob"]
Scenario = Callable[[TelegramDesk], Awaitable[None]]


def run(
    demo_config: Config, database_url: str, scenario: Scenario, mode: Mode = "polling"
) -> BotApiDouble:
    """Run `scenario` against a started bot; the double, for assertions afterwards."""
    api = bot_api()

    async def main() -> None:
        async with bot_api_running(api):
            config = telegram_config(demo_config, database_url, api, mode)
            async with running_bot(config, api, ManualClock()) as bot:
                await scenario(bot)

    asyncio.run(main())
    return api


def data_of(posted: Posted, label: str) -> str:
    """The callback_data of the button labelled `label` on a message the bot posted."""
    for row in posted.keyboard:
        for button in row:
            if button["text"] == label:
                return button["callback_data"]
    shown = [b["text"] for row in posted.keyboard for b in row]
    raise AssertionError(f"no button {label!r} among {shown}")


def last(bot: TelegramDesk, chat: int) -> Posted:
    """The newest message in `chat`."""
    return bot.api.shown(str(chat))[-1]


async def choose(bot: TelegramDesk, user_id: int, label: str) -> None:
    """Press `label` on the newest message of the user's private chat."""
    user = next(u for u in PEOPLE.values() if u.id == user_id)
    posted = last(bot, user.id)
    await bot.exchange(bot.updates.press(user, user.id, posted, data_of(posted, label)))


async def raise_vpn_incident(bot: TelegramDesk, title: str = "VPN drops every hour") -> None:
    """Alice walks the whole raise dialog in her private chat, buttons and typed answers."""
    await bot.exchange(bot.updates.command(ALICE, "/new"))
    await choose(bot, ALICE.id, "Incident")
    await choose(bot, ALICE.id, "VPN")
    await bot.exchange(bot.updates.text(ALICE, title))
    await bot.exchange(bot.updates.text(ALICE, "It disconnects on the hour"))
    await choose(bot, ALICE.id, "High")
    await choose(bot, ALICE.id, "Medium")
    await choose(bot, ALICE.id, "Raise it")


def stored(database_url: str, reference: str) -> tuple[TicketStatus, list[str], list[str]]:
    """A ticket's status, its audit actions and its comments, as stored."""
    db = Database.from_url(database_url)
    try:
        with unit_of_work(db) as session:
            ticket = session.scalars(select(Ticket).where(Ticket.reference == reference)).one()
            actions = session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.ticket_id == ticket.id)
                .order_by(AuditEvent.id)
            ).all()
            comments = session.scalars(
                select(Comment.body).where(Comment.ticket_id == ticket.id).order_by(Comment.id)
            ).all()
            return ticket.status, list(actions), list(comments)
    finally:
        db.dispose()


def test_a_whole_incident_from_telegram(demo_config: Config, database_url: str) -> None:
    async def scenario(bot: TelegramDesk) -> None:
        await raise_vpn_incident(bot)
        private = [m.text for m in bot.api.shown(str(ALICE.id))]
        assert private[0] == "What would you like to raise?"
        assert "Your ticket\nIncident about VPN: VPN drops every hour" in private[-4]
        assert "priority P2" in private[-4]
        assert private[-3].startswith("Shall I raise it?")
        assert private[-2].startswith("INC-1 · P2 · VPN drops every hour\nRaised INC-1.")
        assert private[-1].startswith("INC-1 · P2 · VPN drops every hour\nYour incident INC-1")

        card = bot.api.shown(str(NETWORK))[0]
        assert card.text.startswith("INC-1 · P2 · VPN drops every hour\nIt disconnects")
        assert "Status: new" in card.text
        assert [b["text"] for row in card.keyboard for b in row] == ["Acknowledge", "Take"]

        await bot.exchange(bot.updates.press(BOB, NETWORK, card, data_of(card, "Acknowledge")))
        answered = bot.api.called("answerCallbackQuery")[-1].params
        assert answered["text"] == "INC-1 is now acknowledged."
        assert "Status: acknowledged" in card.text  # edited in place
        assert [b["text"] for row in card.keyboard for b in row] == [
            "Start work",
            "Resolve",
            "Take",
        ]
        note = last(bot, NETWORK)
        assert note.reply_to == card.message_id
        assert note.text == "Bob Okafor acknowledged INC-1 (now acknowledged)."

        first_dm = bot.api.shown(str(ALICE.id))[-2]
        assert first_dm.text.startswith("INC-1 · P2 · VPN drops every hour\nYour incident")
        update = bot.updates.text(ALICE, "Still broken at 10:00", reply_to=first_dm)
        await bot.exchange(update)
        assert last(bot, ALICE.id).text == "Added your comment to INC-1."
        assert last(bot, NETWORK).text == "Alice Martin commented: Still broken at 10:00"
        assert last(bot, NETWORK).reply_to == card.message_id

        await bot.exchange(bot.updates.press(BOB, NETWORK, card, data_of(card, "Resolve")))
        assert "Status: resolved" in card.text
        assert [b["text"] for row in card.keyboard for b in row] == ["Reopen", "Close", "Take"]

    api = run(demo_config, database_url, scenario)

    assert stored(database_url, "INC-1") == (
        TicketStatus.RESOLVED,
        ["raised", "acknowledge", "commented", "resolve"],
        ["Still broken at 10:00"],
    )
    registered = api.called("setMyCommands")[0].params["commands"]
    assert [command["command"] for command in registered] == [
        "new",
        "mine",
        "ticket",
        "comment",
        "cancel",
        "help",
    ]
