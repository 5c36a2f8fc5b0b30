"""One unit of work per user action or scheduler tick, with storage failures made friendly."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from storage.database import Database
from workflows.errors import ConcurrentChange, StorageUnavailable


@contextmanager
def unit_of_work(db: Database, *, read_only: bool = False) -> Iterator[Session]:
    """A transaction that commits on success; a concurrent edit or an outage changes nothing.

    `read_only` promises that the block writes nothing: on SQLite it then takes no write lock
    and neither waits for writers nor holds them up."""
    try:
        with db.reading() if read_only else db.transaction() as session:
            yield session
    except StaleDataError as error:
        raise ConcurrentChange(
            "Someone else changed this ticket at the same moment; nothing was applied. "
            "Please try again."
        ) from error
    except OperationalError as error:
        raise StorageUnavailable(
            "The service desk cannot reach its database right now; nothing was changed. "
            "Please try again in a moment."
        ) from error
