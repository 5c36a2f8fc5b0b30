"""The console platform as the composition root runs it: a screen, a sender and a session."""

import sys
from typing import TYPE_CHECKING, TextIO

from bot.platforms.base import Sender
from bot.platforms.console.outbound import ConsoleScreen
from bot.platforms.console.sender import ConsoleSender
from bot.platforms.console.session import ConsoleSession

if TYPE_CHECKING:
    from bot.app import Desk


class ConsolePlatform:
    """A terminal chat on `lines` (standard input by default) that ends at /quit or end of input."""

    def __init__(self, lines: TextIO = sys.stdin, output: TextIO = sys.stdout) -> None:
        self._lines = lines
        self._screen = ConsoleScreen(output)
        self.sender: Sender = ConsoleSender(self._screen)

    async def serve(self, desk: "Desk") -> None:
        """Chat until /quit or the end of input."""
        session = ConsoleSession(
            router=desk.router,
            db=desk.db,
            dispatcher=desk.dispatcher,
            screen=self._screen,
            lines=self._lines,
            interactive=self._lines.isatty(),
        )
        await session.run()
