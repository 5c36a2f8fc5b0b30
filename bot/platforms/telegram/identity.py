"""Telegram users -> people of the directory."""

from bot.platforms.telegram.inbound import PLATFORM
from storage.database import Database
from workflows.directory import person_for_identity
from workflows.unit_of_work import unit_of_work


def person_of(db: Database, user_id: int) -> str | None:
    """The directory key of the person with this Telegram user id, if the directory has one."""
    with unit_of_work(db) as session:
        return person_for_identity(session, PLATFORM, str(user_id))
