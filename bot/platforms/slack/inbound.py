"""Slack payloads -> neutral events (pure): tiny predicates, then one translation each.

The person (a directory key) and a thread's ticket are looked up by the caller; everything
here only reads the payload. Typed text reaches handlers as typed: Slack's entities in
message and command text are undone here (and the renderer escapes it again on the way out).
"""

import json
from typing import Any

from bot.platforms.slack.ids import PLATFORM
from bot.platforms.slack.outbound import INPUT_MAX, action_name
from bot.platforms.slack.text import cut, unescape
from handlers.events import DIRECT, EventKind, InboundEvent, Place
from workflows.errors import InvalidInput
from workflows.references import parse_reference

Body = dict[str, Any]
SUBCOMMANDS = frozenset({"mine", "help", "cancel"})
CHANGE = "change"
# Commands about the typed dialog: it runs in the person's DM with the bot, the one place
# outside a ticket's thread where Slack sends the bot what they type.
IN_DIRECT = frozenset({CHANGE, "cancel"})
SHORTCUT = "raise_from_message"
PERSON_SUBTYPES = frozenset({"", "file_share", "thread_broadcast"})


def place(channel: str | None, ticket: str | None = None) -> Place:
    """Where on Slack: a channel id, or `DIRECT` for the person's DM with the bot (whichever
    id Slack gives it, or none), and the ticket whose thread it is."""
    conversation = DIRECT if channel is None or is_direct_conversation(channel) else channel
    return Place(PLATFORM, conversation, ticket, forms=True)


def ticket_command(text: str) -> tuple[str, str]:
    """`/ticket …` as a neutral command: `mine`, `help`, `cancel`, `INC-12`,
    `change [title]`, or a raise."""
    words = text.strip()
    if words.lower() in SUBCOMMANDS:
        return words.lower(), ""
    if _is_reference(words):
        return "ticket", words
    first, *rest = words.split(maxsplit=1) or [""]
    if first.lower() == CHANGE:
        return CHANGE, "".join(rest)
    return "new", words


def command_event(body: Body, person: str) -> InboundEvent:
    """A `/ticket` slash command; one about the typed dialog is placed in the DM with the bot."""
    name, text = ticket_command(unescape(body.get("text") or ""))
    channel = None if name in IN_DIRECT else body.get("channel_id")
    return InboundEvent(person, place(channel), EventKind.COMMAND, name, text)


def answer_channel(event: InboundEvent, user: str, channel: str | None) -> str | None:
    """Where to answer `event`: where the person acted, or their DM with the bot (Slack takes
    their user id for it) when the event was placed there from a channel."""
    return user if event.place.conversation == DIRECT else channel


def shortcut_event(body: Body, person: str, permalink: str) -> InboundEvent:
    """The message shortcut: a raise prefilled with the message and a link to it."""
    link = f"\n\nFrom Slack: {permalink}"
    message = unescape(body["message"].get("text") or "")
    text = cut(message, INPUT_MAX - len(link), "(cut)") + link
    channel = body.get("channel", {}).get("id")
    return InboundEvent(person, place(channel), EventKind.COMMAND, "new", text)


def is_view_action(body: Body) -> bool:
    """Whether a block action happened inside a modal (a form input changed)."""
    return body.get("container", {}).get("type") == "view" and "view" in body


def action_event(body: Body, person: str) -> InboundEvent:
    """A button press, or a form input that asks to update its form."""
    if is_view_action(body):
        view = body["view"]
        return InboundEvent(
            person,
            place(None),
            EventKind.FORM_CHANGE,
            view.get("callback_id", ""),
            values=form_values(view),
        )
    action = body["actions"][0]
    channel = body.get("channel", {}).get("id")
    name = action_name(action.get("action_id", ""))
    return InboundEvent(person, place(channel), EventKind.BUTTON, name, action.get("value", ""))


def submission_event(body: Body, person: str) -> InboundEvent:
    """A submitted modal."""
    view = body["view"]
    return InboundEvent(
        person,
        place(metadata_channel(view.get("private_metadata", ""))),
        EventKind.FORM_SUBMIT,
        view.get("callback_id", ""),
        values=form_values(view),
    )


def form_values(view: Body) -> tuple[tuple[str, str], ...]:
    """The inputs of a modal by name: typed text, or the chosen option's value."""
    values: list[tuple[str, str]] = []
    for actions in view.get("state", {}).get("values", {}).values():
        for name, state in actions.items():
            chosen = state.get("selected_option") or {}
            values.append((name, state.get("value") or chosen.get("value") or ""))
    return tuple(values)


def form_metadata(channel: str | None) -> str:
    """What a modal carries back: the channel it was opened from, to answer there."""
    return json.dumps({"channel": channel}) if channel else ""


def metadata_channel(metadata: str) -> str | None:
    """The channel a modal was opened from, if it said."""
    try:
        channel = json.loads(metadata).get("channel") if metadata else None
    except (ValueError, AttributeError):
        return None
    return channel if isinstance(channel, str) else None


def is_person_message(event: Body) -> bool:
    """A message a person wrote: plain, with files, or a thread reply also sent to the
    channel (not an edit, a join or a bot's post)."""
    return (
        event.get("type") == "message"
        and event.get("subtype", "") in PERSON_SUBTYPES
        and "bot_id" not in event
    )


def thread_root(event: Body) -> str | None:
    """The ts of the thread a message replies in, if it is a reply."""
    root = event.get("thread_ts")
    return root if isinstance(root, str) and root != event.get("ts") else None


def is_direct(event: Body) -> bool:
    """Whether a message was sent to the bot directly."""
    return event.get("channel_type") == "im"


def is_direct_conversation(conversation: str) -> bool:
    """Whether a neutral conversation key is the person's DM with the bot (or unknown)."""
    return conversation == DIRECT or conversation.startswith(("D", "U"))


def message_event(body: Body, person: str, ticket: str | None) -> InboundEvent:
    """A message: a comment when it replies in a ticket's thread, else free text."""
    event = body["event"]
    return InboundEvent(
        person,
        place(event.get("channel"), ticket),
        EventKind.TEXT,
        text=unescape(event.get("text") or ""),
        delivery_id=body.get("event_id"),
    )


def home_event(person: str) -> InboundEvent:
    """The App Home tab was opened."""
    return InboundEvent(person, place(None), EventKind.COMMAND, "home")


def _is_reference(text: str) -> bool:
    try:
        parse_reference(text)
    except InvalidInput:
        return False
    return True
