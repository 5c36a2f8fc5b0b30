"""The console chat loop: read a line, act as the chosen person, print what the bot says.

It works on a terminal and with piped input, so a whole session can be scripted; with piped
input each line is echoed after the prompt so the transcript reads like a chat.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import TextIO

from bot.dispatcher import Dispatcher
from bot.platforms.console.inbound import ActAs, NoSuchButton, Nothing, Quit, parse_line
from bot.platforms.console.outbound import ConsoleScreen
from handlers.events import InboundEvent
from handlers.router import Router
from storage.database import Database
from workflows.directory import list_people
from workflows.unit_of_work import unit_of_work
from workflows.views import PersonSummary

BANNER = """\
Deskbot console. You are {name} ({key}). Type /help for commands, /as to change person,
a number to press a button, /quit to leave."""


class ConsoleSession:
    """One terminal chat with the desk."""

    def __init__(
        self,
        *,
        router: Router,
        db: Database,
        dispatcher: Dispatcher,
        screen: ConsoleScreen,
        lines: TextIO,
        interactive: bool,
    ) -> None:
        self._router = router
        self._db = db
        self._dispatcher = dispatcher
        self._screen = screen
        self._lines = lines
        self._interactive = interactive
        self._person = ""
        # Waiting for the next line holds a thread for as long as the person takes: its own,
        # so the few worker threads stay free for the desk's work.
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="console-input")

    async def run(self) -> None:
        """Chat until /quit or the end of input."""
        people = await asyncio.to_thread(self._people)
        self._person = people[0].key
        self._screen.write(BANNER.format(name=people[0].name, key=self._person))
        await self._dispatcher.run_once()
        try:
            while await self._step():
                await self._dispatcher.run_once()
        finally:
            self._reader.shutdown(wait=False, cancel_futures=True)

    async def _step(self) -> bool:
        prompt = f"{self._person}> "
        if self._interactive:
            self._screen.write_prompt(prompt)
        line = await asyncio.get_running_loop().run_in_executor(self._reader, self._lines.readline)
        if not line:
            return False
        if not self._interactive:
            self._screen.write(prompt + line.rstrip("\n"))
        self._screen.next_screen()
        match parse_line(line, self._person, self._screen.buttons):
            case Quit():
                return False
            case ActAs(person=None):
                self._screen.show_people(await asyncio.to_thread(self._people))
            case ActAs(person=str(key)):
                await self._switch(key)
            case NoSuchButton(number=number):
                self._screen.write(f"! There is no button [{number}] on screen.")
            case InboundEvent() as event:
                for reply in await asyncio.to_thread(self._router.handle, event):
                    self._screen.show(reply)
            case Nothing():
                return True
        return True

    async def _switch(self, key: str) -> None:
        people = {person.key: person for person in await asyncio.to_thread(self._people)}
        if key not in people:
            self._screen.write(f"! There is no one called '{key}'. Type /as to list people.")
            return
        self._person = key
        self._screen.write(f"You are now {people[key].name} ({key}).")

    def _people(self) -> list[PersonSummary]:
        with unit_of_work(self._db) as session:
            return list_people(session)
