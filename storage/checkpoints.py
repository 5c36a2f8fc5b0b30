"""SQLite's write-ahead log checkpointed on a thread of its own, so no unit of work waits.

By default SQLite copies the log back into the database file from inside a commit, once the
log holds 1,000 pages: that commit then copies the pages and syncs both files, several
milliseconds on a unit of work that otherwise takes one. SQLite's documentation offers the
alternative of running checkpoints in a separate thread (https://sqlite.org/wal.html,
"Automatic Checkpoint"); a Database on a SQLite file does that here, every quarter second.
The commit-time checkpoint stays on, at a higher threshold, should this thread fall behind.

A passive checkpoint neither waits for nor blocks readers and writers. It also syncs the log,
so a commit (made with synchronous=NORMAL, which does not sync) is on disk within a quarter
second even when the desk is quiet.
"""

import logging
import sqlite3
import threading

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 0.25
FALLBACK_PAGES = 10_000  # the commit-time threshold left on: 40 MB of 4 KB pages


class WalCheckpointer:
    """Runs `PRAGMA wal_checkpoint(PASSIVE)` on the engine's database every `interval`
    seconds, on a daemon thread, from `start` until `stop`."""

    def __init__(self, engine: Engine, interval: float = INTERVAL_SECONDS) -> None:
        self._engine = engine
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)

    def start(self) -> None:
        """Begin checkpointing."""
        self._thread.start()

    def stop(self) -> None:
        """Stop checkpointing; waits for a checkpoint under way to end."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def checkpoint(self) -> tuple[int, int]:
        """One passive checkpoint now: the pages in the log, and how many of them are now in
        the database file."""
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            _busy, logged, copied = cursor.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            cursor.close()
        finally:
            connection.close()
        return logged, copied

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                self.checkpoint()
            except (sqlite3.Error, DBAPIError) as error:  # busy, or the file gone: try again
                log.warning("SQLite checkpoint failed: %s", error)
            except Exception:  # anything else is a bug, but commits must not pay for it
                log.exception("SQLite checkpoint failed; trying again at the next tick")
