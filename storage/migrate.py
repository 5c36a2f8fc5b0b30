"""Schema migrations through Alembic, driven from code (`deskbot db upgrade`)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, func, select

MIGRATIONS = Path(__file__).with_name("migrations")
STARTUP_LOCK = 0x6465736B  # "desk": the advisory lock replicas take while they set up


class MigrationError(Exception):
    """A migration left the database inconsistent; it was rolled back."""


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that migrates through `engine`, with no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction for schema changes.

    On SQLite, foreign keys are off while it runs: a batch migration copies, drops and renames
    a table, and dropping `tickets` with them on would cascade-delete its comments, audit
    events and outbox. The keys are checked before the transaction commits.
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            _set_foreign_keys(connection, enabled=False)
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    _check_foreign_keys(connection)
        finally:
            if sqlite:
                _set_foreign_keys(connection, enabled=True)


def _set_foreign_keys(connection: Connection, *, enabled: bool) -> None:
    # Outside any transaction (SQLite ignores this pragma inside one), on the driver itself.
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise MigrationError(f"the migration broke {len(broken)} foreign keys: {broken[:5]}")


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when it is already there."""
    config = alembic_config(engine)
    with migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Let one replica at a time migrate and sync (PostgreSQL advisory lock; SQLite serialises
    writers by itself), so replicas started together do not race on the same rows."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(select(func.pg_advisory_lock(STARTUP_LOCK)))
        try:
            yield
        finally:
            connection.execute(select(func.pg_advisory_unlock(STARTUP_LOCK)))
            connection.commit()
