"""Queues for a person's home view: what awaits their approval, what their teams must work."""

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from storage.enums import ChangeKind, TicketStatus
from storage.models import AccessGrant, ChangePlan, ServiceApprover, TeamMember, Ticket
from workflows.approvers import approvers_of
from workflows.directory import load_person
from workflows.lifecycle import CLOSED_STATUSES, DONE_STATUSES
from workflows.views import TicketView, ticket_view

QUEUE_LIMIT = 25


def awaiting_my_approval(session: Session, person_key: str) -> list[TicketView]:
    """Tickets awaiting this person's approval at their current stage, oldest first."""
    person = load_person(session, person_key)
    may_approve = [
        exists().where(
            ServiceApprover.service_id == Ticket.service_id, ServiceApprover.person_id == person.id
        ),
        exists().where(AccessGrant.ticket_id == Ticket.id, AccessGrant.manager_id == person.id),
    ]
    if person.emergency_approver:
        may_approve.append(
            exists().where(
                ChangePlan.ticket_id == Ticket.id, ChangePlan.kind == ChangeKind.EMERGENCY
            )
        )
    tickets = session.scalars(
        select(Ticket)
        .where(Ticket.status == TicketStatus.AWAITING_APPROVAL, or_(*may_approve))
        .order_by(Ticket.id)
    )
    views = []
    for ticket in tickets:
        approvers = approvers_of(session, ticket)
        if person.id in approvers and person.id != ticket.requester_id:
            views.append(ticket_view(ticket, approvers))
        if len(views) == QUEUE_LIMIT:
            break
    return views


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
    return [ticket_view(t, approvers_of(session, t)) for t in tickets]
