"""The neutral vocabulary between platform adapters and handlers.

Adapters turn platform payloads into an InboundEvent (who, where, what) and render each Reply
(text, fields, buttons) in their platform's markup. Platform user ids never get past an adapter:
`person` is a directory key. Text is plain and unescaped; renderers escape it.
"""

from dataclasses import dataclass
from enum import StrEnum

DIRECT = "direct"


class EventKind(StrEnum):
    """What the person did."""

    COMMAND = "command"
    TEXT = "text"
    BUTTON = "button"


@dataclass(frozen=True)
class Place:
    """Where it happened: the platform, a conversation key, and the ticket whose thread it is."""

    platform: str
    conversation: str = DIRECT
    ticket: str | None = None


@dataclass(frozen=True)
class InboundEvent:
    """A command (`name` without slash, `text` its arguments), free text, or a button press
    (`name` the button's action, `text` its value). `delivery_id` de-duplicates retries."""

    person: str
    place: Place
    kind: EventKind
    name: str = ""
    text: str = ""
    delivery_id: str | None = None


@dataclass(frozen=True)
class Button:
    """A button: `action` and `value` come back in the press event."""

    label: str
    action: str
    value: str


@dataclass(frozen=True)
class Field:
    """A labelled value shown beside others."""

    label: str
    value: str


@dataclass(frozen=True)
class Reply:
    """Something the bot says: a title, text, fields and buttons.

    `ticket` names the ticket it concerns (platforms thread it there); `private` asks for an
    ephemeral reply where the platform has them; `problem` marks a refusal or an error.
    """

    text: str = ""
    title: str = ""
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    ticket: str | None = None
    private: bool = False
    problem: bool = False


def problem(text: str) -> Reply:
    """A refusal or error, shown only to the person who caused it."""
    return Reply(text=text, private=True, problem=True)
