"""The sweep: announce the SLA warnings, breaches, escalation levels and approval reminders
that fell due, and expire approvals whose time ran out.

It reads only tickets whose indexed `next_check_at` has passed, so its cost follows what is
due, not what is open. Rows are claimed with FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite runs
one writer at a time), so replicas sweeping together share the work. Everything a ticket's
check decides — its intents, audit events, new stages and next check — is written in the
same transaction, and each intent's key names (ticket, clock, priority, threshold) or
(ticket, level): a sweep repeated after a crash announces nothing twice.

When several thresholds of a clock passed since the last sweep (the bot was down), only the
highest is announced: nobody needs "75 % used" after "breached".
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    RowMapping,
    Table,
    bindparam,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, aliased

from storage.enums import IntentKind, Priority, TicketStatus, TicketType
from storage.inserts import insert_all, json_batch
from storage.models import AuditEvent, Person, Service, Team, Ticket
from workflows.approval_policy import ApprovalPolicy, expired, reminders_due
from workflows.audiences import person, team
from workflows.escalation import escalation_announcement
from workflows.notifications import Announcement, Notice, enqueue_many
from workflows.settings import DeskSettings
from workflows.sla import BREACH, SlaClock, SlaPolicy, crossed
from workflows.sla_state import (
    ClockFacts,
    awaiting_approval,
    awaiting_response,
    clock_runs,
    next_check,
)
from workflows.tickets import expire_approval, remind_approvers

SWEEP_BATCH = 500

_TICKETS = cast(Table, Ticket.__table__)
_Assignee = aliased(Person)
_DUE = (
    select(
        Ticket.id,
        Ticket.reference,
        Ticket.type,
        Ticket.status,
        Ticket.priority,
        Ticket.created_at,
        Ticket.acknowledged_at,
        Ticket.sla_paused_at,
        Ticket.sla_paused_seconds,
        Ticket.response_stage,
        Ticket.resolution_stage,
        Ticket.escalation_level,
        Ticket.approval_requested_at,
        Ticket.approval_reminders,
        Service.key.label("service_key"),
        Service.sla_policy,
        Service.escalation_policy,
        Team.key.label("team_key"),
        _Assignee.key.label("assignee_key"),
    )
    .join(Service, Ticket.service_id == Service.id)
    .join(Team, Ticket.team_id == Team.id)
    .outerjoin(_Assignee, Ticket.assignee_id == _Assignee.id)
    .where(Ticket.next_check_at <= bindparam("now"))
    .order_by(Ticket.next_check_at)
    .limit(bindparam("batch"))
    .with_for_update(of=Ticket, skip_locked=True)
)
_RECORD = (
    update(_TICKETS)
    .where(_TICKETS.c.id == bindparam("ticket_id"))
    .values(
        response_stage=bindparam("new_response_stage"),
        resolution_stage=bindparam("new_resolution_stage"),
        escalation_level=bindparam("new_escalation_level"),
        approval_reminders=bindparam("new_approval_reminders"),
        next_check_at=bindparam("new_next_check_at"),
    )
)
# PostgreSQL: the batch's rows travel as one JSON array; a short, constant text that the
# driver parses once, applied in one statement.
_RECORD_BATCH = text(
    "UPDATE tickets SET response_stage = swept.new_response_stage, "
    "resolution_stage = swept.new_resolution_stage, "
    "escalation_level = swept.new_escalation_level, "
    "approval_reminders = swept.new_approval_reminders, "
    "next_check_at = swept.new_next_check_at "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS swept(ticket_id integer, "
    "new_response_stage smallint, new_resolution_stage smallint, "
    "new_escalation_level smallint, new_approval_reminders smallint, "
    "new_next_check_at timestamptz) "
    "WHERE tickets.id = swept.ticket_id"
)


@dataclass(frozen=True)
class DueTicket:
    """A due ticket as the sweep reads it: its clock facts and whom it concerns."""

    id: int
    reference: str | None
    facts: ClockFacts
    service_key: str
    sla_policy: str | None
    escalation_policy: str | None
    team_key: str
    assignee_key: str | None
    priority: Priority


@dataclass(frozen=True)
class Checked:
    """What one ticket's check decided: its new clock facts, next check, what to announce, what
    to audit, a reminder number to send its pending approvers, and whether its approval expired."""

    facts: ClockFacts
    next_check_at: datetime | None
    announcements: list[Announcement]
    audit: list[dict[str, Any]]
    reminder: int | None = None
    expired: bool = False


def sweep(session: Session, settings: DeskSettings, now: datetime, batch: int = SWEEP_BATCH) -> int:
    """Check up to `batch` due tickets; return how many were checked (batch: call again)."""
    rows = session.execute(_DUE, {"now": now, "batch": batch}).all()
    checks = [(row.id, _check(_due_ticket(row._mapping), settings, now)) for row in rows]
    if not checks:
        return 0
    enqueue_many(session, settings, [a for _, c in checks for a in c.announcements], now)
    audit = [entry for _, check in checks for entry in check.audit]
    insert_all(session, AuditEvent, audit)
    _approval_timers(session, settings, checks, now)
    _record(session, checks)
    for ticket_id, check in checks:
        if check.expired:  # after the record, so the expiry's own next check wins
            expire_approval(session, settings, ticket_id, now)
    return len(checks)


def _record(session: Session, checks: list[tuple[int, Checked]]) -> None:
    """Write every checked ticket's new stages and next check.

    On PostgreSQL one UPDATE for the whole batch: a statement a ticket would cost a round
    trip each. SQLite, in process, runs the per-ticket statement as one executemany.
    """
    rows = [
        {
            "ticket_id": ticket_id,
            "new_response_stage": check.facts.response_stage,
            "new_resolution_stage": check.facts.resolution_stage,
            "new_escalation_level": check.facts.escalation_level,
            "new_approval_reminders": check.facts.approval_reminders,
            "new_next_check_at": check.next_check_at,
        }
        for ticket_id, check in checks
    ]
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(_RECORD, rows)
        return
    connection.execute(_RECORD_BATCH, {"rows": json_batch(rows)})


def _approval_timers(
    session: Session, settings: DeskSettings, checks: list[tuple[int, Checked]], now: datetime
) -> None:
    for ticket_id, check in checks:
        if check.reminder is not None and not check.expired:
            remind_approvers(session, settings, ticket_id, check.reminder, now)


def _check(row: DueTicket, settings: DeskSettings, now: datetime) -> Checked:
    facts = row.facts
    policy = settings.sla.policy(row.sla_policy)
    announcements: list[Announcement] = []
    audit: list[dict[str, Any]] = []
    breached_response = False
    if policy is not None and facts.priority in policy.targets:
        facts, sla_announcements, breached_response = _thresholds(row, facts, policy, now)
        announcements += sla_announcements
    escalation = settings.escalation.policy(row.escalation_policy)
    if escalation is not None and (awaiting_response(facts) or breached_response):
        level = escalation.timed_level(facts.created_at, now)
        level = max(level, 1 if breached_response else 0, facts.escalation_level)
        if level > facts.escalation_level:
            reason = "response target breached" if breached_response else "not acknowledged"
            announcements.append(
                escalation_announcement(
                    ticket_id=row.id,
                    owning_team=row.team_key,
                    policy=escalation,
                    book=settings.escalation,
                    level=level,
                    reason=reason,
                    now=now,
                )
            )
            audit.append(_escalation_audit(row.id, level, reason, now))
            facts = replace(facts, escalation_level=level)
    approval = settings.approvals.get(row.service_key, ApprovalPolicy())
    reminder, has_expired = None, False
    if awaiting_approval(facts):
        assert facts.approval_requested_at is not None
        has_expired = expired(approval, facts.approval_requested_at, now)
        due = reminders_due(approval, facts.approval_requested_at, now)
        if due > facts.approval_reminders:
            reminder = due
            facts = replace(facts, approval_reminders=due)
    return Checked(
        facts,
        next_check(facts, policy, escalation, approval),
        announcements,
        audit,
        reminder,
        has_expired,
    )


def _thresholds(
    row: DueTicket, facts: ClockFacts, policy: SlaPolicy, now: datetime
) -> tuple[ClockFacts, list[Announcement], bool]:
    """Advance both clocks' stages to `now`; the announcements, and whether response breached."""
    thresholds = policy.thresholds
    response, resolution = clock_runs(facts, policy.targets[facts.priority])
    announcements = []
    breached_response = False
    stages = {
        SlaClock.RESPONSE: (response, facts.response_stage),
        SlaClock.RESOLUTION: (resolution, facts.resolution_stage),
    }
    reached = {}
    for clock, (run, stage) in stages.items():
        reached[clock] = crossed(run, thresholds, stage, now) if run is not None else stage
        if reached[clock] > stage:
            fraction = thresholds[reached[clock] - 1]
            due = run.moment(BREACH) if run is not None else None
            announcements.append(_announce(row, clock, fraction, due))
            breached_response |= clock == SlaClock.RESPONSE and fraction == BREACH
    updated = replace(
        facts,
        response_stage=reached[SlaClock.RESPONSE],
        resolution_stage=reached[SlaClock.RESOLUTION],
    )
    return updated, announcements, breached_response


def _announce(
    row: DueTicket, clock: SlaClock, fraction: float, due: datetime | None
) -> Announcement:
    """A warning or breach: a line in the team's thread, a DM to the assignee, a fresh card."""
    percent = round(fraction * 100)
    payload = {
        "event": "sla",
        "clock": clock.value,
        "percent": percent,
        "due_at": due.isoformat() if due else None,
    }
    notices = [Notice(IntentKind.THREAD_NOTE, team(row.team_key), payload)]
    if row.assignee_key is not None:
        notices.append(Notice(IntentKind.DIRECT_MESSAGE, person(row.assignee_key), payload))
    if fraction == BREACH:
        notices.append(Notice(IntentKind.CARD, team(row.team_key), {"event": "card"}))
    cause = f"sla:{row.id}:{clock.value}:{row.priority}:{percent}"
    return Announcement(row.id, cause, notices)


def _escalation_audit(ticket_id: int, level: int, reason: str, now: datetime) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "actor_id": None,
        "action": "escalated",
        "from_status": None,
        "to_status": None,
        "detail": f"level {level}: {reason}",
        "created_at": now,
    }


def _due_ticket(row: RowMapping) -> DueTicket:
    facts = ClockFacts(
        ticket_type=TicketType(row["type"]),
        status=TicketStatus(row["status"]),
        priority=Priority(row["priority"]),
        created_at=row["created_at"],
        acknowledged_at=row["acknowledged_at"],
        sla_paused_at=row["sla_paused_at"],
        sla_paused_seconds=row["sla_paused_seconds"],
        response_stage=row["response_stage"],
        resolution_stage=row["resolution_stage"],
        escalation_level=row["escalation_level"],
        approval_requested_at=row["approval_requested_at"],
        approval_reminders=row["approval_reminders"],
    )
    return DueTicket(
        id=row["id"],
        reference=row["reference"],
        facts=facts,
        service_key=row["service_key"],
        sla_policy=row["sla_policy"],
        escalation_policy=row["escalation_policy"],
        team_key=row["team_key"],
        assignee_key=row["assignee_key"],
        priority=facts.priority,
    )
