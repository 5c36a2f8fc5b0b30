"""Problems: link the incidents a problem causes, and close the loop when it is resolved.

Linking and unlinking are done by the problem's team and audited on both tickets. When the
problem is resolved, each linked incident's requester is told, and the team is offered one
press that resolves every linked incident still open (each through its own lifecycle).
"""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.enums import TicketStatus, TicketType
from storage.inserts import insert_if_absent
from storage.models import ProblemLink, Ticket
from workflows.directory import actor_for, load_person
from workflows.errors import DomainError, InvalidInput, NotAllowed
from workflows.lifecycle import CLOSED_STATUSES, DONE_STATUSES, Action
from workflows.problem_links import linked_incidents
from workflows.settings import DeskSettings
from workflows.tickets import (
    act,
    audit,
    load_ticket,
    notify,
    payload_of,
    thread_note,
)
from workflows.views import TicketView


def link(
    session: Session,
    settings: DeskSettings,
    actor_key: str,
    problem_ref: str,
    incident_ref: str,
    now: datetime,
) -> None:
    """Link an incident to a problem (the problem's team only); linking twice is refused."""
    problem, incident = _pair(session, actor_key, problem_ref, incident_ref)
    row = {"problem_id": problem.id, "incident_id": incident.id, "linked_at": now}
    if not insert_if_absent(session, ProblemLink, row, ["problem_id", "incident_id"]):
        raise InvalidInput(f"{incident.reference} is already linked to {problem.reference}.")
    _record(session, settings, actor_key, problem, incident, "linked", now)


def unlink(
    session: Session,
    settings: DeskSettings,
    actor_key: str,
    problem_ref: str,
    incident_ref: str,
    now: datetime,
) -> None:
    """Undo a link (the problem's team only)."""
    problem, incident = _pair(session, actor_key, problem_ref, incident_ref)
    removed = session.execute(
        delete(ProblemLink).where(
            ProblemLink.problem_id == problem.id, ProblemLink.incident_id == incident.id
        )
    )
    if not removed.rowcount:  # type: ignore[attr-defined]
        raise InvalidInput(f"{incident.reference} is not linked to {problem.reference}.")
    _record(session, settings, actor_key, problem, incident, "unlinked", now)


def resolve_linked(
    session: Session, settings: DeskSettings, actor_key: str, problem_ref: str, now: datetime
) -> tuple[list[TicketView], list[str]]:
    """Resolve every linked incident still open; each move is checked by its own lifecycle.

    Returns the incidents resolved and, for the ones that could not be, why.
    """
    problem = _problem(session, problem_ref)
    if problem.status not in DONE_STATUSES | CLOSED_STATUSES:
        raise InvalidInput(f"Resolve {problem.reference} first; its incidents follow it.")
    resolved, refused = [], []
    for reference in linked_incidents(session, problem.id):
        incident = load_ticket(session, reference)
        if incident.status in DONE_STATUSES | CLOSED_STATUSES:
            continue
        # A linked incident nobody acknowledged yet is acknowledged on the way.
        moves = [Action.ACKNOWLEDGE] if incident.status == TicketStatus.NEW else []
        try:
            with session.begin_nested():
                for move in moves:
                    act(session, settings, actor_key, reference, move, now)
                resolved.append(act(session, settings, actor_key, reference, Action.RESOLVE, now))
        except DomainError as refusal:
            refused.append(f"{reference}: {refusal}")
    return resolved, refused


def _pair(
    session: Session, actor_key: str, problem_ref: str, incident_ref: str
) -> tuple[Ticket, Ticket]:
    problem = _problem(session, problem_ref)
    incident = load_ticket(session, incident_ref)
    if incident.type != TicketType.INCIDENT:
        raise InvalidInput(f"Only incidents are linked to a problem; {incident.reference} is not.")
    actor = load_person(session, actor_key)
    if problem.team_id not in actor_for(session, actor).team_ids:
        raise NotAllowed(f"Only {problem.team.name} links incidents to {problem.reference}.")
    return problem, incident


def _problem(session: Session, reference: str) -> Ticket:
    problem = load_ticket(session, reference)
    if problem.type != TicketType.PROBLEM:
        raise InvalidInput(f"{problem.reference} is not a problem; write it like PRB-3.")
    return problem


def _record(
    session: Session,
    settings: DeskSettings,
    actor_key: str,
    problem: Ticket,
    incident: Ticket,
    verb: str,
    now: datetime,
) -> None:
    actor = load_person(session, actor_key)
    for ticket, other in ((problem, incident), (incident, problem)):
        other_ref = other.reference or ""
        event = audit(session, ticket, actor, verb, None, None, now, detail=other_ref)
        payload = payload_of(verb, actor, other=other_ref)
        notify(session, settings, ticket, event, now, thread_note(ticket, payload))
