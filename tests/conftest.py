"""Shared fixtures: real databases (a SQLite file, and PostgreSQL started by the suite), the
demo directory from config.example.yaml, a moved clock, and the `chat` driver."""

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.app import build_desk
from bot.config import Config, load_config
from bot.directory import directory_spec
from storage.database import Database
from storage.migrate import upgrade
from tests.support.chat import Chat, RecordingSender
from tests.support.clock import ManualClock
from tests.support.postgres import postgres_available, running_postgres
from workflows.directory import sync_directory
from workflows.unit_of_work import unit_of_work

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = "deskbot_template"
_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def demo_config() -> Config:
    """The demo config shipped at the repository root."""
    return load_config(ROOT / "config.example.yaml")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server for the whole run, started from the machine's binaries."""
    if not postgres_available():
        pytest.fail("PostgreSQL binaries (initdb, pg_ctl) are needed for the PostgreSQL tests")
    with running_postgres() as url:
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {TEMPLATE}"))
        admin.dispose()
        template = Database.from_url(_database_url(url, TEMPLATE))
        upgrade(template.engine)
        template.dispose()
        yield url


def _database_url(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def fresh_postgres_database(server_url: str) -> str:
    """A new, migrated, empty database on the test server (cloned from the template)."""
    name = f"deskbot_test_{next(_database_numbers)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
    admin.dispose()
    return _database_url(server_url, name)


def fresh_sqlite_database(directory: Path) -> str:
    """A new, migrated SQLite file."""
    url = f"sqlite:///{directory / 'deskbot.db'}"
    database = Database.from_url(url)
    upgrade(database.engine)
    database.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: once a SQLite file, once on PostgreSQL."""
    if request.param == "sqlite":
        return fresh_sqlite_database(tmp_path)
    return fresh_postgres_database(request.getfixturevalue("postgres_server"))


@pytest.fixture
def database(database_url: str, demo_config: Config) -> Iterator[Database]:
    """A migrated database holding the demo directory."""
    db = Database.from_url(database_url)
    with unit_of_work(db) as session:
        sync_directory(session, directory_spec(demo_config))
    yield db
    db.dispose()


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when a test moves it."""
    return ManualClock()


@pytest.fixture
def chat(database: Database, demo_config: Config, clock: ManualClock) -> Chat:
    """The desk on a real database, driven by neutral events, delivering to a recorder."""
    sender = RecordingSender()
    return Chat(build_desk(demo_config, database, [sender], clock), sender)
