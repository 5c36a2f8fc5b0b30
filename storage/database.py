"""Engine and unit-of-work setup for SQLite (embedded default) and PostgreSQL.

Sessions are synchronous; the bot runs each unit of work in a worker thread so the asyncio
event loop never blocks on the database.

SQLite has one writer at a time. Threads of this process take turns at a lock before they
begin writing, so they wake the moment the writer before them commits; only writers in other
processes wait on SQLite's busy handler, which sleeps in growing steps. A unit of work that
only reads takes neither: in WAL mode it reads beside the writer. The write-ahead log is
checkpointed on a thread of its own (storage.checkpoints), not inside a commit.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import CursorResult, Engine, Executable, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from storage.checkpoints import FALLBACK_PAGES, WalCheckpointer

SQLITE_BUSY_TIMEOUT_MS = 10_000
READING = "deskbot_reading"  # execution option of the engine that reading units use
PING_AFTER_IDLE_SECONDS = 1.0
_IDLE_SINCE = "deskbot_idle_since"


def normalise_url(url: str) -> str:
    """Pick psycopg 3 for a plain `postgresql://` URL; leave every other URL as it is."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def create_database_engine(url: str, ping_after_idle: float = PING_AFTER_IDLE_SECONDS) -> Engine:
    """Create an engine; on SQLite turn on WAL, foreign keys and write-locking transactions;
    on a database server, check a pooled connection that sat idle `ping_after_idle` seconds."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        engine = create_engine(url)
        _ping_when_idle(engine, ping_after_idle)
        return engine
    # Last in, first out: each SQLite connection keeps its own page cache and drops all of it
    # when it finds that another connection wrote, so handing out the connection used last
    # keeps its cache warm (a tenth less time per raise than taking turns). A database in
    # memory has a single connection, and no pool to order.
    pooling = {"pool_use_lifo": True} if _is_sqlite_file(make_url(url)) else {}
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10}, **pooling)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before handing it out once it has sat idle `idle_seconds`.

    One the server dropped meanwhile (a restart, a network blip) is replaced, so a database
    that was briefly down costs no one an error. A connection in steady use is not checked:
    pool_pre_ping's check is a round trip on every unit of work. If its server went away
    within those seconds, that unit of work fails with the clear "nothing was changed"
    message, and the pool replaces its connections.
    """
    dialect = engine.dialect

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError(str(error)) from error  # the pool connects anew
            raise

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checked_out)


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when a transaction begins (see _begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_PAGES}")  # see storage.checkpoints
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    # Taking the write lock up front means two writers queue on busy_timeout instead of one
    # of them failing at once when it upgrades a read lock (SQLITE_BUSY on upgrade). A
    # reading unit begins without it.
    reading = connection.get_execution_options().get(READING, False)
    connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


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
        reader = engine.execution_options(**{READING: True})
        self._reading_sessions = sessionmaker(reader, expire_on_commit=False)
        self._writer_turn: AbstractContextManager[Any] = (
            threading.RLock() if engine.dialect.name == "sqlite" else nullcontext()
        )
        self._checkpointer = WalCheckpointer(engine) if _is_sqlite_file(engine.url) else None
        if self._checkpointer is not None:
            self._checkpointer.start()

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
        with self._writer_turn, self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A unit of work that only reads; on SQLite it takes no write lock."""
        with self._reading_sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Stop checkpointing (SQLite) and close every pooled connection."""
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.engine.dispose()


def _is_sqlite_file(url: URL) -> bool:
    """Whether the URL names a SQLite file (not a database in memory)."""
    in_memory = url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"
    return url.get_backend_name() == "sqlite" and not in_memory
