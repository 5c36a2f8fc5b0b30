"""Queues for a person's home view: what awaits their approval, what their teams must work."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.enums import TicketStatus
from storage.models import ServiceApprover, TeamMember, Ticket
from workflows.directory import approver_ids, load_person
from workflows.lifecycle import CLOSED_STATUSES, DONE_STATUSES
from workflows.views import TicketView, ticket_view

QUEUE_LIMIT = 25


def awaiting_my_approval(session: Session, person_key: str) -> list[TicketView]:
    """Tickets awaiting approval by this person (an approver of their service), oldest first."""
    person = load_person(session, person_key)
    tickets = session.scalars(
        select(Ticket)
        .join(ServiceApprover, ServiceApprover.service_id == Ticket.service_id)
        .where(
            ServiceApprover.person_id == person.id,
            Ticket.status == TicketStatus.AWAITING_APPROVAL,
        )
        .order_by(Ticket.id)
        .limit(QUEUE_LIMIT)
    )
    return [ticket_view(t, approver_ids(session, t.service_id)) for t in tickets]


def my_teams_queue(session: Session, person_key: str) -> list[TicketView]:
    """Unfinished tickets of the person's teams, most urgent first, then oldest."""
    person = load_person(session, person_key)
    teams = select(TeamMember.team_id).where(TeamMember.person_id == person.id)
    tickets = session.scalars(
        select(Ticket)
        .where(
            Ticket.team_id.in_(teams),
            Ticket.status.not_in(CLOSED_STATUSES | DONE_STATUSES),
        )
        .order_by(Ticket.priority, Ticket.id)
        .limit(QUEUE_LIMIT)
    )
    return [ticket_view(t, approver_ids(session, t.service_id)) for t in tickets]
