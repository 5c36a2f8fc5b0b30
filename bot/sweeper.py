"""The SLA sweeper: runs the domain's sweep in worker threads, batch after batch, until done,
then raises the revocation tasks of access that has ended."""

import asyncio
import logging

from storage.database import Database
from workflows.access_revocation import revoke_ended_access
from workflows.clock import Clock
from workflows.errors import DomainError
from workflows.settings import DeskSettings
from workflows.sla_sweep import SWEEP_BATCH, sweep
from workflows.unit_of_work import unit_of_work

log = logging.getLogger(__name__)
MAX_BATCHES = 200


class Sweeper:
    """Announces due SLA warnings, breaches and escalations; one batch per transaction."""

    def __init__(self, db: Database, clock: Clock, settings: DeskSettings) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._lock = asyncio.Lock()

    async def run_once(self) -> int:
        """Check every ticket due now; return how many were checked.

        The bound keeps one tick from running forever; what is left waits for the next tick.
        """
        checked = 0
        async with self._lock:
            for _ in range(MAX_BATCHES):
                try:
                    count = await asyncio.to_thread(self._batch)
                except DomainError:
                    log.exception("the SLA sweep could not finish; the next tick retries")
                    break
                checked += count
                if count < SWEEP_BATCH:
                    break
            try:
                await asyncio.to_thread(self._revocations)
            except DomainError:
                log.exception("the revocation sweep could not finish; the next tick retries")
        return checked

    def _revocations(self) -> int:
        with unit_of_work(self._db) as session:
            return revoke_ended_access(session, self._settings, self._clock.now())

    def _batch(self) -> int:
        with unit_of_work(self._db) as session:
            return sweep(session, self._settings, self._clock.now())
