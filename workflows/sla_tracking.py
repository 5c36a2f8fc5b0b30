"""Keep a ticket's clocks current as it changes: pause and resume, due moments, next check
(SLA thresholds, escalation levels, approval reminders and expiry)."""

from datetime import datetime

from storage.models import Service, Ticket
from workflows.approval_policy import ApprovalPolicy
from workflows.calendars import business_time_between
from workflows.settings import DeskSettings
from workflows.sla import BREACH, SlaTarget
from workflows.sla_state import ClockFacts, clock_runs, is_running, next_check


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


def track_clocks(ticket: Ticket, service: Service, settings: DeskSettings, now: datetime) -> None:
    """After a change to `ticket` (of `service`), bring its clocks and next check up to date."""
    policy = settings.sla.policy(service.sla_policy)
    target = policy.targets.get(ticket.priority) if policy else None
    if target is not None:
        _pause_or_resume(ticket, target, now)
        response, resolution = clock_runs(clock_facts(ticket), target)
        if response is not None:
            ticket.response_due_at = response.moment(BREACH)
        resolution_due = resolution.moment(BREACH) if resolution else None
        if resolution_due is not None:
            ticket.resolution_due_at = resolution_due
    escalation = settings.escalation.policy(service.escalation_policy)
    approval = settings.approvals.get(service.key, ApprovalPolicy())
    ticket.next_check_at = next_check(clock_facts(ticket), policy, escalation, approval)


def _pause_or_resume(ticket: Ticket, target: SlaTarget, now: datetime) -> None:
    if not is_running(ticket.status):
        if ticket.sla_paused_at is None:
            ticket.sla_paused_at = now
        return
    if ticket.sla_paused_at is not None:
        paused = business_time_between(target.resolution_calendar, ticket.sla_paused_at, now)
        ticket.sla_paused_seconds = (ticket.sla_paused_seconds or 0.0) + paused.total_seconds()
        ticket.sla_paused_at = None
