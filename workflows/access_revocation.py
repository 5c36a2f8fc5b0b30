"""The revocation sweep: granted access whose end has passed becomes a task for the team."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.enums import IntentKind, Level, TicketType
from storage.models import AccessGrant, Ticket
from workflows import audiences
from workflows.change_rules import MOMENT_FORMAT
from workflows.notifications import Notice
from workflows.settings import DeskSettings
from workflows.tickets import TITLE_MAX, NewTicket, audit, card_notice, insert_ticket, notify
from workflows.views import catalog_entry, requester_of

REVOCATION_BATCH = 100


def revoke_ended_access(session: Session, settings: DeskSettings, now: datetime) -> int:
    """Raise a revocation task for each granted access that ended by `now` (once each, even
    with several replicas: the grants are claimed with SKIP LOCKED); return how many."""
    grants = session.scalars(
        select(AccessGrant)
        .where(
            AccessGrant.ends_at <= now,
            AccessGrant.granted_at.is_not(None),
            AccessGrant.revocation_id.is_(None),
        )
        .order_by(AccessGrant.ends_at)
        .limit(REVOCATION_BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    for grant in grants:
        _raise_revocation(session, settings, grant, now)
    return len(grants)


def _raise_revocation(
    session: Session, settings: DeskSettings, grant: AccessGrant, now: datetime
) -> None:
    """The access `grant` gave has ended: raise the owning team's task to revoke it."""
    access = session.get_one(Ticket, grant.ticket_id)
    ends = f"{grant.ends_at:{MOMENT_FORMAT}} UTC" if grant.ends_at else "now"
    new = NewTicket(
        ticket_type=TicketType.SERVICE_REQUEST,
        service_key=access.service.key,
        title=f"Revoke access: {access.title}"[:TITLE_MAX],
        description=(
            f"The access {access.requester.name} was granted by {access.reference} ended at "
            f"{ends}. Please remove it, then fulfil this task."
        ),
        impact=Level.LOW,
        urgency=Level.MEDIUM,
    )
    service = catalog_entry(access.service)
    requester = requester_of(access.requester)
    ticket = insert_ticket(session, settings, new, new.title, service, requester, now)
    grant.revocation_id = ticket.id
    event = audit(session, ticket, None, "raised", None, ticket.status, now, access.reference or "")
    told = {"event": "access_ended", "actor": "The desk", "revocation": ticket.reference}
    notices = [
        card_notice(service.team_key),
        Notice(IntentKind.DIRECT_MESSAGE, audiences.person(access.requester.key), told),
    ]
    notify(session, settings, ticket, event, now, *notices)
