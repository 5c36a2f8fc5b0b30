"""Runs the outbox right after an update, without holding up the next update.

What an update caused (a card, a DM) goes out at once instead of at the scheduler's next tick,
while the bot already handles the next update. Kicks that come while a run is under way fold
into one more run. The platform kicks after an update whose replies name a ticket (every
change to a ticket answers with it); anything else is delivered by the scheduler's tick.
"""

import asyncio
import logging

from bot.dispatcher import Dispatcher

log = logging.getLogger(__name__)


class Kicker:
    """Starts dispatcher runs in the background, one at a time."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def kick(self) -> None:
        """Deliver what is due now, in the background."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.create_task(self._run())

    async def idle(self) -> None:
        """Wait until the runs started so far are done."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        while True:
            self._again = False
            try:
                await self._dispatcher.run_once()
            except Exception:
                log.exception("delivering the outbox failed; the scheduler's tick retries it")
            if not self._again:
                return
