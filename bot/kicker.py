"""Deliver soon after a change: what an inbound event caused (a card, a DM) goes out right
after it rather than at the scheduler's next tick, while the platform handles the next event.

One dispatcher run at a time. Kicks during a run coalesce into one more run after `pause`: a
burst's changes then go out together, and since a card is rendered from the ticket's state
when it is sent, the burst's card edits render the same card (Slack's sender skips the
repeats). A failed run is logged; the scheduler's tick retries what it left.
"""

import asyncio
import logging

from bot.dispatcher import Dispatcher

log = logging.getLogger(__name__)


class Kicker:
    """Runs the dispatcher in the background when kicked; kicks during a run coalesce."""

    def __init__(self, dispatcher: Dispatcher, pause: float = 0.0) -> None:
        self._dispatcher = dispatcher
        self._pause = pause
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def kick(self) -> None:
        """Ask for a delivery run: now, or after the pause when one is under way."""
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
            await asyncio.sleep(self._pause)
