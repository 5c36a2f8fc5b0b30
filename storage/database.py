"""Engine and unit-of-work setup for SQLite (embedded default) and PostgreSQL.

Sessions are synchronous; the bot runs each unit of work in a worker thread so the asyncio
event loop never blocks on the database.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import CursorResult, Engine, Executable, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000


def normalise_url(url: str) -> str:
    """Pick psycopg 3 for a plain `postgresql://` URL; leave every other URL as it is."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def create_database_engine(url: str) -> Engine:
    """Create an engine; on SQLite turn on WAL, foreign keys and write-locking transactions."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when a transaction begins (see _begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    # Taking the write lock up front means two writers queue on busy_timeout instead of one
    # of them failing at once when it upgrades a read lock (SQLITE_BUSY on upgrade).
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def execute_prebuilt(
    session: Session, statement: Executable, params: dict[str, Any]
) -> CursorResult[Any]:
    """Run a statement built once at import on the session's connection, after flushing what
    is pending (as `session.execute` would).

    `session.execute` hands an ORM statement to the ORM, which annotates a fresh copy on each
    call, so its cache key and parameters are worked out anew: more than running it costs.
    """
    session.flush()
    return session.connection().execute(statement, params)


class Database:
    """Owns the engine and hands out units of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> "Database":
        """Build a Database for a SQLAlchemy URL."""
        return cls(create_database_engine(url))

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends, rolls back if it raises."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
