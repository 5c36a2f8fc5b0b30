"""Queries over the links between problems and incidents (no changes: see problems.py)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.enums import IntentKind
from storage.models import ProblemLink, Ticket
from workflows.audiences import person
from workflows.notifications import Notice


def linked_incidents(session: Session, problem_id: int) -> list[str]:
    """References of the incidents linked to a problem, oldest first."""
    return list(
        session.scalars(
            select(Ticket.reference)
            .join(ProblemLink, ProblemLink.incident_id == Ticket.id)
            .where(ProblemLink.problem_id == problem_id)
            .order_by(Ticket.id)
        )
    )


def problems_of(session: Session, incident_id: int) -> list[str]:
    """References of the problems an incident is linked to."""
    return list(
        session.scalars(
            select(Ticket.reference)
            .join(ProblemLink, ProblemLink.problem_id == Ticket.id)
            .where(ProblemLink.incident_id == incident_id)
            .order_by(Ticket.id)
        )
    )


def tell_linked_requesters(session: Session, problem: Ticket) -> list[Notice]:
    """The notices a resolved problem sends: each linked incident's requester is told, once,
    naming their incidents."""
    incidents = session.scalars(
        select(Ticket)
        .join(ProblemLink, ProblemLink.incident_id == Ticket.id)
        .where(ProblemLink.problem_id == problem.id)
        .order_by(Ticket.id)
    ).all()
    by_requester: dict[str, list[str]] = {}
    for incident in incidents:
        by_requester.setdefault(incident.requester.key, []).append(incident.reference or "")
    return [
        Notice(
            IntentKind.DIRECT_MESSAGE,
            person(key),
            {"event": "problem_resolved", "incidents": references},
        )
        for key, references in sorted(by_requester.items())
    ]
