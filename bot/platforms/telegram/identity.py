"""Telegram users -> people of the directory; a stranger is told how to be added."""

from bot.platforms.telegram.inbound import PLATFORM
from handlers.events import Reply
from storage.database import Database
from workflows.directory import person_for_identity
from workflows.unit_of_work import unit_of_work


def person_of(db: Database, user_id: int) -> str | None:
    """The directory key of the person with this Telegram user id, if the directory has one."""
    with unit_of_work(db) as session:
        return person_for_identity(session, PLATFORM, str(user_id))


def stranger_reply(user_id: int) -> Reply:
    """What someone the directory does not know is told; nothing is created for them."""
    return Reply(
        text=(
            "Hello! I do not know you yet, so I cannot raise or show tickets for you. "
            "Ask your service desk's admins to add you to the directory with your "
            f"Telegram id {user_id} (the telegram key of your entry under people)."
        ),
        private=True,
        problem=True,
    )
