"""Persisted dialog state: a multi-step conversation survives a restart of the bot."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from storage.database import execute_prebuilt
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


# Built once (with bind parameters): these run on every message of every dialog.
_SLOT = (
    DialogState.person_id
    == select(Person.id).where(Person.key == bindparam("slot_person")).scalar_subquery(),
    DialogState.platform == bindparam("slot_platform"),
    DialogState.conversation == bindparam("slot_conversation"),
)
_LOAD = select(DialogState.name, DialogState.step, DialogState.data).where(*_SLOT)
_UPDATE = (
    update(DialogState)
    .where(*_SLOT)
    .values(
        name=bindparam("new_name"),
        step=bindparam("new_step"),
        data=bindparam("new_data", type_=DialogState.data.type),
        updated_at=bindparam("new_updated_at", type_=DialogState.updated_at.type),
    )
)
_DELETE = delete(DialogState).where(*_SLOT)


def _slot(key: DialogKey) -> dict[str, str]:
    return {
        "slot_person": key.person,
        "slot_platform": key.platform,
        "slot_conversation": key.conversation,
    }


def load_dialog(session: Session, key: DialogKey) -> Dialog | None:
    """The dialog in progress, if any."""
    row = execute_prebuilt(session, _LOAD, _slot(key)).one_or_none()
    return Dialog(row.name, row.step, dict(row.data)) if row else None


def save_dialog(session: Session, key: DialogKey, dialog: Dialog, now: datetime) -> None:
    """Store the dialog's step and answers, replacing what was there."""
    changes = {"new_name": dialog.name, "new_step": dialog.step, "new_data": dialog.data}
    result = execute_prebuilt(session, _UPDATE, {**_slot(key), **changes, "new_updated_at": now})
    if result.rowcount == 0:
        person = load_person(session, key.person)
        session.add(
            DialogState(
                person_id=person.id,
                platform=key.platform,
                conversation=key.conversation,
                name=dialog.name,
                step=dialog.step,
                data=dialog.data,
                updated_at=now,
            )
        )
        session.flush()


def end_dialog(session: Session, key: DialogKey) -> bool:
    """Forget the dialog; True if there was one."""
    return execute_prebuilt(session, _DELETE, _slot(key)).rowcount > 0
