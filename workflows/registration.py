"""Self-registration: someone the directory does not know adds themselves, as an employee only.

A platform adapter calls it, when config allows it, with the chat account the person wrote
from. The person is marked self-registered, so directory sync from config keeps them; config
still wins: it may name their key, or give their account to someone it describes.
"""

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.enums import Role
from storage.models import Person, PersonRole, PlatformIdentity
from workflows.directory import person_for_identity

NAME_LIMIT = 100


@dataclass(frozen=True)
class Newcomer:
    """Someone writing from a chat account: the key they get, the name their profile shows."""

    key: str
    name: str
    platform: str
    external_id: str


def register_employee(session: Session, newcomer: Newcomer) -> str | None:
    """The directory key of whoever has the newcomer's account, adding the newcomer as a
    self-registered employee when no one has it; None (and nothing added) when their key
    belongs to someone config describes."""
    known = person_for_identity(session, newcomer.platform, newcomer.external_id)
    if known is not None:
        return known
    try:
        with session.begin_nested():
            return _add(session, newcomer)
    except IntegrityError:  # a concurrent first message of theirs registered them just now
        return person_for_identity(session, newcomer.platform, newcomer.external_id)


def _add(session: Session, newcomer: Newcomer) -> str | None:
    person = session.scalar(select(Person).where(Person.key == newcomer.key))
    if person is None:
        person = Person(key=newcomer.key, self_registered=True)
        session.add(person)
    elif not person.self_registered:
        return None
    # A returning self-registered person (config had taken their account, and let it go).
    person.name, person.active = clean_name(newcomer.name, newcomer.key), True
    person.roles = [PersonRole(role=Role.EMPLOYEE)]
    session.add(
        PlatformIdentity(
            person=person, platform=newcomer.platform, external_id=newcomer.external_id
        )
    )
    session.flush()
    return person.key


def clean_name(raw: str, fallback: str) -> str:
    """A profile name fit for the directory: control characters become spaces, invisible
    ones (direction overrides, zero-width) go, runs of whitespace become one space, and it is
    cut to NAME_LIMIT characters; `fallback` when nothing is left."""
    return " ".join("".join(map(_visible, raw)).split())[:NAME_LIMIT].rstrip() or fallback


def _visible(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Cc":
        return " "
    return "" if category.startswith("C") else char
