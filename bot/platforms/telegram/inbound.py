"""Telegram updates -> neutral events (pure): commands, text, replies and button presses.

The person is not known here: `Incoming.user_id` is mapped to the directory by the platform.
In a group the bot answers commands, button presses and replies to its own messages only, so
a group's chatter is never taken for a dialog answer. A reply to one of the bot's ticket
messages (a card, a notice, a topic of a forum) is a comment on that ticket.
"""

import re
from dataclasses import dataclass

from telegram import CallbackQuery, Message, MessageEntity, Update

from bot.platforms.telegram.callback_data import CallbackCodec
from handlers.events import DIRECT, EventKind, InboundEvent, Place
from workflows.errors import InvalidInput
from workflows.references import parse_reference

PLATFORM = "telegram"
# Commands that begin a dialog: in a group they answer with a t.me/<bot>?start=<command> link,
# and that link starts them in the private chat.
DIALOG_COMMANDS = frozenset({"new", "change"})
_LEADING_REFERENCE = re.compile(r"^\s*([A-Za-z]{3}-[0-9]{1,12})\b")


@dataclass(frozen=True)
class BotIdentity:
    """Who the bot is (from getMe): to spot replies to it and commands addressed to it."""

    id: int
    username: str


@dataclass(frozen=True)
class Incoming:
    """A neutral event (its person still blank), who sent it (their Telegram id and profile
    name), and where to answer it on Telegram."""

    user_id: int
    user_name: str
    chat_id: int
    private: bool
    event: InboundEvent
    thread_id: int | None = None
    message_id: int | None = None
    callback_id: str | None = None


def parse_update(update: Update, bot: BotIdentity, codec: CallbackCodec) -> Incoming | None:
    """The event an update carries, or None for anything the desk does not act on."""
    if update.callback_query is not None:
        return _press(update.callback_query, codec, str(update.update_id))
    if update.message is not None:
        return _message(update.message, bot, str(update.update_id))
    return None


def _press(query: CallbackQuery, codec: CallbackCodec, delivery: str) -> Incoming | None:
    if query.from_user.is_bot:
        return None
    press = codec.decode(query.data or "")
    message = query.message
    chat_id = message.chat.id if message is not None else query.from_user.id
    private = message is None or message.chat.type == "private"
    name, value = (press.action, press.value) if press is not None else ("", "")
    place = Place(PLATFORM, DIRECT if private else str(chat_id))
    return Incoming(
        user_id=query.from_user.id,
        user_name=query.from_user.full_name,
        chat_id=chat_id,
        private=private,
        event=InboundEvent("", place, EventKind.BUTTON, name, value, delivery),
        thread_id=_thread_of(message) if isinstance(message, Message) else None,
        callback_id=query.id,
    )


def _message(message: Message, bot: BotIdentity, delivery: str) -> Incoming | None:
    sender, text = message.from_user, message.text
    if sender is None or sender.is_bot or text is None:
        return None
    private = message.chat.type == "private"
    ticket = ticket_replied_to(message, bot.id)
    command = bot_command(message, bot.username)
    if command is not None:
        kind, (name, arguments) = EventKind.COMMAND, command
    elif private or ticket is not None or _replies_to(message, bot.id):
        kind, name, arguments = EventKind.TEXT, "", text
    else:
        return None
    place = Place(PLATFORM, DIRECT if private else str(message.chat.id), ticket)
    return Incoming(
        user_id=sender.id,
        user_name=sender.full_name,
        chat_id=message.chat.id,
        private=private,
        event=InboundEvent("", place, kind, name, arguments, delivery),
        thread_id=_thread_of(message),
        message_id=message.message_id,
    )


def bot_command(message: Message, username: str) -> tuple[str, str] | None:
    """`(name, arguments)` of a command at the start of the message addressed to this bot;
    `/start new` (sent by the link a group's /new answers with) is `/new`, and so on for
    each of the DIALOG_COMMANDS."""
    text = message.text or ""
    entity = next(
        (e for e in message.entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0),
        None,
    )
    if entity is None:
        return None
    name, _, addressee = text[1 : entity.length].partition("@")
    if addressee and addressee.lower() != username.lower():
        return None
    arguments = text[entity.length :].strip()
    if name.lower() == "start" and arguments in DIALOG_COMMANDS:
        return arguments, ""  # what the t.me/<bot>?start=<command> link sends
    return name.lower(), arguments


def ticket_replied_to(message: Message, bot_id: int) -> str | None:
    """The ticket of the bot's message this one replies to (a card, a notice, a topic)."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return None
    if replied.forum_topic_created is not None:
        return leading_reference(replied.forum_topic_created.name)
    return leading_reference(replied.text or "")


def leading_reference(text: str) -> str | None:
    """`INC-12` when the text starts with a ticket reference (as every ticket message does)."""
    match = _LEADING_REFERENCE.match(text)
    if match is None:
        return None
    try:
        return str(parse_reference(match.group(1)))
    except InvalidInput:
        return None


def _replies_to(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot_id


def _thread_of(message: Message) -> int | None:
    return message.message_thread_id if message.is_topic_message else None
