"""Inserting many rows in one go (one statement on PostgreSQL, an executemany on SQLite):
every row arrives with its values, and the count is the rows written."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.database import Database
from storage.enums import Level, TicketStatus, TicketType
from storage.inserts import insert_all
from storage.models import AuditEvent
from workflows.settings import DeskSettings
from workflows.tickets import NewTicket, raise_ticket
from workflows.unit_of_work import unit_of_work

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _events(ticket_id: int) -> list[dict[str, object]]:
    return [
        {
            "ticket_id": ticket_id,
            "actor_id": None,
            "action": f"step {n}",
            "from_status": TicketStatus.NEW if n else None,
            "to_status": TicketStatus.ACKNOWLEDGED if n else None,
            "detail": 'é and "quotes"' * n,
            "created_at": T0 + timedelta(seconds=n, microseconds=n),
        }
        for n in range(3)
    ]


def test_every_row_arrives_with_its_values(database: Database) -> None:
    new = NewTicket(TicketType.INCIDENT, "vpn", "VPN drops", "", Level.HIGH, Level.MEDIUM)
    with unit_of_work(database) as session:
        ticket_id = raise_ticket(session, DeskSettings(platforms=()), "alice", new, T0).id
        written = insert_all(session, AuditEvent, _events(ticket_id))

    with unit_of_work(database, read_only=True) as session:
        stored = session.execute(
            select(
                AuditEvent.ticket_id,
                AuditEvent.actor_id,
                AuditEvent.action,
                AuditEvent.from_status,
                AuditEvent.to_status,
                AuditEvent.detail,
                AuditEvent.created_at,
            )
            .where(AuditEvent.action.like("step %"))
            .order_by(AuditEvent.id)
        ).all()

    assert written == 3
    assert [row._asdict() for row in stored] == _events(ticket_id)


def test_nothing_to_insert_writes_nothing(database: Database) -> None:
    with unit_of_work(database) as session:
        assert insert_all(session, AuditEvent, []) == 0
