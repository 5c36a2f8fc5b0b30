"""The schema on both dialects: migrations, constraints, SQLite's settings and UTC datetimes."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, String, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, StatementError

from bot.config import Config
from bot.directory import directory_spec
from storage.database import SQLITE_BUSY_TIMEOUT_MS, Database
from storage.enums import Level, TicketType
from storage.migrate import alembic_config, migration_connection, upgrade
from storage.models import AuditEvent, Base, InboundDelivery, OutboxIntent, Person, Ticket
from tests.conftest import fresh_sqlite_database
from workflows.directory import sync_directory
from workflows.settings import DeskSettings, PlatformReach
from workflows.tickets import NewTicket, raise_ticket
from workflows.unit_of_work import unit_of_work

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NO_PLATFORMS = DeskSettings(platforms=())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with no schema at all: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        db = Database.from_url(f"sqlite:///{tmp_path / 'empty.db'}")
        yield db
        db.dispose()
        return
    server_url = request.getfixturevalue("postgres_server")
    name = f"deskbot_empty_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    db = Database.from_url(
        make_url(server_url).set(database=name).render_as_string(hide_password=False)
    )
    yield db
    db.dispose()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_snapshot(engine: Engine) -> dict[str, Any]:
    """Tables with their columns, indexes, unique constraints and foreign keys, as plain data."""
    inspector = inspect(engine)
    return {
        table: {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
            ],
            "indexes": sorted(
                (i["name"] or "", tuple(i["column_names"])) for i in inspector.get_indexes(table)
            ),
            "unique": sorted(
                (u["name"] or "", tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(table)
            ),
            "foreign_keys": sorted(
                (f["name"] or "", tuple(f["constrained_columns"]), f["referred_table"])
                for f in inspector.get_foreign_keys(table)
            ),
        }
        for table in sorted(inspector.get_table_names())
    }


def vpn_incident(title: str = "VPN drops every hour") -> NewTicket:
    return NewTicket(TicketType.INCIDENT, "vpn", title, "", Level.HIGH, Level.MEDIUM)


def raise_one(db: Database, title: str = "VPN drops every hour") -> int:
    with unit_of_work(db) as session:
        return raise_ticket(session, NO_PLATFORMS, "alice", vpn_incident(title), NOW).id


# -- migrations ---------------------------------------------------------------------------


def test_upgrade_from_empty_builds_the_schema_and_a_second_upgrade_changes_nothing(
    empty_database: Database,
) -> None:
    engine = empty_database.engine
    assert current_revision(engine) is None

    upgrade(engine)
    after_first = schema_snapshot(engine)
    upgrade(engine)

    assert current_revision(engine) == head_revision(engine)
    assert set(after_first) >= {table for table in Base.metadata.tables}
    assert schema_snapshot(engine) == after_first


def test_upgrade_on_a_current_database_keeps_its_data(database: Database) -> None:
    engine = database.engine
    ticket_id = raise_one(database)
    before = schema_snapshot(engine)

    upgrade(engine)
    upgrade(engine)

    assert current_revision(engine) == head_revision(engine)
    assert schema_snapshot(engine) == before
    with unit_of_work(database) as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 7
        assert session.get(Ticket, ticket_id) is not None


def test_the_migration_matches_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, Base.metadata)

    assert differences == []


# -- constraints --------------------------------------------------------------------------

# (statement with a value no enum holds, the same statement with a valid value)
BAD_ENUM_VALUES = {
    "person_roles.role": (
        "INSERT INTO person_roles (person_id, role) "
        "SELECT id, 'wizard' FROM people WHERE key = 'alice'",
        "INSERT INTO person_roles (person_id, role) "
        "SELECT id, 'manager' FROM people WHERE key = 'alice'",
    ),
    "tickets.status": (
        "UPDATE tickets SET status = 'on_fire'",
        "UPDATE tickets SET status = 'closed'",
    ),
    "tickets.priority": (
        "UPDATE tickets SET priority = 'P9'",
        "UPDATE tickets SET priority = 'P1'",
    ),
    "tickets.type": (
        "UPDATE tickets SET type = 'complaint'",
        "UPDATE tickets SET type = 'problem'",
    ),
    "audit_events.to_status": (
        "UPDATE audit_events SET to_status = 'lost'",
        "UPDATE audit_events SET to_status = 'resolved'",
    ),
    "outbox.status": (
        "INSERT INTO outbox (idempotency_key, kind, platform, audience_kind, audience_key, "
        "payload, status, attempts, next_attempt_at, created_at) VALUES ('k', 'card', 'slack', "
        "'team', 'network', '{}', 'lost', 0, :now, :now)",
        "INSERT INTO outbox (idempotency_key, kind, platform, audience_kind, audience_key, "
        "payload, status, attempts, next_attempt_at, created_at) VALUES ('k', 'card', 'slack', "
        "'team', 'network', '{}', 'pending', 0, :now, :now)",
    ),
}


def test_check_constraints_refuse_a_value_outside_the_enum(database: Database) -> None:
    raise_one(database)
    refused: list[str] = []
    for column, (bad, good) in BAD_ENUM_VALUES.items():
        try:
            with database.engine.begin() as connection:
                connection.execute(text(bad), {"now": NOW})
        except IntegrityError:
            refused.append(column)
        with database.engine.begin() as connection:
            assert connection.execute(text(good), {"now": NOW}).rowcount == 1, column

    assert refused == list(BAD_ENUM_VALUES)


def test_foreign_keys_are_enforced(database: Database) -> None:
    if database.dialect == "sqlite":
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1

    with pytest.raises(IntegrityError), database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO team_channels (team_id, platform, address) "
                "VALUES (999999, 'slack', 'C0NOWHERE')"
            )
        )


# -- SQLite settings ----------------------------------------------------------------------


def test_sqlite_runs_in_wal_mode_on_every_connection(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    db = Database.from_url(f"sqlite:///{path}")
    try:
        upgrade(db.engine)
        # Two pooled connections at once, without starting a transaction on either.
        first, second = db.engine.raw_connection(), db.engine.raw_connection()
        try:
            settings = [
                (
                    connection.execute("PRAGMA journal_mode").fetchone(),
                    connection.execute("PRAGMA foreign_keys").fetchone(),
                    connection.execute("PRAGMA busy_timeout").fetchone(),
                )
                for connection in (first.driver_connection, second.driver_connection)
                if connection is not None
            ]
            # In WAL mode, committed writes sit in the -wal file until a checkpoint.
            wal_file = path.with_name(path.name + "-wal").exists()
        finally:
            first.close()
            second.close()
    finally:
        db.dispose()

    assert settings == [(("wal",), (1,), (SQLITE_BUSY_TIMEOUT_MS,))] * 2
    assert wal_file


def test_sqlite_reading_unit_reads_beside_a_writer_of_another_process(tmp_path: Path) -> None:
    url = fresh_sqlite_database(tmp_path)
    reader, writer = Database.from_url(url), Database.from_url(url)
    try:
        with unit_of_work(writer) as writing:
            writing.add(InboundDelivery(platform="slack", delivery_id="d-1", received_at=NOW))
            writing.flush()
            # The writer holds SQLite's write lock; a writing unit would wait on busy_timeout.
            with unit_of_work(reader, read_only=True) as reading:
                seen_during = reading.scalars(select(InboundDelivery.delivery_id)).all()
        with unit_of_work(reader, read_only=True) as reading:
            seen_after = reading.scalars(select(InboundDelivery.delivery_id)).all()
    finally:
        reader.dispose()
        writer.dispose()

    assert seen_during == []
    assert seen_after == ["d-1"]


# -- UTC datetimes ------------------------------------------------------------------------


def test_datetimes_come_back_aware_in_utc_and_compare_as_instants(database: Database) -> None:
    tokyo = timezone(timedelta(hours=9))
    # 18:30 in Tokyo is 09:30 UTC: before 10:00 UTC although "18:30" > "10:00" as text.
    written = datetime(2026, 11, 23, 18, 30, tzinfo=tokyo)
    ten_utc = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    with unit_of_work(database) as session:
        session.add(InboundDelivery(platform="slack", delivery_id="Ev1", received_at=written))

    with unit_of_work(database) as session:
        read = session.scalars(select(InboundDelivery.received_at)).one()
        later = session.scalars(
            select(InboundDelivery.delivery_id).where(InboundDelivery.received_at > ten_utc)
        ).all()
        earlier = session.scalars(
            select(InboundDelivery.delivery_id).where(InboundDelivery.received_at < ten_utc)
        ).all()

    assert read == written
    assert read.tzinfo == UTC
    assert (read.hour, read.minute) == (9, 30)
    assert (later, earlier) == ([], ["Ev1"])


def test_naive_datetimes_are_refused(database: Database) -> None:
    naive = datetime(2026, 11, 23, 9, 0)  # noqa: DTZ001 (the point of the test)

    with pytest.raises(StatementError, match="naive datetime"), unit_of_work(database) as session:
        session.add(InboundDelivery(platform="slack", delivery_id="Ev1", received_at=naive))

    with unit_of_work(database) as session:
        assert session.scalar(select(func.count()).select_from(InboundDelivery)) == 0


# -- ticket numbers -----------------------------------------------------------------------


def test_ticket_ids_are_not_reused_after_a_delete(database: Database) -> None:
    everywhere = DeskSettings(platforms=(PlatformReach("testchat", reaches_everyone=True),))
    raise_one(database, "first")
    with unit_of_work(database) as session:
        last = raise_ticket(session, everywhere, "alice", vpn_incident("second"), NOW).id
    with database.engine.begin() as connection:
        connection.execute(text("DELETE FROM tickets WHERE id = :id"), {"id": last})
        # The ticket's audit events and outbox intents go with it (ON DELETE CASCADE).
        left = [
            connection.execute(
                text(f"SELECT count(*) FROM {table} WHERE ticket_id = :id"), {"id": last}
            ).scalar()
            for table in ("audit_events", "outbox")
        ]

    after_delete = raise_one(database, "third")

    assert left == [0, 0]
    assert after_delete > last
    with unit_of_work(database) as session:
        assert session.get_one(Ticket, after_delete).reference == f"INC-{after_delete}"


def test_a_batch_migration_of_tickets_keeps_its_children(
    tmp_path: Path, demo_config: Config
) -> None:
    """SQLite batch mode (SQLite only) drops and recreates the table; with foreign keys on,
    that would cascade-delete comments, audit events and outbox rows."""
    database = Database.from_url(fresh_sqlite_database(tmp_path))
    with unit_of_work(database) as session:
        sync_directory(session, directory_spec(demo_config))
    everywhere = DeskSettings(platforms=(PlatformReach("testchat", reaches_everyone=True),))
    with unit_of_work(database) as session:
        ticket_id = raise_ticket(session, everywhere, "alice", vpn_incident("kept"), NOW).id
    children = _count_children(database, ticket_id)

    with migration_connection(database.engine) as connection:
        operations = Operations(MigrationContext.configure(connection))
        with operations.batch_alter_table("tickets", recreate="always") as batch:
            batch.alter_column("title", existing_type=String(200), nullable=False)

    assert children == (1, 1)
    assert _count_children(database, ticket_id) == children
    database.dispose()


def _count_children(database: Database, ticket_id: int) -> tuple[int, int]:
    with unit_of_work(database) as session:
        audits = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.ticket_id == ticket_id)
        )
        intents = session.scalar(
            select(func.count())
            .select_from(OutboxIntent)
            .where(OutboxIntent.ticket_id == ticket_id, OutboxIntent.kind == "card")
        )
    return (audits or 0, intents or 0)
