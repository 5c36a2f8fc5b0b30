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
    FORM_CHANGE = "form_change"
    FORM_SUBMIT = "form_submit"


@dataclass(frozen=True)
class Place:
    """Where it happened: the platform, a conversation key, and the ticket whose thread it is.

    `forms` says the platform shows forms (Slack's modals): handlers then offer a form where
    other platforms walk a dialog.
    """

    platform: str
    conversation: str = DIRECT
    ticket: str | None = None
    forms: bool = False


@dataclass(frozen=True)
class InboundEvent:
    """A command (`name` without slash, `text` its arguments), free text, a button press
    (`name` the button's action, `text` its value), or a form changed or submitted (`name` the
    form, `values` its inputs by name). `delivery_id` de-duplicates retries."""

    person: str
    place: Place
    kind: EventKind
    name: str = ""
    text: str = ""
    delivery_id: str | None = None
    values: tuple[tuple[str, str], ...] = ()


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
class Choice:
    """One option of a choice input."""

    value: str
    label: str


@dataclass(frozen=True)
class Input:
    """One input of a form: free text (up to `max_length`) or, with `choices`, a choice.

    `updates_form` asks the platform to send a FORM_CHANGE as soon as it is chosen.
    """

    name: str
    label: str
    choices: tuple[Choice, ...] = ()
    initial: str = ""
    max_length: int = 0
    multiline: bool = False
    required: bool = True
    updates_form: bool = False


@dataclass(frozen=True)
class Form:
    """A form to open (or to update in place): inputs, a submit label and a note under them."""

    name: str
    title: str
    submit: str
    inputs: tuple[Input, ...]
    note: str = ""


@dataclass(frozen=True)
class InputError:
    """Why the value of one input of a submitted form was refused."""

    input: str
    message: str


@dataclass(frozen=True)
class Reply:
    """Something the bot says: a title, text, fields and buttons.

    `ticket` names the ticket it concerns (platforms thread it there); `private` asks for an
    ephemeral reply where the platform has them; `problem` marks a refusal or an error. `form`
    is a form to open (or update); `input_errors` refuse a submitted form, input by input.
    """

    text: str = ""
    title: str = ""
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    ticket: str | None = None
    private: bool = False
    problem: bool = False
    form: Form | None = None
    input_errors: tuple[InputError, ...] = ()


def problem(text: str) -> Reply:
    """A refusal or error, shown only to the person who caused it."""
    return Reply(text=text, private=True, problem=True)
