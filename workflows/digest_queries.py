"""The SQL aggregates behind a digest: a handful of statements, no ticket loaded into Python.

Every statement reads only the tickets still open or resolved since the start of the window it
needs (an index on `(resolved_at, created_at)` finds them), so its cost follows the period's
activity, not the size of the history. Day buckets are a CASE over boundaries computed in
Python (a binary search, so a 90-day report costs seven comparisons a row): the same on SQLite
and PostgreSQL, and right across daylight-saving changes.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    case,
    exists,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from storage.enums import Priority, TicketStatus, TicketType
from storage.functions import seconds_between
from storage.models import AuditEvent, Service, Team, Ticket
from workflows.digest import (
    OpenTicket,
    Period,
    PriorityFigures,
    Scope,
    SlaFigures,
    Tally,
)

OLDEST_SHOWN = 5
TOP_SHOWN = 5
BEFORE = -1  # the bucket of tickets created before the period (the backlog it starts with)

Condition = ColumnElement[bool]


def in_scope(scope: Scope) -> list[Condition]:
    """Tickets of the scope's teams or services (no condition when the scope is everything)."""
    if not scope.teams and not scope.services:
        return []
    teams = select(Team.id).where(Team.key.in_(scope.teams))
    services = select(Service.id).where(Service.key.in_(scope.services))
    return [or_(Ticket.team_id.in_(teams), Ticket.service_id.in_(services))]


def _touched(since: datetime, end: datetime, scope: Scope) -> list[Condition]:
    # Created before the end, and open or resolved since `since`: every ticket with an event
    # (creation, acknowledgement, resolution, a due moment missed) in [since, end).
    return [
        Ticket.created_at < end,
        or_(Ticket.resolved_at.is_(None), Ticket.resolved_at >= since),
        *in_scope(scope),
    ]


def _within(column: Any, period: Period) -> Condition:
    return and_(column >= period.start, column < period.end)


def _response_missed(period: Period) -> Condition:
    responded = func.coalesce(Ticket.acknowledged_at, Ticket.resolved_at)
    return and_(
        _within(Ticket.response_due_at, period),
        or_(responded.is_(None), responded > Ticket.response_due_at),
    )


def _resolution_missed(period: Period) -> Condition:
    # A paused clock's due moment moves on when it resumes: not missed while it is paused.
    return and_(
        _within(Ticket.resolution_due_at, period),
        or_(
            Ticket.resolved_at > Ticket.resolution_due_at,
            and_(Ticket.resolved_at.is_(None), Ticket.sla_paused_at.is_(None)),
        ),
    )


@dataclass(frozen=True)
class PeriodFigures:
    """The figures one pass over the period's tickets gives."""

    by_priority: list[PriorityFigures]
    sla: SlaFigures
    changes_awaiting_approval: int
    changes_failed: int


def period_figures(session: Session, scope: Scope, period: Period, now: datetime) -> PeriodFigures:
    """One statement, grouped by priority: new, resolved and open tickets, MTTA and MTTR now
    and in the previous period, SLA targets missed and met, tickets at risk, and changes."""
    before = period.previous
    to_ack = seconds_between(Ticket.acknowledged_at, Ticket.created_at)
    to_resolve = seconds_between(Ticket.resolved_at, Ticket.created_at)
    rows = session.execute(
        select(
            Ticket.priority,
            func.count().filter(_within(Ticket.created_at, period)),
            func.count().filter(_within(Ticket.resolved_at, period)),
            func.count().filter(
                or_(Ticket.resolved_at.is_(None), Ticket.resolved_at >= period.end)
            ),
            func.avg(to_ack).filter(_within(Ticket.acknowledged_at, period)),
            func.avg(to_ack).filter(_within(Ticket.acknowledged_at, before)),
            func.avg(to_resolve).filter(_within(Ticket.resolved_at, period)),
            func.avg(to_resolve).filter(_within(Ticket.resolved_at, before)),
            *_sla_counts(period, now),
            *_change_counts(period),
        )
        .where(*_touched(before.start, period.end, scope))
        .group_by(Ticket.priority)
    ).all()
    found = {Priority(row[0]): row[1:8] for row in rows}
    empty = (0, 0, 0, None, None, None, None)
    missed, met, risky, awaiting, failed = (
        sum(int(row[column]) for row in rows) for column in range(8, 13)
    )
    return PeriodFigures(
        by_priority=[
            PriorityFigures(priority, *_figures(found.get(priority, empty)))
            for priority in Priority
        ],
        sla=SlaFigures(breaches=missed, met=met, at_risk=risky),
        changes_awaiting_approval=awaiting,
        changes_failed=failed,
    )


def _figures(row: Sequence[Any]) -> tuple[Any, ...]:
    counts, means = row[:3], row[3:]
    return (*(int(count) for count in counts), *(_seconds(mean) for mean in means))


def _seconds(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)


def _sla_counts(period: Period, now: datetime) -> list[ColumnElement[int]]:
    """Targets missed in the period, met in it, and open tickets warned of but not yet due."""
    responded = func.coalesce(Ticket.acknowledged_at, Ticket.resolved_at)
    met_response = and_(_within(responded, period), responded <= Ticket.response_due_at)
    met_resolution = and_(
        _within(Ticket.resolved_at, period), Ticket.resolved_at <= Ticket.resolution_due_at
    )
    at_risk = and_(
        Ticket.resolved_at.is_(None),
        or_(
            and_(
                Ticket.acknowledged_at.is_(None),
                Ticket.response_stage >= 1,
                Ticket.response_due_at > now,
            ),
            and_(
                Ticket.sla_paused_at.is_(None),
                Ticket.resolution_stage >= 1,
                Ticket.resolution_due_at > now,
            ),
        ),
    )
    return [
        func.count().filter(_response_missed(period))
        + func.count().filter(_resolution_missed(period)),
        func.count().filter(met_response) + func.count().filter(met_resolution),
        func.count().filter(at_risk),
    ]


def _change_counts(period: Period) -> list[ColumnElement[int]]:
    """Changes awaiting approval now, and changes that failed in the period."""
    failed = exists().where(
        AuditEvent.ticket_id == Ticket.id, AuditEvent.to_status == TicketStatus.FAILED
    )
    is_change = Ticket.type == TicketType.CHANGE
    return [
        func.count().filter(is_change, Ticket.status == TicketStatus.AWAITING_APPROVAL),
        func.count().filter(is_change, _within(Ticket.resolved_at, period), failed),
    ]


def oldest_open(session: Session, scope: Scope, limit: int = OLDEST_SHOWN) -> list[OpenTicket]:
    """The open tickets waiting longest."""
    rows = session.execute(
        select(Ticket.reference, Ticket.title, Ticket.priority, Team.name, Ticket.created_at)
        .join(Team, Ticket.team_id == Team.id)
        .where(Ticket.resolved_at.is_(None), *in_scope(scope))
        .order_by(Ticket.created_at, Ticket.id)
        .limit(limit)
    ).all()
    return [
        OpenTicket(reference or "", title, Priority(priority), team, created_at)
        for reference, title, priority, team, created_at in rows
    ]


def top_services(session: Session, scope: Scope, period: Period) -> list[Tally]:
    """The services with the most new tickets in the period."""
    # Counted on tickets first, then named: a join first lets SQLite read tickets per service.
    counts = (
        select(Ticket.service_id, func.count().label("count"))
        .where(_within(Ticket.created_at, period), *_touched(period.start, period.end, scope))
        .group_by(Ticket.service_id)
        .subquery()
    )
    rows = session.execute(
        select(Service.name, counts.c.count)
        .join(counts, counts.c.service_id == Service.id)
        .order_by(counts.c.count.desc(), Service.name)
        .limit(TOP_SHOWN)
    ).all()
    return [Tally(name, int(number)) for name, number in rows]


def top_categories(session: Session, scope: Scope, period: Period) -> list[Tally]:
    """The ticket types (incident, change, …) with the most new tickets in the period."""
    count = func.count().label("count")
    rows = session.execute(
        select(Ticket.type, count)
        .where(_within(Ticket.created_at, period), *_touched(period.start, period.end, scope))
        .group_by(Ticket.type)
        .order_by(count.desc(), Ticket.type)
        .limit(TOP_SHOWN)
    ).all()
    return [Tally(str(TicketType(kind)), int(number)) for kind, number in rows]


def daily_counts(
    session: Session, scope: Scope, bounds: list[datetime]
) -> dict[int, tuple[int, int, int]]:
    """Per day bucket (0 .. len(bounds) - 2, and BEFORE): tickets created, resolved, and SLA
    targets missed. `bounds` are the period's start, the local midnights inside it, its end.

    One pass over the period's tickets gives each its buckets (a common table expression);
    the four kinds of event are then counted from it.
    """
    period = Period(bounds[0], bounds[-1])
    inner = bounds[1:-1]
    tickets = (
        select(
            case(
                (Ticket.created_at < period.start, literal_column(str(BEFORE))),
                else_=_bucket(Ticket.created_at, inner),
            ).label("created"),
            case((_within(Ticket.resolved_at, period), _bucket(Ticket.resolved_at, inner))).label(
                "resolved"
            ),
            case((_response_missed(period), _bucket(Ticket.response_due_at, inner))).label(
                "response"
            ),
            case((_resolution_missed(period), _bucket(Ticket.resolution_due_at, inner))).label(
                "resolution"
            ),
        )
        .where(*_touched(period.start, period.end, scope))
        .cte("day_buckets")
    )
    events = union_all(
        *(
            _events(column, flags)
            for column, flags in (
                (tickets.c.created, (1, 0, 0)),
                (tickets.c.resolved, (0, 1, 0)),
                (tickets.c.response, (0, 0, 1)),
                (tickets.c.resolution, (0, 0, 1)),
            )
        )
    ).subquery()
    rows = session.execute(
        select(
            events.c.bucket,
            func.sum(events.c.opened),
            func.sum(events.c.closed),
            func.sum(events.c.missed),
        ).group_by(events.c.bucket)
    ).all()
    return {int(bucket): (int(a), int(b), int(c)) for bucket, a, b, c in rows}


def _events(bucket: Any, flags: tuple[int, int, int]) -> Any:
    columns = [
        literal_column(str(flag), Integer).label(name)
        for flag, name in zip(flags, ("opened", "closed", "missed"), strict=True)
    ]
    return select(bucket.label("bucket"), *columns).where(bucket.is_not(None))


def _bucket(column: Any, inner: list[datetime], low: int = 0) -> ColumnElement[Any]:
    """How many of the (sorted) `inner` boundaries lie at or before `column`, plus `low`."""
    if not inner:
        return literal_column(str(low))
    middle = len(inner) // 2
    return case(
        (column < inner[middle], _bucket(column, inner[:middle], low)),
        else_=_bucket(column, inner[middle + 1 :], low + middle + 1),
    )
