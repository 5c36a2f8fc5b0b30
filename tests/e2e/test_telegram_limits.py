"""Telegram's limits end to end: forged presses, 64-byte callback_data, 4,096 characters,
HTML in user text, and flood-limit or server-error answers retried by the outbox."""

from datetime import timedelta

from sqlalchemy import select

from bot.config import Config
from bot.platforms.telegram.callback_data import CallbackCodec
from bot.platforms.telegram.flood import PER_CHAT_BURST
from storage.enums import OutboxStatus, TicketStatus
from storage.models import OutboxIntent, Ticket
from tests.support.clock import ManualClock
from tests.support.telegram_desk import NETWORK, PEOPLE, TOKEN, TelegramDesk
from tests.support.telegram_scenarios import (
    data_of,
    labels,
    last,
    number_tickets_from,
    outbox_of,
    press,
    raise_incident,
    run,
    stored,
    stored_session,
)
from tests.support.telegram_updates import TgUser

ALICE, BOB, ERIN = PEOPLE["alice"], PEOPLE["bob"], PEOPLE["erin"]


def card_of(bot: TelegramDesk) -> str:
    """The network group's card, as HTML, to compare before and after a refused press."""
    return bot.api.shown(str(NETWORK))[0].html


async def refused(bot: TelegramDesk, user: TgUser, data: str) -> str:
    """`user` presses the card with callback_data `data`; the alert the press was answered with."""
    card = bot.api.shown(str(NETWORK))[0]
    await bot.exchange(bot.updates.press(user, NETWORK, card, data))
    answer = bot.api.called("answerCallbackQuery")[-1].params
    assert answer["show_alert"] is True
    return str(answer["text"])


def test_forged_presses_are_refused_on_the_button_and_change_nothing(
    demo_config: Config, database_url: str
) -> None:
    codec = CallbackCodec(TOKEN)

    async def scenario(bot: TelegramDesk) -> None:
        await raise_incident(bot)
        before, group_messages = card_of(bot), len(bot.api.shown(str(NETWORK)))
        acknowledge = data_of(bot.api.shown(str(NETWORK))[0], "Acknowledge")

        made_up = codec.encode("ticket:acknowledge", "INC-4242424")
        assert await refused(bot, BOB, made_up) == "No such ticket: INC-4242424."
        tampered = acknowledge.replace("INC-1", "INC-2")
        assert "not one I recognise" in await refused(bot, BOB, tampered)
        assert await refused(bot, ERIN, acknowledge) == (
            "Only the team that owns this ticket can acknowledge it."
        )

        assert card_of(bot) == before
        assert len(bot.api.shown(str(NETWORK))) == group_messages

    run(demo_config, database_url, scenario)

    assert stored(database_url, "INC-1")[:2] == (TicketStatus.NEW, ["raised"])


def test_callback_data_fits_64_bytes_for_ticket_numbers_in_the_millions(
    demo_config: Config, sqlite_database_url: str
) -> None:
    number_tickets_from(sqlite_database_url, 7_654_321)

    async def scenario(bot: TelegramDesk) -> None:
        await raise_incident(bot)
        card = bot.api.shown(str(NETWORK))[0]
        assert card.text.startswith("INC-7654321 · P2")
        for row in card.keyboard:
            for button in row:
                assert len(button["callback_data"].encode()) <= 64
        await press(bot, BOB, NETWORK, card, "Acknowledge")
        assert labels(card) == ["Start work", "Resolve", "Take", "Escalate"]

    run(demo_config, sqlite_database_url, scenario)

    assert stored(sqlite_database_url, "INC-7654321")[0] == TicketStatus.ACKNOWLEDGED


def test_a_10000_character_description_is_cut_visibly_to_fit_a_message(
    demo_config: Config, sqlite_database_url: str
) -> None:
    description = ("The VPN client logs 'tunnel reset' & retries. " * 250)[:10_000]

    async def scenario(bot: TelegramDesk) -> None:
        await raise_incident(bot, description=description)
        card = bot.api.shown(str(NETWORK))[0]
        assert len(card.text) <= 4096
        assert card.text.startswith("INC-1 · P2 · VPN drops every hour\nThe VPN client logs")
        assert "more characters]" in card.text
        assert "Status: new" in card.text  # the fields after the cut text are all there
        # The cut summary fills a message: its question comes apart, not joined to it.
        summary, question = [m.text for m in bot.api.shown(str(ALICE.id))][-4:-2]
        assert summary.startswith("Your ticket") and "more characters]" in summary
        assert len(summary) <= 4096
        assert question == "Shall I raise it?"

    run(demo_config, sqlite_database_url, scenario)

    with stored_session(sqlite_database_url) as session:
        assert session.scalars(select(Ticket.description)).one() == description.strip()


def test_html_in_a_title_is_shown_as_typed_and_formats_nothing(
    demo_config: Config, sqlite_database_url: str
) -> None:
    title = '<b>Free pizza</b> & <a href="https://evil.example">click</a>'

    async def scenario(bot: TelegramDesk) -> None:
        await raise_incident(bot, title=title)
        card = bot.api.shown(str(NETWORK))[0]
        assert card.text.startswith(f"INC-1 · P2 · {title}\n")
        assert "&lt;b&gt;Free pizza&lt;/b&gt; &amp; &lt;a href=" in card.html
        assert bot.api.called("createForumTopic") == []
        confirmation = bot.api.shown(str(ALICE.id))[-2]
        assert confirmation.text.startswith(f"INC-1 · P2 · {title}\nRaised INC-1.")

    run(demo_config, sqlite_database_url, scenario)


def test_a_flood_limit_answer_is_waited_out_and_nothing_is_lost(
    demo_config: Config, sqlite_database_url: str
) -> None:
    clock = ManualClock()

    async def scenario(bot: TelegramDesk) -> None:
        bot.api.fail("sendMessage", 429, retry_after=30, chat=NETWORK)
        await raise_incident(bot)
        assert bot.api.shown(str(NETWORK)) == []  # the card hit the flood limit
        assert last(bot, ALICE.id).text.startswith("INC-1 · P2 · VPN drops every hour\nYour")

        clock.advance(timedelta(seconds=29))
        assert await bot.deliver() == 0
        clock.advance(timedelta(seconds=2))
        assert await bot.deliver() == 1
        (card,) = bot.api.shown(str(NETWORK))
        assert labels(card) == ["Acknowledge", "Take", "Escalate"]

        # Telegram unwell: the edit of the card fails twice, then goes through.
        bot.api.fail("editMessageText", 500, chat=NETWORK)
        bot.api.fail("editMessageText", 500, chat=NETWORK)
        await press(bot, BOB, NETWORK, card, "Acknowledge")
        assert labels(card) == ["Acknowledge", "Take", "Escalate"]
        clock.advance(timedelta(seconds=2))
        await bot.deliver()
        assert labels(card) == ["Acknowledge", "Take", "Escalate"]
        clock.advance(timedelta(seconds=4))
        await bot.deliver()
        assert labels(card) == ["Start work", "Resolve", "Take", "Escalate"]
        assert last(bot, NETWORK).text == "Bob Okafor acknowledged INC-1 (now acknowledged)."

    run(demo_config, sqlite_database_url, scenario, clock=clock)

    assert [status for _, status, _ in outbox_of(sqlite_database_url)] == [
        OutboxStatus.DELIVERED
    ] * 5
    assert [attempts for _, _, attempts in outbox_of(sqlite_database_url)] == [2, 1, 3, 1, 1]


def test_a_group_that_moved_to_a_new_id_is_reported_not_retried(
    demo_config: Config, sqlite_database_url: str
) -> None:
    clock = ManualClock()

    async def scenario(bot: TelegramDesk) -> None:
        bot.api.fail("sendMessage", 400, chat=NETWORK, migrate_to=-1009999999999)
        await raise_incident(bot)
        clock.advance(timedelta(hours=1))
        assert await bot.deliver() == 0
        assert bot.api.shown(str(NETWORK)) == []

    run(demo_config, sqlite_database_url, scenario, clock=clock)

    with stored_session(sqlite_database_url) as session:
        card = session.scalars(select(OutboxIntent).order_by(OutboxIntent.id)).first()
        assert card is not None
        assert (card.status, card.attempts) == (OutboxStatus.DEAD, 1)
        assert card.last_error == (
            "the group became supergroup -1009999999999: put that id in the config"
        )


def test_one_chat_gets_a_burst_then_about_one_message_a_second(
    demo_config: Config, sqlite_database_url: str
) -> None:
    async def scenario(bot: TelegramDesk) -> None:
        for _ in range(PER_CHAT_BURST + 3):
            await bot.send(bot.updates.command(ALICE, "/help"))
        await bot.settle()

    api = run(demo_config, sqlite_database_url, scenario)

    sent = [call.at for call in api.called("sendMessage", str(ALICE.id))]
    assert len(sent) == PER_CHAT_BURST + 3
    assert sent[PER_CHAT_BURST] - sent[0] >= 0.9
    assert sent[-1] - sent[0] >= 2.9
