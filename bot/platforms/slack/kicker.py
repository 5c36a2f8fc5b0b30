"""Deliver soon after a change: a card goes out right after the press that changed it rather
than at the scheduler's next tick.

One dispatcher run at a time. Kicks during a run coalesce into one more run, a short pause
after it: the changes of a burst then go out together, and since a card is rendered from the
ticket's state when it is sent, the burst's card edits render the same card and all but one
are skipped (see sender.py). The pause also keeps a busy channel near Slack's pace of about a
message a second.
"""

import asyncio
import logging

from bot.dispatcher import Dispatcher

log = logging.getLogger(__name__)
BURST_PAUSE_SECONDS = 0.5


class Kicker:
    """Runs the dispatcher in the background when kicked; kicks during a run coalesce."""

    def __init__(self, dispatcher: Dispatcher, pause: float = BURST_PAUSE_SECONDS) -> None:
        self._dispatcher = dispatcher
        self._pause = pause
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def kick(self) -> None:
        """Ask for a delivery run: now, or after a pause when one is under way."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            self._again = False
            try:
                await self._dispatcher.run_once()
            except Exception:
                log.exception("delivering the outbox failed; the scheduler will retry")
            if not self._again:
                return
            await asyncio.sleep(self._pause)
