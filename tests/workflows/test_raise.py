"""Raising writes the ticket row without the ORM and answers with a view built from what it
wrote: that view must be the one reading the ticket back gives, for every type."""

from datetime import timedelta

import pytest

from storage.enums import ChangeKind, Level, TicketStatus, TicketType
from tests.support.chat import Chat
from tests.support.clock import ManualClock
from workflows.change_rules import ChangeDetails
from workflows.tickets import NewTicket, raise_ticket, ticket_by_id
from workflows.unit_of_work import unit_of_work


def _new(ticket_type: TicketType, service: str, clock: ManualClock) -> NewTicket:
    start = clock.now() + timedelta(days=2)
    change = ChangeDetails(ChangeKind.NORMAL, Level.LOW, start, start + timedelta(hours=1), "undo")
    return NewTicket(
        ticket_type=ticket_type,
        service_key=service,
        title=f"A {ticket_type.value} about {service}",
        description="Details.",
        impact=Level.HIGH,
        urgency=Level.MEDIUM,
        change=change if ticket_type == TicketType.CHANGE else None,
    )


@pytest.mark.parametrize(
    ("ticket_type", "person", "service", "status"),
    [
        (TicketType.INCIDENT, "alice", "vpn", TicketStatus.NEW),
        (TicketType.PROBLEM, "bob", "wifi", TicketStatus.NEW),
        (TicketType.SERVICE_REQUEST, "alice", "laptops", TicketStatus.NEW),
        (TicketType.SERVICE_REQUEST, "alice", "erp-access", TicketStatus.AWAITING_APPROVAL),
        (TicketType.ACCESS_REQUEST, "alice", "erp-access", TicketStatus.AWAITING_APPROVAL),
        (TicketType.CHANGE, "bob", "firewall", TicketStatus.AWAITING_APPROVAL),
    ],
)
def test_the_view_a_raise_answers_is_the_ticket_read_back(
    chat: Chat,
    clock: ManualClock,
    ticket_type: TicketType,
    person: str,
    service: str,
    status: TicketStatus,
) -> None:
    settings = chat.desk.router.ctx.settings
    with unit_of_work(chat.desk.db) as session:
        raised = raise_ticket(
            session, settings, person, _new(ticket_type, service, clock), clock.now()
        )

    with unit_of_work(chat.desk.db, read_only=True) as session:
        assert ticket_by_id(session, raised.id) == raised
    assert (raised.ticket_type, raised.status) == (ticket_type, status)
    assert raised.response_due_at is not None or ticket_type != TicketType.INCIDENT
