"""Persisted dialog state: a multi-step conversation survives a restart of the bot.

An answer takes its dialog out of the store (one statement, the last step's only one); the
handler saves it again when the conversation goes on. Two answers at the same moment cannot
both go on with the same step: the second finds nothing to take (on PostgreSQL it waits for
the first, whose saved dialog is a new row it cannot see; a later statement can).
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Insert, Row, Table, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
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
_TAKE = (
    delete(DialogState)
    .where(*_SLOT)
    .returning(DialogState.name, DialogState.step, DialogState.data)
)
_DELETE = delete(DialogState).where(*_SLOT)


@cache
def _upsert(dialect: str) -> Insert:
    """Insert the dialog, or replace the one in its slot, in one statement (none for an
    unknown person: the select finds no one). Built once per dialect; the rowcount of an
    INSERT is kept only when asked for."""
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, DialogState.__table__)
    row = select(
        Person.id,
        bindparam("slot_platform"),
        bindparam("slot_conversation"),
        bindparam("new_name"),
        bindparam("new_step"),
        bindparam("new_data", type_=DialogState.data.type),
        bindparam("new_updated_at", type_=DialogState.updated_at.type),
    ).where(Person.key == bindparam("slot_person"), Person.active.is_(True))
    columns = ["person_id", "platform", "conversation", "name", "step", "data", "updated_at"]
    statement = dialect_insert(table).from_select(columns, row)
    replaced = {column: statement.excluded[column] for column in columns[3:]}
    return statement.on_conflict_do_update(
        index_elements=["person_id", "platform", "conversation"], set_=replaced
    ).execution_options(preserve_rowcount=True)


def _slot(key: DialogKey) -> dict[str, str]:
    return {
        "slot_person": key.person,
        "slot_platform": key.platform,
        "slot_conversation": key.conversation,
    }


def _dialog(row: Row[Any] | None) -> Dialog | None:
    return Dialog(row.name, row.step, dict(row.data)) if row else None


def load_dialog(session: Session, key: DialogKey) -> Dialog | None:
    """The dialog in progress, if any, left in the store."""
    return _dialog(execute_prebuilt(session, _LOAD, _slot(key)).one_or_none())


def take_dialog(session: Session, key: DialogKey) -> Dialog | None:
    """The dialog in progress, if any, taken out of the store: save it to go on with it."""
    return _dialog(execute_prebuilt(session, _TAKE, _slot(key)).one_or_none())


def save_dialog(session: Session, key: DialogKey, dialog: Dialog, now: datetime) -> None:
    """Store the dialog's step and answers, replacing what was there; NotFound for someone
    not in the directory."""
    changes = {"new_name": dialog.name, "new_step": dialog.step, "new_data": dialog.data}
    statement = _upsert(session.connection().dialect.name)
    result = execute_prebuilt(session, statement, {**_slot(key), **changes, "new_updated_at": now})
    if result.rowcount == 0:
        load_person(session, key.person)  # says who is missing


def end_dialog(session: Session, key: DialogKey) -> bool:
    """Forget the dialog; True if there was one.

    Looks twice: on PostgreSQL a delete that waited for an answer under way cannot see the
    dialog that answer saved again (a new row, after the delete's snapshot); a second
    statement, with a new snapshot, can."""
    ended = execute_prebuilt(session, _DELETE, _slot(key)).rowcount > 0
    return ended or execute_prebuilt(session, _DELETE, _slot(key)).rowcount > 0
