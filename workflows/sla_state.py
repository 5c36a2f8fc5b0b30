"""Where a ticket's clocks stand (pure): which run, when each is due, when to look next."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.enums import Priority, TicketStatus, TicketType
from workflows.approval_policy import ApprovalPolicy, next_timer
from workflows.escalation_policy import EscalationPolicy
from workflows.lifecycle import CLOSED_STATUSES, DONE_STATUSES
from workflows.sla import (
    RESOLUTION_TYPES,
    RESPONSE_TYPES,
    RUNNING_STATUSES,
    ClockRun,
    SlaPolicy,
    SlaTarget,
    next_moment,
)


@dataclass(frozen=True)
class ClockFacts:
    """The columns of a ticket its clocks depend on."""

    ticket_type: TicketType
    status: TicketStatus
    priority: Priority
    created_at: datetime
    acknowledged_at: datetime | None
    sla_paused_at: datetime | None
    sla_paused_seconds: float
    response_stage: int
    resolution_stage: int
    escalation_level: int
    approval_requested_at: datetime | None = None
    approval_reminders: int = 0


def awaiting_response(facts: ClockFacts) -> bool:
    """An incident nobody has acknowledged yet, still open."""
    return (
        facts.ticket_type in RESPONSE_TYPES
        and facts.acknowledged_at is None
        and facts.status not in DONE_STATUSES | CLOSED_STATUSES
    )


def awaiting_approval(facts: ClockFacts) -> bool:
    """A ticket waiting for its approvers since a known moment."""
    return (
        facts.status == TicketStatus.AWAITING_APPROVAL and facts.approval_requested_at is not None
    )


def response_run(facts: ClockFacts, target: SlaTarget) -> ClockRun | None:
    """The response clock, while it runs."""
    if not awaiting_response(facts):
        return None
    return ClockRun(facts.created_at, target.response, target.response_calendar)


def resolution_run(facts: ClockFacts, target: SlaTarget) -> ClockRun | None:
    """The resolution clock (paused or running); None for types without one or once closed."""
    if facts.ticket_type not in RESOLUTION_TYPES or facts.status in CLOSED_STATUSES:
        return None
    return ClockRun(
        facts.created_at,
        target.resolution,
        target.resolution_calendar,
        timedelta(seconds=facts.sla_paused_seconds),
        facts.sla_paused_at,
    )


def clock_runs(facts: ClockFacts, target: SlaTarget) -> tuple[ClockRun | None, ClockRun | None]:
    """The response and resolution clocks."""
    return response_run(facts, target), resolution_run(facts, target)


def is_running(status: TicketStatus) -> bool:
    """Whether the resolution clock counts in `status`."""
    return status in RUNNING_STATUSES


def next_check(
    facts: ClockFacts,
    policy: SlaPolicy | None,
    escalation: EscalationPolicy | None,
    approval: ApprovalPolicy | None = None,
) -> datetime | None:
    """The earliest moment something about this ticket falls due: a warning, a breach, an
    escalation level, an approval reminder or expiry."""
    moments: list[datetime | None] = []
    if approval is not None and awaiting_approval(facts):
        assert facts.approval_requested_at is not None
        moments.append(next_timer(approval, facts.approval_requested_at, facts.approval_reminders))
    target = policy.targets.get(facts.priority) if policy else None
    if policy is not None and target is not None:
        response, resolution = clock_runs(facts, target)
        if response is not None:
            moments.append(next_moment(response, policy.thresholds, facts.response_stage))
        if resolution is not None:
            moments.append(next_moment(resolution, policy.thresholds, facts.resolution_stage))
    if escalation is not None and awaiting_response(facts):
        moments.append(escalation.next_moment(facts.created_at, facts.escalation_level))
    due = [moment for moment in moments if moment is not None]
    return min(due) if due else None
