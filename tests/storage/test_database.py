"""A pooled PostgreSQL connection the server dropped: replaced when it sat idle, a clear refusal
(and a renewed pool) when it was in steady use."""

import pytest
from sqlalchemy import create_engine, func, select, text

from storage.database import Database, create_database_engine
from storage.models import Person
from tests.conftest import empty_postgres_database
from workflows.errors import StorageUnavailable
from workflows.unit_of_work import unit_of_work

pytestmark = pytest.mark.postgres


@pytest.fixture
def url(shared_postgres_url: str) -> str:
    empty_postgres_database(shared_postgres_url)
    return shared_postgres_url


def _drop_connections(url: str) -> None:
    """What a server restart does to the pool: every other connection to the database ends."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        ended = connection.execute(
            text(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).all()
    admin.dispose()
    assert ended and all(row[0] for row in ended)


def _people(db: Database) -> int:
    with unit_of_work(db) as session:
        return session.scalar(select(func.count()).select_from(Person)) or 0


def test_a_dropped_connection_that_sat_idle_is_replaced_before_use(url: str) -> None:
    db = Database(create_database_engine(url, ping_after_idle=0.0))
    try:
        assert _people(db) == 0
        _drop_connections(url)
        assert _people(db) == 0
    finally:
        db.dispose()


def test_a_connection_in_steady_use_is_not_checked_its_loss_refused_once(url: str) -> None:
    db = Database(create_database_engine(url, ping_after_idle=3600.0))
    try:
        assert _people(db) == 0
        _drop_connections(url)
        with pytest.raises(StorageUnavailable):
            _people(db)
        assert _people(db) == 0
    finally:
        db.dispose()
