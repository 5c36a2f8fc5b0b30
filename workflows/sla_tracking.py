"""Keep a ticket's clocks current as it changes: pause and resume, due moments, next check
(SLA thresholds, escalation levels, approval reminders and expiry)."""

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Protocol

from storage.enums import TicketStatus
from storage.models import Ticket
from workflows.approval_policy import ApprovalPolicy
from workflows.calendars import business_time_between
from workflows.settings import DeskSettings
from workflows.sla import BREACH, SlaTarget
from workflows.sla_state import ClockFacts, clock_runs, is_running, next_check


class ServicePolicies(Protocol):
    """What the clocks need of a ticket's service: which policies apply to it."""

    @property
    def key(self) -> str:
        """The service's catalog key (approval policies are keyed by it)."""

    @property
    def sla_policy(self) -> str | None:
        """The SLA policy's name, if the service has one."""

    @property
    def escalation_policy(self) -> str | None:
        """The escalation policy's name, if the service has one."""


@dataclass(frozen=True)
class Clocks:
    """The clock columns of a ticket row, which track_clocks keeps current."""

    sla_paused_at: datetime | None = None
    sla_paused_seconds: float = 0.0
    response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    next_check_at: datetime | None = None


_CLOCK_COLUMNS = tuple(column.name for column in fields(Clocks))


def clock_facts(ticket: Ticket) -> ClockFacts:
    """The clock-related columns of a ticket row."""
    return ClockFacts(
        ticket_type=ticket.type,
        status=ticket.status,
        priority=ticket.priority,
        created_at=ticket.created_at,
        acknowledged_at=ticket.acknowledged_at,
        sla_paused_at=ticket.sla_paused_at,
        sla_paused_seconds=ticket.sla_paused_seconds or 0.0,
        response_stage=ticket.response_stage or 0,
        resolution_stage=ticket.resolution_stage or 0,
        escalation_level=ticket.escalation_level or 0,
        approval_requested_at=ticket.approval_requested_at,
        approval_reminders=ticket.approval_reminders or 0,
    )


def track_clocks(
    ticket: Ticket, service: ServicePolicies, settings: DeskSettings, now: datetime
) -> None:
    """After a change to `ticket` (of `service`), bring its clocks and next check up to date."""
    current = Clocks(
        ticket.sla_paused_at,
        ticket.sla_paused_seconds or 0.0,
        ticket.response_due_at,
        ticket.resolution_due_at,
        ticket.next_check_at,
    )
    updated = updated_clocks(clock_facts(ticket), current, service, settings, now)
    for column in _CLOCK_COLUMNS:
        value = getattr(updated, column)
        if getattr(ticket, column) != value:
            setattr(ticket, column, value)


def updated_clocks(
    facts: ClockFacts,
    current: Clocks,
    service: ServicePolicies,
    settings: DeskSettings,
    now: datetime,
) -> Clocks:
    """The clocks of a ticket whose columns are `facts`, after a change at `now` (a new
    ticket's clocks are `Clocks()`): paused or resumed, due moments and next check.

    A clock that no longer runs keeps its last due moment, and so does a paused resolution
    clock, so a ticket shows when it was (or will be) due."""
    policy = settings.sla.policy(service.sla_policy)
    target = policy.targets.get(facts.priority) if policy else None
    response_due, resolution_due = current.response_due_at, current.resolution_due_at
    paused_at, paused_seconds = current.sla_paused_at, current.sla_paused_seconds
    if target is not None:
        paused_at, paused_seconds = _paused(facts.status, target, current, now)
        if (paused_at, paused_seconds) != (facts.sla_paused_at, facts.sla_paused_seconds):
            facts = replace(facts, sla_paused_at=paused_at, sla_paused_seconds=paused_seconds)
        response, resolution = clock_runs(facts, target)
        if response is not None:
            response_due = response.moment(BREACH)
        resolution_moment = resolution.moment(BREACH) if resolution else None
        if resolution_moment is not None:
            resolution_due = resolution_moment
    escalation = settings.escalation.policy(service.escalation_policy)
    approval = settings.approvals.get(service.key, ApprovalPolicy())
    check = next_check(facts, policy, escalation, approval)
    return Clocks(paused_at, paused_seconds, response_due, resolution_due, check)


def _paused(
    status: TicketStatus, target: SlaTarget, current: Clocks, now: datetime
) -> tuple[datetime | None, float]:
    """When the resolution clock was paused (None while it runs) and for how long it has
    been paused in all, once the status is `status`."""
    if not is_running(status):
        return current.sla_paused_at or now, current.sla_paused_seconds
    if current.sla_paused_at is None:
        return None, current.sla_paused_seconds
    paused = business_time_between(target.resolution_calendar, current.sla_paused_at, now)
    return None, current.sla_paused_seconds + paused.total_seconds()
