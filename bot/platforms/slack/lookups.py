"""The two database look-ups the Slack adapter makes: who a Slack user is, and which ticket
a thread belongs to. Both run in a worker thread, off the event loop.

Who a Slack user is comes from config, synced into the directory when the process starts and
not changed while it runs, so each answer is kept for the life of the process.
"""

import asyncio

from bot.platforms.slack.ids import PLATFORM, message_id
from storage.database import Database
from workflows.chat_messages import ticket_for_message
from workflows.directory import person_for_identity
from workflows.unit_of_work import unit_of_work


class Lookups:
    """Directory and thread look-ups on the desk's database."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._people: dict[str, str | None] = {}

    async def person(self, user_id: str | None) -> str | None:
        """The directory key of the Slack user, if they are in the directory."""
        if not user_id:
            return None
        if user_id not in self._people:
            self._people[user_id] = await asyncio.to_thread(self._person, user_id)
        return self._people[user_id]

    async def ticket(self, channel: str, thread_ts: str) -> str | None:
        """The reference of the ticket whose card or DM thread starts at `thread_ts`."""
        return await asyncio.to_thread(self._ticket, message_id(channel, thread_ts))

    def _person(self, user_id: str) -> str | None:
        with unit_of_work(self._db) as session:
            return person_for_identity(session, PLATFORM, user_id)

    def _ticket(self, stored_id: str) -> str | None:
        with unit_of_work(self._db) as session:
            return ticket_for_message(session, PLATFORM, stored_id)
