"""Telegram users -> people of the directory, and strangers who register themselves."""

from bot.platforms.telegram.inbound import PLATFORM
from storage.database import Database
from workflows.directory import person_for_identity
from workflows.registration import Newcomer, register_employee
from workflows.unit_of_work import unit_of_work


def person_of(db: Database, user_id: int) -> str | None:
    """The directory key of the person with this Telegram user id, if the directory has one."""
    with unit_of_work(db, read_only=True) as session:
        return person_for_identity(session, PLATFORM, str(user_id))


def register(db: Database, user_id: int, name: str) -> str | None:
    """The directory key of this Telegram user, who is added (key `tg-<id>`, their profile's
    name) as a self-registered employee if need be; None when config gave that key away."""
    newcomer = Newcomer(key=f"tg-{user_id}", name=name, platform=PLATFORM, external_id=str(user_id))
    with unit_of_work(db) as session:
        return register_employee(session, newcomer)
