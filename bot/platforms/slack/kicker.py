"""Deliver soon after a change: one dispatcher run at a time, and one more if kicked meanwhile,
so a card goes out right after the press that changed it rather than at the next tick."""

import asyncio
import logging

from bot.dispatcher import Dispatcher

log = logging.getLogger(__name__)


class Kicker:
    """Runs the dispatcher in the background when kicked; kicks during a run coalesce."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def kick(self) -> None:
        """Ask for a delivery run (now, or right after the one under way)."""
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
