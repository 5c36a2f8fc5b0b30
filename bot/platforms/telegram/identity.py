"""Telegram users -> people of the directory, and strangers who register themselves."""

from bot.platforms.telegram.inbound import PLATFORM
from storage.database import Database
from workflows.directory import person_for_identity
from workflows.registration import Newcomer, register_employee
from workflows.unit_of_work import unit_of_work


class Identities:
    """Who a Telegram user is in the directory.

    A user found once is kept for the life of the process, as the Slack adapter keeps its
    users: an identity is only moved by the directory sync from config when a process starts.
    A user not found is looked up again next time, so one who registers is known at once."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._known: dict[int, str] = {}

    def person(self, user_id: int) -> str | None:
        """The directory key of the person with this Telegram user id, if there is one."""
        person = self._known.get(user_id)
        if person is None:
            with unit_of_work(self._db, read_only=True) as session:
                person = person_for_identity(session, PLATFORM, str(user_id))
            if person is not None:
                self._known[user_id] = person
        return person

    def register(self, user_id: int, name: str) -> str | None:
        """The directory key of this Telegram user, who is added (key `tg-<id>`, their
        profile's name) as a self-registered employee if need be; None when config gave that
        key away."""
        newcomer = Newcomer(
            key=f"tg-{user_id}", name=name, platform=PLATFORM, external_id=str(user_id)
        )
        with unit_of_work(self._db) as session:
            return register_employee(session, newcomer)
