"""Two events at the same moment on PostgreSQL: an answer has taken a dialog out of the store
and not yet saved it again while another unit of work runs (SQLite's writers take turns, so
there this cannot happen)."""

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import text

from storage.database import Database
from workflows.dialogs import Dialog, DialogKey, save_dialog, take_dialog
from workflows.unit_of_work import unit_of_work

Result = TypeVar("Result")
_WAITING_FOR_A_LOCK = text(
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


def while_an_answer_holds(
    database: Database,
    key: DialogKey,
    next_step: str,
    now: datetime,
    other: Callable[[], Result],
) -> Result:
    """Run `other` on a thread of its own while an answer holds the dialog at `key`; once
    `other` waits for it, the answer saves the dialog at `next_step` and commits. Return what
    `other` returned."""
    results: list[Result] = []
    with unit_of_work(database) as session:
        taken = take_dialog(session, key)
        assert taken is not None, "no dialog to hold"
        crossing = threading.Thread(target=lambda: results.append(other()))
        crossing.start()
        _wait_until_blocked(database)
        save_dialog(session, key, Dialog(taken.name, next_step, taken.data), now)
    crossing.join(timeout=30)
    assert len(results) == 1, "the crossing event did not finish"
    return results[0]


def _wait_until_blocked(database: Database) -> None:
    """Until another connection waits for a lock (at most 10 s)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with database.engine.connect() as connection:
            if connection.execute(_WAITING_FOR_A_LOCK).scalar_one():
                return
        time.sleep(0.01)
    raise AssertionError("the crossing event never waited for the answer")
