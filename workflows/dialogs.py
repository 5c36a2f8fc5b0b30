"""Persisted dialog state: a multi-step conversation survives a restart of the bot."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import DialogState, Person
from workflows.directory import load_person


@dataclass(frozen=True)
class Dialog:
    """Which dialog a person is in, at which step, with the answers so far."""

    name: str
    step: str
    data: dict[str, Any]


@dataclass(frozen=True)
class DialogKey:
    """Whose dialog, on which platform, in which conversation."""

    person: str
    platform: str
    conversation: str


def _state(session: Session, key: DialogKey) -> tuple[Person, DialogState | None]:
    person = load_person(session, key.person)
    state = session.scalar(
        select(DialogState).where(
            DialogState.person_id == person.id,
            DialogState.platform == key.platform,
            DialogState.conversation == key.conversation,
        )
    )
    return person, state


def load_dialog(session: Session, key: DialogKey) -> Dialog | None:
    """The dialog in progress, if any."""
    _, state = _state(session, key)
    return Dialog(state.name, state.step, dict(state.data)) if state else None


def save_dialog(session: Session, key: DialogKey, dialog: Dialog, now: datetime) -> None:
    """Store the dialog's step and answers, replacing what was there."""
    person, state = _state(session, key)
    if state is None:
        state = DialogState(
            person_id=person.id, platform=key.platform, conversation=key.conversation
        )
        session.add(state)
    state.name, state.step, state.data, state.updated_at = (
        dialog.name,
        dialog.step,
        dialog.data,
        now,
    )


def end_dialog(session: Session, key: DialogKey) -> bool:
    """Forget the dialog; True if there was one."""
    _, state = _state(session, key)
    if state is None:
        return False
    session.execute(delete(DialogState).where(DialogState.id == state.id))
    return True
