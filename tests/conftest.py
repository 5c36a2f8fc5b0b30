"""Shared fixtures: real databases (a SQLite file, and PostgreSQL started by the suite), the
demo directory from config.example.yaml, a moved clock, and the `chat` driver."""

import itertools
import shutil
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
from storage.models import Base
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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies instead of migrating again."""
    url = fresh_sqlite_database(tmp_path_factory.mktemp("sqlite-template"))
    return Path(make_url(url).database or "")


@pytest.fixture(scope="session")
def shared_postgres_url(postgres_server: str) -> str:
    """One migrated PostgreSQL database that tests share, emptied before each of them."""
    return fresh_postgres_database(postgres_server)


def empty_postgres_database(url: str) -> None:
    """Remove every row and restart the ids, keeping the schema (much faster than a new one)."""
    engine = create_engine(url)
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL lock_timeout = '10s'"))
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: once a SQLite file, once on PostgreSQL."""
    if request.param == "sqlite":
        copy = tmp_path / "deskbot.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), copy)
        return f"sqlite:///{copy}"
    url: str = request.getfixturevalue("shared_postgres_url")
    empty_postgres_database(url)
    return url


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
