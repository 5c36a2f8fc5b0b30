"""A SQLite file: its write-ahead log is checkpointed by a thread of the Database, not by
the commit that happens to fill it; and the connection used last is handed out first, so
its page cache stays warm."""

import threading
from pathlib import Path

from sqlalchemy import text

from storage.checkpoints import FALLBACK_PAGES, WalCheckpointer
from storage.database import Database, create_database_engine
from tests.conftest import fresh_sqlite_database
from workflows.unit_of_work import unit_of_work

THREAD = "sqlite-checkpoints"


def _checkpointers() -> int:
    return sum(thread.name == THREAD for thread in threading.enumerate())


def _file(directory: Path) -> str:
    return f"sqlite:///{directory / 'deskbot.db'}"


def test_a_passive_checkpoint_moves_the_whole_log_into_the_file(tmp_path: Path) -> None:
    engine = create_database_engine(_file(tmp_path))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
        for n in range(50):
            connection.execute(text("INSERT INTO notes VALUES (:body)"), {"body": "x" * 500 * n})

    logged, copied = WalCheckpointer(engine).checkpoint()
    with engine.begin() as connection:  # the next writer starts the log again, from its head
        connection.execute(text("INSERT INTO notes VALUES ('one more')"))
    restarted, _ = WalCheckpointer(engine).checkpoint()
    engine.dispose()

    assert logged > 10 and copied == logged
    assert 0 < restarted < logged


def test_commits_leave_checkpoints_to_the_thread_up_to_a_high_threshold(tmp_path: Path) -> None:
    engine = create_database_engine(_file(tmp_path))
    with engine.connect() as connection:
        threshold = connection.execute(text("PRAGMA wal_autocheckpoint")).scalar_one()
    engine.dispose()

    assert threshold == FALLBACK_PAGES > 1000  # SQLite's own default is 1,000 pages


def test_a_database_on_a_sqlite_file_checkpoints_until_it_is_disposed(
    tmp_path: Path,
) -> None:
    before = _checkpointers()
    db = Database.from_url(fresh_sqlite_database(tmp_path))
    with unit_of_work(db) as session:
        session.execute(text("CREATE TABLE notes (body TEXT)"))
    running = _checkpointers()
    db.dispose()

    assert (running, _checkpointers()) == (before + 1, before)


def test_a_database_in_memory_has_no_log_to_checkpoint() -> None:
    before = _checkpointers()
    db = Database.from_url("sqlite://")

    assert _checkpointers() == before
    db.dispose()


def test_the_connection_used_last_is_handed_out_first(tmp_path: Path) -> None:
    engine = create_database_engine(_file(tmp_path))
    earlier, later = engine.raw_connection(), engine.raw_connection()
    used_last = later.dbapi_connection
    earlier.close()
    later.close()

    again = engine.raw_connection()
    assert again.dbapi_connection is used_last
    again.close()
    engine.dispose()
