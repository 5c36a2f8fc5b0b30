"""Telegram updates -> neutral events: the pure translation, on updates as Telegram sends them."""

from typing import Any

from telegram import Bot, Update

from bot.platforms.telegram.callback_data import CallbackCodec
from bot.platforms.telegram.inbound import BotIdentity, Incoming, parse_update
from handlers.events import DIRECT, EventKind, InboundEvent, Place
from tests.support.telegram_desk import NETWORK, PEOPLE, TOKEN
from tests.support.telegram_double import BotApiDouble, Posted
from tests.support.telegram_updates import TgUser, Updates

API = BotApiDouble(TOKEN, topics={str(NETWORK): {77: "INC-12 · P2 · VPN drops"}})
ME = BotIdentity(API.bot_id, API.username)
CODEC = CallbackCodec(TOKEN)
ALICE, BOB = PEOPLE["alice"], PEOPLE["bob"]
GROUP = str(NETWORK)


def parse(update: dict[str, Any]) -> Incoming | None:
    return parse_update(Update.de_json(update, Bot(TOKEN)), ME, CODEC)


def event(update: dict[str, Any]) -> InboundEvent:
    incoming = parse(update)
    assert incoming is not None
    return incoming.event


def bot_message(text: str, thread: int | None = None) -> Posted:
    return Posted(300, "", text, [], thread, None)


def test_a_command_in_a_private_chat() -> None:
    update = Updates(API).command(ALICE, "/ticket INC-12")

    incoming = parse(update)

    assert incoming == Incoming(
        user_id=ALICE.id,
        user_name="Alice",
        chat_id=ALICE.id,
        private=True,
        event=InboundEvent(
            "", Place("telegram", DIRECT), EventKind.COMMAND, "ticket", "INC-12", "1"
        ),
        message_id=update["message"]["message_id"],
    )


def test_a_command_addressed_to_this_bot_or_to_another_one_in_a_group() -> None:
    updates = Updates(API)

    ours = event(updates.command(BOB, f"/mine@{API.username}", NETWORK))
    theirs = parse(updates.command(BOB, "/mine@some_other_bot", NETWORK))

    assert (ours.kind, ours.name, ours.place.conversation) == (EventKind.COMMAND, "mine", GROUP)
    assert theirs is None


def test_group_chatter_is_ignored_but_a_reply_to_the_bot_is_an_answer() -> None:
    updates = Updates(API)

    chatter = parse(updates.text(BOB, "lunch?", NETWORK))
    answer = event(updates.text(BOB, "user on leave", NETWORK, reply_to=bot_message("Reason?")))

    assert chatter is None
    assert (answer.kind, answer.text, answer.place) == (
        EventKind.TEXT,
        "user on leave",
        Place("telegram", GROUP),
    )


def test_a_reply_to_a_ticket_message_of_the_bot_is_about_that_ticket() -> None:
    updates = Updates(API)
    card = bot_message("INC-12 · P2 · VPN drops\nStatus: new")

    in_group = event(updates.text(BOB, "on it", NETWORK, reply_to=card))
    in_private = event(updates.text(ALICE, "still broken", reply_to=card))

    assert in_group.place == Place("telegram", GROUP, "INC-12")
    assert in_private.place == Place("telegram", DIRECT, "INC-12")


def test_a_message_in_a_tickets_forum_topic_is_about_that_ticket() -> None:
    incoming = parse(Updates(API).text(BOB, "swapping the disk", NETWORK, topic=77))

    assert incoming is not None
    assert incoming.thread_id == 77
    assert incoming.event.place == Place("telegram", GROUP, "INC-12")


def test_a_reply_to_someone_elses_message_names_no_ticket() -> None:
    update = Updates(API).text(ALICE, "INC-12 is mine too", reply_to=bot_message("INC-12 · x"))
    update["message"]["reply_to_message"]["from"] = BOB.json()

    assert event(update).place == Place("telegram", DIRECT)


def test_a_button_press_carries_the_buttons_action_and_value() -> None:
    card = bot_message("INC-12 · P2")
    data = CODEC.encode("ticket:acknowledge", "INC-12")

    incoming = parse(Updates(API).press(BOB, NETWORK, card, data))

    assert incoming is not None
    assert incoming.callback_id is not None
    assert (incoming.chat_id, incoming.private) == (NETWORK, False)
    assert (incoming.event.kind, incoming.event.name, incoming.event.text) == (
        EventKind.BUTTON,
        "ticket:acknowledge",
        "INC-12",
    )


def test_a_forged_press_becomes_a_button_no_handler_knows() -> None:
    forged = event(Updates(API).press(BOB, NETWORK, bot_message("x"), "tacknowledge INC-12"))

    assert (forged.kind, forged.name, forged.text) == (EventKind.BUTTON, "", "")


def test_what_bots_send_and_what_is_not_text_is_ignored() -> None:
    updates = Updates(API)
    from_a_bot = updates.command(TgUser(5, "OtherBot"), "/new")
    from_a_bot["message"]["from"]["is_bot"] = True
    a_photo = updates.text(ALICE, "caption")
    del a_photo["message"]["text"]

    assert parse(from_a_bot) is None
    assert parse(a_photo) is None


def test_the_start_links_for_raising_are_the_new_and_change_commands() -> None:
    updates = Updates(API)
    started = event(updates.command(ALICE, "/start new"))
    changing = event(updates.command(ALICE, "/start change"))
    greeted = event(updates.command(ALICE, "/start"))
    unknown = event(updates.command(ALICE, "/start mine"))

    assert (started.name, started.text) == ("new", "")
    assert (changing.name, changing.text) == ("change", "")
    assert (greeted.name, greeted.text) == ("start", "")
    assert (unknown.name, unknown.text) == ("start", "mine")
