"""Plain read-only views of tickets and people that leave the unit of work safely."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.enums import ChangeKind, Level, Priority, Role, TicketStatus, TicketType
from storage.models import (
    MANAGER_STAGE,
    AccessGrant,
    AuditEvent,
    ChangePlan,
    Comment,
    Person,
    Service,
    Ticket,
)
from workflows.lifecycle import APPROVED_TYPES, TicketFacts


@dataclass(frozen=True)
class PersonView:
    """Who someone is, for display."""

    key: str
    name: str


@dataclass(frozen=True)
class PersonSummary:
    """A directory entry with roles and teams, for `/as`."""

    key: str
    name: str
    roles: tuple[Role, ...]
    teams: tuple[str, ...]


@dataclass(frozen=True)
class Requester:
    """Who raises a ticket, as raising needs them."""

    id: int
    key: str
    name: str
    manager_id: int | None


@dataclass(frozen=True)
class CatalogEntry:
    """A service as raising needs it: its team and the policies its tickets follow."""

    id: int
    key: str
    name: str
    team_id: int
    team_key: str
    team_name: str
    sla_policy: str | None
    escalation_policy: str | None


@dataclass(frozen=True)
class ServiceSummary:
    """A catalog entry, for choosing a service."""

    key: str
    name: str
    team_name: str
    sla_policy: str | None = None


@dataclass(frozen=True)
class CommentView:
    """A comment on a ticket."""

    author: PersonView
    body: str
    created_at: datetime


@dataclass(frozen=True)
class HistoryEntry:
    """One audit event, for display."""

    actor: PersonView | None
    action: str
    from_status: TicketStatus | None
    to_status: TicketStatus | None
    detail: str
    created_at: datetime


@dataclass(frozen=True)
class ChangeView:
    """A change's plan, for display."""

    kind: ChangeKind
    risk: Level
    planned_start: datetime
    planned_end: datetime
    rollback_plan: str
    freeze: str


@dataclass(frozen=True)
class AccessView:
    """An access request's end and whose approval it awaits ("manager", "service owner")."""

    ends_at: datetime | None
    stage: str


@dataclass(frozen=True)
class TicketView:
    """Everything a card, a reply or a digest shows of one ticket."""

    id: int
    reference: str
    ticket_type: TicketType
    title: str
    description: str
    service: str
    team_key: str
    team_name: str
    requester: PersonView
    assignee: PersonView | None
    impact: Level
    urgency: Level
    priority: Priority
    status: TicketStatus
    created_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    sla_paused: bool
    escalation_level: int
    escalation_policy: str | None
    facts: TicketFacts
    change: ChangeView | None = None
    access: AccessView | None = None


def person_view(person: Person) -> PersonView:
    """A person's display view."""
    return PersonView(key=person.key, name=person.name)


def requester_of(person: Person) -> Requester:
    """A person, as raising a ticket for them needs them."""
    return Requester(person.id, person.key, person.name, person.manager_id)


def catalog_entry(service: Service) -> CatalogEntry:
    """A service with its team, as raising a ticket about it needs it."""
    return CatalogEntry(
        service.id,
        service.key,
        service.name,
        service.team_id,
        service.team.key,
        service.team.name,
        service.sla_policy,
        service.escalation_policy,
    )


def new_ticket_view(
    row: Mapping[str, Any],
    ticket_id: int,
    reference: str,
    service: CatalogEntry,
    requester: Requester,
) -> TicketView:
    """The view of a ticket just inserted as `row`, without reading it back: for a type
    nobody approves (it has no approvers, no change plan and no access grant)."""
    ticket_type = row["type"]
    if ticket_type in APPROVED_TYPES:
        raise ValueError(f"a new {ticket_type} has approvers: load it to view it")
    return TicketView(
        id=ticket_id,
        reference=reference,
        ticket_type=ticket_type,
        title=row["title"],
        description=row["description"],
        service=service.name,
        team_key=service.team_key,
        team_name=service.team_name,
        requester=PersonView(requester.key, requester.name),
        assignee=None,
        impact=row["impact"],
        urgency=row["urgency"],
        priority=row["priority"],
        status=row["status"],
        created_at=row["created_at"],
        acknowledged_at=None,
        resolved_at=None,
        closed_at=None,
        response_due_at=row["response_due_at"],
        resolution_due_at=row["resolution_due_at"],
        sla_paused=row["sla_paused_at"] is not None,
        escalation_level=0,
        escalation_policy=service.escalation_policy,
        facts=TicketFacts(ticket_type, row["status"], service.team_id, requester.id, frozenset()),
    )


def ticket_view(ticket: Ticket, approver_ids: frozenset[int]) -> TicketView:
    """Freeze a ticket row into a view."""
    return TicketView(
        id=ticket.id,
        reference=ticket.reference or "",
        ticket_type=ticket.type,
        title=ticket.title,
        description=ticket.description,
        service=ticket.service.name,
        team_key=ticket.team.key,
        team_name=ticket.team.name,
        requester=person_view(ticket.requester),
        assignee=person_view(ticket.assignee) if ticket.assignee else None,
        impact=ticket.impact,
        urgency=ticket.urgency,
        priority=ticket.priority,
        status=ticket.status,
        created_at=ticket.created_at,
        acknowledged_at=ticket.acknowledged_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        response_due_at=ticket.response_due_at,
        resolution_due_at=ticket.resolution_due_at,
        sla_paused=ticket.sla_paused_at is not None,
        escalation_level=ticket.escalation_level or 0,
        escalation_policy=ticket.service.escalation_policy,
        facts=TicketFacts(
            ticket_type=ticket.type,
            status=ticket.status,
            team_id=ticket.team_id,
            requester_id=ticket.requester_id,
            approver_ids=approver_ids,
        ),
        change=_change_view(ticket.change_plan) if ticket.type == TicketType.CHANGE else None,
        access=(
            _access_view(ticket.access_grant) if ticket.type == TicketType.ACCESS_REQUEST else None
        ),
    )


def _change_view(plan: ChangePlan | None) -> ChangeView | None:
    if plan is None:
        return None
    return ChangeView(
        plan.kind, plan.risk, plan.planned_start, plan.planned_end, plan.rollback_plan, plan.freeze
    )


def _access_view(grant: AccessGrant | None) -> AccessView | None:
    return None if grant is None else AccessView(grant.ends_at, access_stage(grant))


def access_stage(grant: AccessGrant) -> str:
    """Whose approval the grant's stage asks for: "manager", "service owner" ("" if one stage)."""
    if grant.manager_id is None:
        return ""
    return "manager" if grant.stage == MANAGER_STAGE else "service owner"


def comment_view(comment: Comment) -> CommentView:
    """A comment's display view."""
    return CommentView(person_view(comment.author), comment.body, comment.created_at)


def history_entry(event: AuditEvent) -> HistoryEntry:
    """An audit event's display view."""
    return HistoryEntry(
        actor=person_view(event.actor) if event.actor else None,
        action=event.action,
        from_status=event.from_status,
        to_status=event.to_status,
        detail=event.detail,
        created_at=event.created_at,
    )
