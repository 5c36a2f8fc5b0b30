"""Who approves a ticket now.

A service's approvers approve its requests and normal changes; nobody approves a standard
change (it is pre-approved); the emergency group approves an emergency change (the service's
approvers when no group is configured). An access request goes to the requester's manager
first and then to the service's approvers, the manager not among them.
"""

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.enums import ChangeKind, TicketType
from storage.models import MANAGER_STAGE, Person, Ticket
from workflows.approval_policy import ApprovalPolicy, Rule
from workflows.directory import approver_ids
from workflows.lifecycle import APPROVED_TYPES
from workflows.settings import DeskSettings
from workflows.views import access_stage


def approvers_of(session: Session, ticket: Ticket) -> frozenset[int]:
    """The ids of the people whose votes decide the ticket at its current stage."""
    if ticket.type not in APPROVED_TYPES:
        return frozenset()
    plan = ticket.change_plan if ticket.type == TicketType.CHANGE else None
    if plan is not None and plan.kind == ChangeKind.STANDARD:
        return frozenset()
    if plan is not None and plan.kind == ChangeKind.EMERGENCY:
        group = _emergency_group(session)
        return group or approver_ids(session, ticket.service_id)
    grant = ticket.access_grant if ticket.type == TicketType.ACCESS_REQUEST else None
    if grant is not None and grant.manager_id is not None:
        if grant.stage == MANAGER_STAGE:
            return frozenset({grant.manager_id})
        return approver_ids(session, ticket.service_id) - {grant.manager_id}
    return approver_ids(session, ticket.service_id)


def approver_people(session: Session, ticket: Ticket) -> list[Person]:
    """The active people who approve the ticket now, but its requester, by key."""
    ids = approvers_of(session, ticket) - {ticket.requester_id}
    return list(
        session.scalars(
            select(Person).where(Person.id.in_(ids), Person.active.is_(True)).order_by(Person.key)
        )
    )


def policy_for(settings: DeskSettings, ticket: Ticket) -> ApprovalPolicy:
    """The rule that decides the ticket: its service's, but one approval from the emergency
    group or from the requester's manager."""
    policy = settings.approvals.get(ticket.service.key, ApprovalPolicy())
    plan = ticket.change_plan if ticket.type == TicketType.CHANGE else None
    if (plan is not None and plan.kind == ChangeKind.EMERGENCY) or stage_name(ticket) == "manager":
        return replace(policy, rule=Rule.ANY, rejections=1)
    return policy


def stage_name(ticket: Ticket) -> str:
    """Whose approval an access request awaits ("" for other tickets)."""
    grant = ticket.access_grant if ticket.type == TicketType.ACCESS_REQUEST else None
    return "" if grant is None else access_stage(grant)


def _emergency_group(session: Session) -> frozenset[int]:
    return frozenset(
        session.scalars(
            select(Person.id).where(Person.emergency_approver.is_(True), Person.active.is_(True))
        )
    )
