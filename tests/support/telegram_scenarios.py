"""Steps of Telegram end-to-end scenarios: run a bot, press buttons, walk the raise dialog."""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot.config import Config
from storage.database import Database
from storage.enums import OutboxStatus, TicketStatus
from storage.models import AuditEvent, Comment, DialogState, OutboxIntent, Person, Ticket
from tests.support.clock import ManualClock
from tests.support.telegram_desk import (
    PEOPLE,
    Mode,
    TelegramDesk,
    bot_api,
    bot_api_running,
    running_bot,
    telegram_config,
)
from tests.support.telegram_double import BotApiDouble, Posted
from tests.support.telegram_updates import TgUser
from workflows.unit_of_work import unit_of_work

ALICE = PEOPLE["alice"]
Scenario = Callable[[TelegramDesk], Awaitable[None]]


def run(
    demo_config: Config,
    database_url: str,
    scenario: Scenario,
    *,
    mode: Mode = "polling",
    clock: ManualClock | None = None,
    api: BotApiDouble | None = None,
    self_registration: bool = False,
) -> BotApiDouble:
    """Run `scenario` against a started bot (on `api`, by default the demo's groups); the
    double, for assertions afterwards."""
    api = api or bot_api()

    async def main() -> None:
        async with bot_api_running(api):
            config = telegram_config(
                demo_config, database_url, api, mode, self_registration=self_registration
            )
            async with running_bot(config, api, clock or ManualClock()) as bot:
                await scenario(bot)

    asyncio.run(main())
    return api


def labels(posted: Posted) -> list[str]:
    """The labels of a message's buttons, in order."""
    return [button["text"] for row in posted.keyboard for button in row]


def data_of(posted: Posted, label: str) -> str:
    """The callback_data of the button labelled `label` on a message the bot posted."""
    for row in posted.keyboard:
        for button in row:
            if button["text"] == label:
                return str(button["callback_data"])
    raise AssertionError(f"no button {label!r} among {labels(posted)}")


def last(bot: TelegramDesk, chat: int) -> Posted:
    """The newest message in `chat`."""
    return bot.api.shown(str(chat))[-1]


async def press(bot: TelegramDesk, user: TgUser, chat: int, posted: Posted, label: str) -> None:
    """`user` presses `label` on `posted` in `chat`, and the bot handles it."""
    await bot.exchange(bot.updates.press(user, chat, posted, data_of(posted, label)))


async def choose(bot: TelegramDesk, user: TgUser, label: str) -> None:
    """Press `label` on the newest message of the user's private chat."""
    await press(bot, user, user.id, last(bot, user.id), label)


async def say(bot: TelegramDesk, user: TgUser, words: str) -> None:
    """`user` writes to the bot privately (a command when it starts with a slash)."""
    make = bot.updates.command if words.startswith("/") else bot.updates.text
    await bot.exchange(make(user, words))


async def raise_incident(
    bot: TelegramDesk,
    *,
    user: TgUser = ALICE,
    service: str = "VPN",
    title: str = "VPN drops every hour",
    description: str = "It disconnects on the hour",
) -> None:
    """`user` (Alice unless said) walks the whole raise dialog in their private chat,
    buttons and typed answers."""
    await say(bot, user, "/new")
    await choose(bot, user, "Incident")
    await choose(bot, user, service)
    await say(bot, user, title)
    await say(bot, user, description)
    await choose(bot, user, "High")
    await choose(bot, user, "Medium")
    await choose(bot, user, "Raise it")


async def raise_access_request(
    bot: TelegramDesk, *, user: TgUser = ALICE, last_day: str | None = None
) -> None:
    """`user` (Alice unless said) asks for read access to ERP invoices in their private chat,
    until `last_day` (typed as YYYY-MM-DD) or, by default, with no end date."""
    await say(bot, user, "/new")
    await choose(bot, user, "Access request")
    await choose(bot, user, "ERP access")
    await say(bot, user, "Read access to invoices")
    await say(bot, user, "For the quarterly audit")
    if last_day is None:
        await choose(bot, user, "No end date")
    else:
        await say(bot, user, last_day)
    await choose(bot, user, "Low")
    await choose(bot, user, "Low")
    await choose(bot, user, "Raise it")


@contextmanager
def stored_session(database_url: str) -> Iterator[Session]:
    """A session on the database the bot ran on, to read what it stored."""
    db = Database.from_url(database_url)
    try:
        with unit_of_work(db) as session:
            yield session
    finally:
        db.dispose()


def stored(database_url: str, reference: str) -> tuple[TicketStatus, list[str], list[str]]:
    """A ticket's status, its audit actions and its comments, as stored."""
    with stored_session(database_url) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.reference == reference)).one()
        history = select(AuditEvent.action).where(AuditEvent.ticket_id == ticket.id)
        actions = session.scalars(history.order_by(AuditEvent.id)).all()
        comments = session.scalars(
            select(Comment.body).where(Comment.ticket_id == ticket.id).order_by(Comment.id)
        ).all()
        return ticket.status, list(actions), list(comments)


def ticket_count(database_url: str) -> int:
    """How many tickets are stored."""
    with stored_session(database_url) as session:
        return len(session.scalars(select(Ticket.id)).all())


def number_tickets_from(database_url: str, first: int) -> None:
    """Make the next ticket raised get number `first` (as on a desk with millions behind it)."""
    with stored_session(database_url) as session:
        if database_url.startswith("sqlite"):
            session.execute(
                text("INSERT INTO sqlite_sequence (name, seq) VALUES ('tickets', :seq)"),
                {"seq": first - 1},
            )
        else:
            session.execute(text("SELECT setval('tickets_id_seq', :seq)"), {"seq": first - 1})


def directory_of(database_url: str) -> dict[str, tuple[str, list[str], bool]]:
    """The active people by key: name, roles, and whether they registered themselves."""
    with stored_session(database_url) as session:
        people = session.scalars(select(Person).where(Person.active.is_(True)))
        return {
            person.key: (
                person.name,
                sorted(role.role for role in person.roles),
                person.self_registered,
            )
            for person in people
        }


def requester_of(database_url: str, reference: str) -> str:
    """The directory key of the person who raised a ticket."""
    with stored_session(database_url) as session:
        return session.scalars(
            select(Person.key)
            .join(Ticket, Ticket.requester_id == Person.id)
            .where(Ticket.reference == reference)
        ).one()


def outbox_of(database_url: str) -> list[tuple[str, OutboxStatus, int]]:
    """Each intent's platform address kind, status and attempts, oldest first."""
    with stored_session(database_url) as session:
        rows = session.execute(
            select(OutboxIntent.kind, OutboxIntent.status, OutboxIntent.attempts).order_by(
                OutboxIntent.id
            )
        ).all()
        return [(str(row[0]), row[1], row[2]) for row in rows]


def dialogs_of(database_url: str) -> list[tuple[str, str]]:
    """The dialogs in progress: (platform, step) of each."""
    with stored_session(database_url) as session:
        rows = session.execute(select(DialogState.platform, DialogState.step)).all()
        return [(row[0], row[1]) for row in rows]
