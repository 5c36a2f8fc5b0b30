"""Helpers for handlers that hold a persisted multi-step dialog."""

from handlers.events import InboundEvent
from workflows.dialogs import DialogKey


def dialog_key(event: InboundEvent) -> DialogKey:
    """The dialog slot of the event's person in the event's conversation."""
    return DialogKey(event.person, event.place.platform, event.place.conversation)


def choice_value(event: InboundEvent, step: str) -> str | None:
    """The value of a dialog-choice button pressed for `step`, or None for another step's."""
    prefix = f"{step}="
    return event.text.removeprefix(prefix) if event.text.startswith(prefix) else None
