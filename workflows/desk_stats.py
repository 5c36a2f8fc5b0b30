"""Live figures of the desk for its metrics: tickets by state, open breaches (SQL aggregates)."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.enums import TicketStatus, TicketType
from storage.models import Ticket
from workflows.sla import SlaClock


def tickets_by_state(session: Session) -> list[tuple[TicketType, TicketStatus, int]]:
    """How many tickets there are of each type in each status."""
    rows = session.execute(
        select(Ticket.type, Ticket.status, func.count()).group_by(Ticket.type, Ticket.status)
    ).all()
    return [(TicketType(kind), TicketStatus(status), count) for kind, status, count in rows]


def open_breaches(session: Session, now: datetime) -> dict[SlaClock, int]:
    """Open tickets past a due moment: unacknowledged past response, unresolved past resolution."""
    response, resolution = session.execute(
        select(
            func.count().filter(
                Ticket.acknowledged_at.is_(None),
                Ticket.closed_at.is_(None),
                Ticket.resolved_at.is_(None),
                Ticket.response_due_at < now,
            ),
            func.count().filter(
                Ticket.resolved_at.is_(None),
                Ticket.closed_at.is_(None),
                Ticket.sla_paused_at.is_(None),
                Ticket.resolution_due_at < now,
            ),
        )
    ).one()
    return {SlaClock.RESPONSE: response, SlaClock.RESOLUTION: resolution}
