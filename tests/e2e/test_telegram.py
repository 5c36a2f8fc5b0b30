"""Telegram end to end: the real python-telegram-bot Application against the Bot API double."""

import asyncio

from bot.config import Config
from storage.enums import TicketStatus
from tests.support.clock import ManualClock
from tests.support.telegram_desk import (
    BARRIER,
    NETWORK,
    PEOPLE,
    STRANGER,
    WORKPLACE,
    TelegramDesk,
    bot_api,
    bot_api_running,
    running_bot,
    telegram_config,
)
from tests.support.telegram_scenarios import (
    choose,
    dialogs_of,
    directory_of,
    labels,
    last,
    press,
    raise_access_request,
    raise_incident,
    requester_of,
    run,
    say,
    stored,
    ticket_count,
)
from tests.support.telegram_updates import TgUser

ALICE, BOB = PEOPLE["alice"], PEOPLE["bob"]


def test_a_whole_incident_from_telegram(demo_config: Config, database_url: str) -> None:
    async def scenario(bot: TelegramDesk) -> None:
        await raise_incident(bot)
        private = [m.text for m in bot.api.shown(str(ALICE.id))]
        assert private[0] == "What would you like to raise?"
        # The summary and its question arrive as one message, with the question's buttons.
        assert private[-3].startswith("Your ticket\nIncident about VPN: VPN drops every hour")
        assert "priority P2" in private[-3]
        assert private[-3].endswith("Shall I raise it?")
        assert private[-2].startswith("INC-1 · P2 · VPN drops every hour\nRaised INC-1.")
        assert private[-1].startswith("INC-1 · P2 · VPN drops every hour\nYour incident INC-1")

        card = bot.api.shown(str(NETWORK))[0]
        assert card.text.startswith("INC-1 · P2 · VPN drops every hour\nIt disconnects")
        assert "Status: new" in card.text
        assert labels(card) == ["Acknowledge", "Take", "Escalate"]

        await press(bot, BOB, NETWORK, card, "Acknowledge")
        answered = bot.api.called("answerCallbackQuery")[-1].params
        assert answered["text"] == "INC-1 is now acknowledged."
        assert "Status: acknowledged" in card.text  # edited in place
        assert labels(card) == ["Start work", "Resolve", "Take", "Escalate"]
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

        await press(bot, BOB, NETWORK, card, "Resolve")
        assert "Status: resolved" in card.text
        assert labels(card) == ["Reopen", "Close", "Take"]

    api = run(demo_config, database_url, scenario)

    assert stored(database_url, "INC-1") == (
        TicketStatus.RESOLVED,
        ["raised", "acknowledge", "commented", "resolve"],
        ["Still broken at 10:00"],
    )
    registered = api.called("setMyCommands")[0].params["commands"]
    assert [command["command"] for command in registered] == [
        "new",
        "change",
        "mine",
        "ticket",
        "comment",
        "cancel",
        "help",
    ]


def test_a_forum_group_gets_a_topic_per_ticket_with_its_history(
    demo_config: Config, sqlite_database_url: str
) -> None:
    erin, frank = PEOPLE["erin"], PEOPLE["frank"]

    async def scenario(bot: TelegramDesk) -> None:
        await raise_incident(bot, service="Laptops and peripherals", title="Laptop won't boot")
        (opened,) = bot.api.called("createForumTopic", str(WORKPLACE))
        assert opened.params["name"] == "INC-1 · P2 · Laptop won't boot"
        card = bot.api.shown(str(WORKPLACE))[0]
        topic = card.thread_id
        assert topic is not None
        assert bot.api.topics[str(WORKPLACE)] == {topic: "INC-1 · P2 · Laptop won't boot"}

        await press(bot, erin, WORKPLACE, card, "Acknowledge")
        note = last(bot, WORKPLACE)
        assert (note.thread_id, note.reply_to) == (topic, None)
        assert note.text == "Erin Tanaka acknowledged INC-1 (now acknowledged)."

        await bot.exchange(bot.updates.text(frank, "Swapping the disk", WORKPLACE, topic=topic))
        assert last(bot, WORKPLACE).thread_id == topic
        texts = [m.text for m in bot.api.shown(str(WORKPLACE))]
        assert "Frank Moreau commented: Swapping the disk" in texts
        assert "Added your comment to INC-1." in texts  # answered in the topic, to Frank
        assert all(m.thread_id == topic for m in bot.api.shown(str(WORKPLACE)))

    run(demo_config, sqlite_database_url, scenario)

    assert stored(sqlite_database_url, "INC-1")[2] == ["Swapping the disk"]


def test_in_a_forum_where_the_bot_may_not_open_topics_the_card_goes_to_general(
    demo_config: Config, sqlite_database_url: str
) -> None:
    async def scenario(bot: TelegramDesk) -> None:
        await raise_incident(bot)
        (card,) = bot.api.shown(str(NETWORK))
        assert card.thread_id is None
        await press(bot, BOB, NETWORK, card, "Acknowledge")
        assert last(bot, NETWORK).reply_to == card.message_id

    api = run(demo_config, sqlite_database_url, scenario, api=bot_api(network_forum=True))

    assert len(api.called("createForumTopic")) == 1


def test_an_unknown_user_is_told_how_to_be_added_and_nothing_is_created(
    demo_config: Config, sqlite_database_url: str
) -> None:
    async def scenario(bot: TelegramDesk) -> None:
        await bot.exchange(bot.updates.command(STRANGER, "/new"))
        (answer,) = [m.text for m in bot.api.shown(str(STRANGER.id))][:1]
        assert "I do not know you yet" in answer
        assert f"Telegram id {STRANGER.id}" in answer
        await raise_incident(bot)
        card = bot.api.shown(str(NETWORK))[0]
        await press(bot, STRANGER, NETWORK, card, "Acknowledge")
        refusal = bot.api.called("answerCallbackQuery")[-1].params
        assert refusal["show_alert"] is True
        assert "I do not know you yet" in refusal["text"]

    run(demo_config, sqlite_database_url, scenario)

    assert ticket_count(sqlite_database_url) == 1
    assert stored(sqlite_database_url, "INC-1")[:2] == (TicketStatus.NEW, ["raised"])
    assert dialogs_of(sqlite_database_url) == []
    assert set(directory_of(sqlite_database_url)) == set(PEOPLE)


def test_with_self_registration_a_stranger_writing_privately_becomes_an_employee(
    demo_config: Config, database_url: str
) -> None:
    newcomer = TgUser(STRANGER.id, "Mallory", "Stone\u202e")
    group_stranger = TgUser(9_999_003, "Trudy")

    async def scenario(bot: TelegramDesk) -> None:
        # The barrier `settle` writes as registers too: wait for its first answer.
        await bot.send(bot.updates.command(BARRIER, "/help"))
        await bot.api.wait_for("sendMessage", 1, str(BARRIER.id))

        await say(bot, newcomer, "/start")
        (welcome,) = [m.text for m in bot.api.shown(str(newcomer.id))]
        assert welcome.startswith("Welcome! I have registered you as an employee")
        assert "\n\nHello! I am the service desk. Raise and follow tickets right here." in welcome

        await raise_incident(bot, user=newcomer)
        assert last(bot, newcomer.id).text.startswith("INC-1 · P2 · VPN drops every hour")

        await bot.exchange(bot.updates.command(group_stranger, "/new", NETWORK))
        assert "I do not know you yet" in last(bot, NETWORK).text
        card = bot.api.shown(str(NETWORK))[0]
        await press(bot, group_stranger, NETWORK, card, "Acknowledge")
        assert "I do not know you yet" in bot.api.called("answerCallbackQuery")[-1].params["text"]

    run(demo_config, database_url, scenario, self_registration=True)

    directory = directory_of(database_url)
    assert directory[f"tg-{newcomer.id}"] == ("Mallory Stone", ["employee"], True)
    assert f"tg-{group_stranger.id}" not in directory
    assert requester_of(database_url, "INC-1") == f"tg-{newcomer.id}"


def test_the_raise_dialog_survives_a_restart_of_the_bot(
    demo_config: Config, database_url: str
) -> None:
    api, clock = bot_api(), ManualClock()

    async def main() -> None:
        async with bot_api_running(api):
            config = telegram_config(demo_config, database_url, api, "polling")
            async with running_bot(config, api, clock) as before:
                await say(before, ALICE, "/new")
                await choose(before, ALICE, "Incident")
                await choose(before, ALICE, "VPN")
                await say(before, ALICE, "VPN drops every hour")
                await say(before, ALICE, "It disconnects on the hour")
                assert last(before, ALICE.id).text.startswith("How many people does it affect?")
            async with running_bot(config, api, clock, before.updates) as after:
                # The buttons posted before the restart still work.
                await choose(after, ALICE, "High")
                await choose(after, ALICE, "Medium")
                await choose(after, ALICE, "Raise it")
                raised = after.api.shown(str(ALICE.id))[-2].text
                assert raised.startswith("INC-1 · P2 · VPN drops every hour\nRaised INC-1.")

    asyncio.run(main())

    assert len(api.called("getMe")) == 2
    status, actions, _ = stored(database_url, "INC-1")
    assert (status, actions) == (TicketStatus.NEW, ["raised"])


def test_a_reason_asked_in_the_group_is_answered_by_replying_to_the_question(
    demo_config: Config, sqlite_database_url: str
) -> None:
    async def scenario(bot: TelegramDesk) -> None:
        await raise_incident(bot)
        card = bot.api.shown(str(NETWORK))[0]
        await press(bot, BOB, NETWORK, card, "Acknowledge")
        await press(bot, BOB, NETWORK, card, "Start work")
        await press(bot, BOB, NETWORK, card, "Wait on requester")
        question = last(bot, NETWORK)
        assert question.text == "Wait on requester INC-1: please type the reason (or /cancel)."

        await bot.exchange(bot.updates.text(BOB, "lunch?", NETWORK))  # chatter: ignored
        await bot.exchange(bot.updates.text(BOB, "Need the serial", NETWORK, reply_to=question))
        assert "Status: waiting on requester" in card.text
        assert last(bot, NETWORK).text == (
            "Bob Okafor is waiting on the requester for INC-1 (now waiting on requester). "
            "Reason: Need the serial"
        )
        assert last(bot, ALICE.id).text.endswith("Reason: Need the serial")

    run(demo_config, sqlite_database_url, scenario)

    assert stored(sqlite_database_url, "INC-1")[:2] == (
        TicketStatus.WAITING_ON_REQUESTER,
        ["raised", "acknowledge", "start", "wait"],
    )


def test_following_tickets_with_mine_ticket_and_cancel(
    demo_config: Config, sqlite_database_url: str
) -> None:
    async def scenario(bot: TelegramDesk) -> None:
        await say(bot, ALICE, "/new")
        await say(bot, ALICE, "/cancel")
        assert last(bot, ALICE.id).text == "Cancelled."
        await raise_incident(bot)

        await say(bot, ALICE, "/mine")
        assert last(bot, ALICE.id).text == (
            "Your open tickets\nINC-1 · P2 · new · VPN drops every hour"
        )
        await say(bot, ALICE, "/ticket INC-1")
        shown = last(bot, ALICE.id)
        assert shown.text.startswith("INC-1 · P2 · VPN drops every hour\nIt disconnects")
        assert "Alice Martin: raised -> new" in shown.text
        assert labels(shown) == []  # the requester cannot acknowledge

        await bot.exchange(bot.updates.command(BOB, "/ticket@deskbot_test_bot INC-1", NETWORK))
        in_group = last(bot, NETWORK)
        assert in_group.text.startswith("INC-1 · P2 · VPN drops every hour")
        assert labels(in_group) == ["Acknowledge", "Take", "Escalate"]

    run(demo_config, sqlite_database_url, scenario)

    assert dialogs_of(sqlite_database_url) == []


def test_the_bot_keeps_trying_while_telegram_is_unreachable_at_start(
    demo_config: Config, sqlite_database_url: str
) -> None:
    api = bot_api()
    api.fail("getMe", 502)
    api.fail("getMe", 500)

    async def scenario(bot: TelegramDesk) -> None:
        await say(bot, ALICE, "/start")
        assert "\n\nDeskbot: what you can do" in last(bot, ALICE.id).text

    run(demo_config, sqlite_database_url, scenario, api=api)

    assert len(api.called("getMe")) == 3
    assert len(api.called("setMyCommands")) == 1


def test_new_in_a_group_points_to_a_private_chat_where_the_link_starts_the_dialog(
    demo_config: Config, sqlite_database_url: str
) -> None:
    async def scenario(bot: TelegramDesk) -> None:
        await bot.exchange(bot.updates.command(BOB, "/new", NETWORK))
        pointer = last(bot, NETWORK)
        assert pointer.text.endswith("https://t.me/deskbot_test_bot?start=new")
        assert dialogs_of(sqlite_database_url) == []

        await say(bot, BOB, "/start new")  # what opening that link sends
        assert last(bot, BOB.id).text == "What would you like to raise?"
        assert labels(last(bot, BOB.id)) == [  # Bob is a responder: he may raise changes
            "Incident",
            "Service request",
            "Access request",
            "Change",
        ]

    run(demo_config, sqlite_database_url, scenario)


def test_an_access_request_is_approved_by_the_manager_then_the_owner_in_private_chats(
    demo_config: Config, sqlite_database_url: str
) -> None:
    carol, grace = PEOPLE["carol"], PEOPLE["grace"]

    async def scenario(bot: TelegramDesk) -> None:
        await raise_access_request(bot)  # with no end date
        asked = last(bot, carol.id)
        assert asked.text.startswith(
            "ACC-1 · P5 · Read access to invoices\n"
            "Alice Martin asks for your approval of ACC-1.\n\nFor the quarterly audit"
        )
        assert "Access until: no end date" in asked.text
        assert "Awaiting: the manager's approval" in asked.text
        assert labels(asked) == ["Approve", "Reject"]
        assert bot.api.shown(str(grace.id)) == []  # the owner is asked once the manager approved

        await press(bot, carol, carol.id, asked, "Approve")
        assert "Carol Nguyen approved ACC-1 as the manager." in asked.text  # edited in place
        assert labels(asked) == []
        assert last(bot, carol.id).text.endswith(
            "Your vote is counted; ACC-1 still awaits approval."
        )
        assert last(bot, ALICE.id).text.endswith(
            "The manager approved ACC-1; it now awaits the service owner's approval."
        )

        owner_asked = last(bot, grace.id)
        assert "Awaiting: the service owner's approval" in owner_asked.text
        await press(bot, grace, grace.id, owner_asked, "Approve")
        assert "Grace Hopper approved ACC-1 as the service owner." in owner_asked.text
        assert labels(owner_asked) == []
        assert last(bot, grace.id).text.endswith("ACC-1 is now approved.")
        assert last(bot, ALICE.id).text.endswith("Grace Hopper approved ACC-1 (now approved).")

    run(demo_config, sqlite_database_url, scenario)

    assert stored(sqlite_database_url, "ACC-1")[0] == TicketStatus.APPROVED
