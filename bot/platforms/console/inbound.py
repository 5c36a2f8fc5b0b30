"""Console input lines -> neutral events, or the console's own commands (pure)."""

from dataclasses import dataclass

from handlers.events import Button, EventKind, InboundEvent, Place

PLATFORM = "console"


@dataclass(frozen=True)
class ActAs:
    """`/as NAME` (switch person) or `/as` alone (list people)."""

    person: str | None


@dataclass(frozen=True)
class Quit:
    """`/quit`."""


@dataclass(frozen=True)
class Nothing:
    """A blank line."""


@dataclass(frozen=True)
class NoSuchButton:
    """A number that names no button on screen."""

    number: int


ConsoleInput = InboundEvent | ActAs | Quit | Nothing | NoSuchButton


def parse_line(line: str, person: str, buttons: dict[int, Button]) -> ConsoleInput:
    """What a typed line means: a console command, a button press, a command or free text."""
    text = line.strip()
    place = Place(PLATFORM)
    if not text:
        return Nothing()
    if text.isdigit():
        button = buttons.get(int(text))
        if button is None:
            return NoSuchButton(int(text))
        return InboundEvent(person, place, EventKind.BUTTON, button.action, button.value)
    if not text.startswith("/"):
        return InboundEvent(person, place, EventKind.TEXT, text=text)
    name, _, arguments = text[1:].partition(" ")
    if name == "quit":
        return Quit()
    if name == "as":
        return ActAs(arguments.strip().lower() or None)
    return InboundEvent(person, place, EventKind.COMMAND, name.lower(), arguments.strip())
