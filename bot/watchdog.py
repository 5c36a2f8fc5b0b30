"""The delivery watchdog job: report overdue intents in the log and reroute team notices."""

import asyncio
import logging
from datetime import timedelta

from storage.database import Database
from workflows.clock import Clock
from workflows.settings import DeskSettings
from workflows.unit_of_work import unit_of_work
from workflows.watchdog import report_overdue, reroute

log = logging.getLogger(__name__)


class Watchdog:
    """Finds intents undelivered past the deadline; logs each once and copies team notices
    to the team's fallback platform (`teams[].fallback_platform`)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: DeskSettings,
        deadline: timedelta,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self.deadline = deadline

    async def run_once(self) -> int:
        """Report what became overdue since the last run; return how many intents."""
        return await asyncio.to_thread(self._check)

    def _check(self) -> int:
        now = self._clock.now()
        with unit_of_work(self._db) as session:
            overdue = report_overdue(session, now, self.deadline)
            rerouted = reroute(session, self._settings, overdue, now)
        for intent in overdue:
            log.warning(
                "intent %s (%s to %s %s) undelivered for %s",
                intent.id,
                intent.platform,
                intent.audience_kind,
                intent.audience_key,
                now - intent.created_at,
            )
        if rerouted:
            log.warning("%d overdue team notices sent to the teams' fallback platforms", rerouted)
        return len(overdue)
