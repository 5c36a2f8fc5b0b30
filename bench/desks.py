"""Desks to benchmark: the demo config on a fresh SQLite file or a throwaway PostgreSQL server,
wired by the real composition root with a RecordingSender as the only platform."""

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from bot.app import Desk, build_desk, prepare_database
from bot.config import Config, DatabaseConfig, load_config
from tests.support.chat import RecordingSender
from tests.support.postgres import postgres_available, running_postgres
from workflows.clock import SystemClock

ROOT = Path(__file__).resolve().parents[1]
DEMO_CONFIG = ROOT / "config.example.yaml"


@dataclass(frozen=True)
class BenchDesk:
    """A desk ready for events, the recorder its dispatcher delivers to, and what it runs on."""

    desk: Desk
    sender: RecordingSender
    server: str


def _demo_config(url: str) -> Config:
    return load_config(DEMO_CONFIG).model_copy(update={"database": DatabaseConfig(url=url)})


@contextmanager
def _desk_on(url: str) -> Iterator[BenchDesk]:
    config = _demo_config(url)
    db = prepare_database(config)
    try:
        sender = RecordingSender()
        desk = build_desk(config, db, [sender], SystemClock())
        yield BenchDesk(desk, sender, _server_version(desk))
    finally:
        db.dispose()


def _server_version(desk: Desk) -> str:
    query = "select sqlite_version()" if desk.db.dialect == "sqlite" else "show server_version"
    with desk.db.engine.connect() as connection:
        version = connection.execute(text(query)).scalar_one()
    return f"{desk.db.dialect} {version}"


@contextmanager
def sqlite_desk() -> Iterator[BenchDesk]:
    """The demo desk on a new SQLite file (WAL) in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="deskbot-bench-") as directory:
        yield from _sqlite_in(Path(directory))


def _sqlite_in(directory: Path) -> Iterator[BenchDesk]:
    with _desk_on(f"sqlite:///{directory / 'deskbot.db'}") as bench_desk:
        yield bench_desk


@contextmanager
def postgres_desk() -> Iterator[BenchDesk]:
    """The demo desk on a throwaway PostgreSQL server started from the machine's binaries."""
    with running_postgres() as url, _desk_on(url) as bench_desk:
        yield bench_desk


__all__ = ["BenchDesk", "postgres_available", "postgres_desk", "sqlite_desk"]
