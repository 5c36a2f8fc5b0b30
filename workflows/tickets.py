"""Ticket use cases: raise, move through the lifecycle, take, comment, and read.

Each function runs inside the caller's unit of work and writes, with the change itself, its
audit event and the notification intents it causes. Nothing here commits.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import Table, insert, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from storage.database import execute_prebuilt
from storage.enums import IntentKind, Level, TicketStatus, TicketType, Vote
from storage.inserts import insert_labelled
from storage.models import (
    MANAGER_STAGE,
    OWNER_STAGE,
    TITLE_LENGTH,
    AccessGrant,
    AuditEvent,
    ChangePlan,
    Comment,
    Person,
    Ticket,
)
from workflows import audiences
from workflows.approval_policy import Outcome
from workflows.approvals import (
    ApprovalState,
    approval_state,
    cast_vote,
    pending_approvers,
    refuse_second_vote,
)
from workflows.approvers import (
    approver_people,
    approvers_of,
    policy_for,
    stage_name,
)
from workflows.change_rules import ChangeDetails
from workflows.directory import (
    actor_for,
    is_responder,
    load_person,
    load_requester_and_service,
)
from workflows.errors import IllegalTransition, InvalidInput, NotAllowed, NotFound
from workflows.escalation import escalation_announcement
from workflows.lifecycle import (
    APPROVED_TYPES,
    CLOSED_STATUSES,
    DONE_STATUSES,
    INITIAL_STATUS,
    RESPONDER_RAISED,
    SUBMITTED_ON_RAISE,
    Action,
    Transition,
    Who,
    decide,
    moves_from,
)
from workflows.notifications import Notice, enqueue
from workflows.problem_links import linked_incidents, problems_of, tell_linked_requesters
from workflows.references import parse_reference, reference_prefix
from workflows.settings import DeskSettings
from workflows.sla_state import ClockFacts
from workflows.sla_tracking import Clocks, track_clocks, updated_clocks
from workflows.validation import clean_text
from workflows.views import (
    CatalogEntry,
    CommentView,
    HistoryEntry,
    Requester,
    TicketView,
    comment_view,
    history_entry,
    new_ticket_view,
    ticket_view,
)

TITLE_MAX = TITLE_LENGTH
DESCRIPTION_MAX = 20_000
COMMENT_MAX = 10_000
NOTE_MAX = 2_000
MY_TICKETS_LIMIT = 25
MAX_TICKET_ID = 2**31 - 1  # the id column is a 32-bit integer on PostgreSQL
VOTES = frozenset({Action.APPROVE, Action.REJECT})
UNDECIDED = frozenset({TicketStatus.NEW, TicketStatus.DRAFT, TicketStatus.AWAITING_APPROVAL})
ROLLBACK_MAX = 10_000


# Built once: statement construction costs more than execution on the raise path.
_INSERT_AUDIT = insert(AuditEvent).returning(AuditEvent.id)


def _scalar_defaults(table: Table, *skipped: str) -> dict[str, Any]:
    """Each column but the primary key and `skipped`, at the model's default (None where it
    has none)."""
    return {
        column.key: (
            column.default.arg if isinstance(column.default, ScalarElementColumnDefault) else None
        )
        for column in table.columns
        if not column.primary_key and column.key not in skipped
    }


# A new ticket row is written with every column, so its values are the ticket's (the
# reference is made by the insert, from the id it allocates).
_NEW_TICKET_DEFAULTS = _scalar_defaults(cast(Table, Ticket.__table__), "reference")


class Identified(Protocol):
    """A row, or a view of one, by its database id."""

    @property
    def id(self) -> int:
        """The row's primary key."""


@dataclass(frozen=True)
class InsertedTicket:
    """A ticket row just written: its id, its reference and the values it was written with."""

    id: int
    reference: str
    values: dict[str, Any]

    @property
    def status(self) -> TicketStatus:
        """The status it was raised in."""
        status: TicketStatus = self.values["status"]
        return status


@dataclass(frozen=True)
class NewTicket:
    """What a requester gives when raising a ticket."""

    ticket_type: TicketType
    service_key: str
    title: str
    description: str
    impact: Level
    urgency: Level
    change: ChangeDetails | None = None  # a change's plan (required for a change)
    access_until: date | None = None  # an access request's last day (UTC), if it ends


@dataclass(frozen=True)
class TicketDetail:
    """A ticket with its comments and history."""

    ticket: TicketView
    comments: tuple[CommentView, ...]
    history: tuple[HistoryEntry, ...]
    approval: ApprovalState | None
    linked: tuple[str, ...] = ()  # a problem's incidents, or an incident's problems


def raise_ticket(
    session: Session, settings: DeskSettings, requester_key: str, new: NewTicket, now: datetime
) -> TicketView:
    """Create a ticket, audit it, and tell the owning team and the requester.

    A change is submitted at once (a standard one is pre-approved by that), and so is a
    request that needs approval. The row is written and answered without the ORM; a ticket
    approvers decide is then loaded, as its plan, grant and submission work on the ORM object.
    """
    requester, service = load_requester_and_service(session, requester_key, new.service_key)
    if new.ticket_type in RESPONDER_RAISED and not is_responder(session, requester_key):
        raise NotAllowed(f"Only responders raise a {new.ticket_type.value}.")
    title = clean_text(new.title, "title", TITLE_MAX)
    plan = _change_plan(settings, service.key, service.name, title, new, now)
    inserted = insert_ticket(session, settings, new, title, service, requester, now)
    detail = f"during the change freeze '{plan.freeze}'" if plan and plan.freeze else ""
    event = audit(session, inserted, requester, "raised", None, inserted.status, now, detail)
    notices = (card_notice(service.team_key), _dm_requester(requester.key, "raised"))
    notify(session, settings, inserted, event, now, *notices)
    if new.ticket_type not in APPROVED_TYPES:
        return new_ticket_view(inserted.values, inserted.id, inserted.reference, service, requester)
    ticket = session.get_one(Ticket, inserted.id)
    if plan is not None:
        plan.ticket_id = ticket.id
        session.add(plan)
    set_committed_value(ticket, "change_plan", plan)
    grant = None
    if ticket.type == TicketType.ACCESS_REQUEST:
        grant = _grant_access(session, ticket.id, requester, new.access_until, now)
    set_committed_value(ticket, "access_grant", grant)
    if ticket.type == TicketType.CHANGE or (
        ticket.type in SUBMITTED_ON_RAISE and approvers_of(session, ticket)
    ):
        _apply(session, settings, ticket, ticket.requester, Action.SUBMIT, "", now)
    return view_of(session, ticket)


def insert_ticket(
    session: Session,
    settings: DeskSettings,
    new: NewTicket,
    title: str,
    service: CatalogEntry,
    requester: Requester,
    now: datetime,
) -> InsertedTicket:
    """Insert the ticket row with its reference and SLA clocks; nothing else (no audit, no
    notices: the caller writes those).

    The row, its reference included, is written by one prebuilt Core statement rather than
    by a flush of the unit of work (which costs several times more).
    """
    ticket_type, status = new.ticket_type, INITIAL_STATUS[new.ticket_type]
    priority = settings.priority_matrix.priority(new.impact, new.urgency)
    facts = ClockFacts(ticket_type, status, priority, now, None, None, 0.0, 0, 0, 0)
    clocks = updated_clocks(facts, Clocks(), service, settings, now)
    row = {
        **_NEW_TICKET_DEFAULTS,
        "type": ticket_type,
        "title": title,
        "description": clean_text(new.description, "description", DESCRIPTION_MAX, required=False),
        "service_id": service.id,
        "team_id": service.team_id,
        "requester_id": requester.id,
        "impact": new.impact,
        "urgency": new.urgency,
        "priority": priority,
        "status": status,
        "created_at": now,
        "updated_at": now,
        **vars(clocks),
    }
    prefix = reference_prefix(ticket_type)
    ticket_id, reference = insert_labelled(session, Ticket, row, "reference", prefix)
    return InsertedTicket(ticket_id, reference, row)


def _change_plan(
    settings: DeskSettings,
    service_key: str,
    service_name: str,
    title: str,
    new: NewTicket,
    now: datetime,
) -> ChangePlan | None:
    """A change's plan, checked against the catalog's rules (nothing for other types)."""
    if new.ticket_type != TicketType.CHANGE:
        return None
    if new.change is None:
        raise InvalidInput("A change needs its kind, risk, planned window and rollback plan.")
    details = new.change
    freeze = settings.changes.check(service_key, service_name, title, details, now)
    return ChangePlan(
        kind=details.kind,
        risk=details.risk,
        planned_start=details.planned_start,
        planned_end=details.planned_end,
        rollback_plan=clean_text(details.rollback_plan, "rollback plan", ROLLBACK_MAX),
        freeze=freeze,
    )


def _grant_access(
    session: Session, ticket_id: int, requester: Requester, until: date | None, now: datetime
) -> AccessGrant:
    """Open the access request's grant: to the manager first, when the requester has one."""
    ends_at = None
    if until is not None:
        ends_at = datetime.combine(until + timedelta(days=1), time(0), UTC)
        if ends_at <= now:
            raise InvalidInput("The end date has passed; give a later one, or none.")
    manager = requester.manager_id if requester.manager_id != requester.id else None
    grant = AccessGrant(
        ticket_id=ticket_id,
        stage=MANAGER_STAGE if manager is not None else OWNER_STAGE,
        manager_id=manager,
        ends_at=ends_at,
    )
    session.add(grant)
    return grant


def act(
    session: Session,
    settings: DeskSettings,
    actor_key: str,
    reference: str,
    action: Action,
    now: datetime,
    note: str = "",
) -> TicketView:
    """Apply a lifecycle action; raise a domain error and change nothing if it is not allowed."""
    person = load_person(session, actor_key)
    ticket = load_ticket(session, reference)
    _apply(session, settings, ticket, person, action, note, now)
    return view_of(session, ticket)


def check_allowed(session: Session, actor_key: str, reference: str, action: Action) -> None:
    """Raise the domain error `act` would raise, short of a missing reason; change nothing."""
    person = load_person(session, actor_key)
    ticket = load_ticket(session, reference)
    _refuse_stale_vote(ticket, action)
    decide(view_of(session, ticket).facts, action, actor_for(session, person), note=None)


def take(
    session: Session, settings: DeskSettings, actor_key: str, reference: str, now: datetime
) -> TicketView:
    """Make the actor, a member of the owning team, the ticket's assignee."""
    return assign(session, settings, actor_key, reference, actor_key, now)


def escalate(
    session: Session, settings: DeskSettings, actor_key: str, reference: str, now: datetime
) -> tuple[TicketView, int]:
    """A member of the owning team moves an open ticket to its next escalation level."""
    person = load_person(session, actor_key)
    ticket = load_ticket(session, reference)
    if ticket.team_id not in actor_for(session, person).team_ids:
        raise NotAllowed(f"Only {ticket.team.name} can escalate {ticket.reference}.")
    policy = settings.escalation.policy(ticket.service.escalation_policy)
    if policy is None:
        raise InvalidInput(f"{ticket.service.name} has no escalation policy.")
    if ticket.status in DONE_STATUSES | CLOSED_STATUSES:
        raise InvalidInput(
            f"{ticket.reference} is {ticket.status.value}; there is nothing to escalate."
        )
    level = (ticket.escalation_level or 0) + 1
    if level > len(policy.levels):
        raise InvalidInput(f"{ticket.reference} is already at the last escalation level.")
    ticket.escalation_level, ticket.updated_at = level, now
    track_clocks(ticket, ticket.service, settings, now)
    session.flush()
    reason = f"by {person.name}"
    event = audit(
        session, ticket, person, "escalated", None, None, now, detail=f"level {level}: {reason}"
    )
    announcement = escalation_announcement(
        ticket_id=ticket.id,
        owning_team=ticket.team.key,
        policy=policy,
        book=settings.escalation,
        level=level,
        reason=reason,
        now=now,
    )
    notify(session, settings, ticket, event, now, *announcement.notices)
    return view_of(session, ticket), level


def reprioritise(
    session: Session,
    settings: DeskSettings,
    actor_key: str,
    reference: str,
    impact: Level,
    urgency: Level,
    now: datetime,
) -> TicketView:
    """The owning team sets a new impact and urgency; the priority and SLA targets follow.

    A new priority starts a new warning ladder against its own targets: the stages start
    again and the warnings' keys name the priority.
    """
    person = load_person(session, actor_key)
    ticket = load_ticket(session, reference)
    if ticket.team_id not in actor_for(session, person).team_ids:
        raise NotAllowed(f"Only {ticket.team.name} can change the priority of {ticket.reference}.")
    if ticket.status in CLOSED_STATUSES:
        raise InvalidInput(f"{ticket.reference} is closed.")
    before = ticket.priority
    priority = settings.priority_matrix.priority(impact, urgency)
    ticket.impact, ticket.urgency, ticket.priority, ticket.updated_at = (
        impact,
        urgency,
        priority,
        now,
    )
    if priority != before:
        ticket.response_stage = ticket.resolution_stage = 0
    track_clocks(ticket, ticket.service, settings, now)
    session.flush()
    detail = f"{before} -> {priority} (impact {impact.value}, urgency {urgency.value})"
    event = audit(session, ticket, person, "reprioritised", None, None, now, detail=detail)
    payload = payload_of("reprioritised", person, before=before.value, priority=priority.value)
    notices = (card_notice(ticket.team.key), thread_note(ticket, payload))
    notify(session, settings, ticket, event, now, *notices)
    return view_of(session, ticket)


def remind_approvers(
    session: Session, settings: DeskSettings, ticket_id: int, reminder: int, now: datetime
) -> None:
    """Remind the approvers who have not voted that `ticket` still awaits them."""
    ticket = session.get_one(Ticket, ticket_id)
    since = ticket.approval_requested_at.isoformat() if ticket.approval_requested_at else None
    payload = {"event": "approval_reminder", "since": since}
    notices = [
        Notice(IntentKind.DIRECT_MESSAGE, audiences.person(key), payload)
        for key in pending_approvers(session, ticket)
    ]
    enqueue(
        session,
        settings,
        ticket_id=ticket.id,
        cause=f"approval-reminder:{ticket.id}:{reminder}",
        notices=notices,
        now=now,
    )


def expire_approval(
    session: Session, settings: DeskSettings, ticket_id: int, now: datetime
) -> None:
    """The approval ran out of time: the ticket is rejected as expired, and everyone told."""
    ticket = session.get_one(Ticket, ticket_id)
    if ticket.status != TicketStatus.AWAITING_APPROVAL:
        return
    facts = view_of(session, ticket).facts
    row = next(row for row in moves_from(facts) if row.action == Action.EXPIRE)
    source = ticket.status
    ticket.status, ticket.updated_at = row.target, now
    _stamp(ticket, ticket.requester, Action.EXPIRE, now)
    track_clocks(ticket, ticket.service, settings, now)
    session.flush()
    note = "no decision before the approval's time ran out"
    event = audit(session, ticket, None, Action.EXPIRE.value, source, row.target, now, note)
    payload = {
        "event": "transition",
        "actor": "The desk",
        "action": Action.EXPIRE.value,
        "status": row.target,
        "note": note,
    }
    decided = {"event": "approval_decided", "outcome": "expired"}
    notices = [
        card_notice(ticket.team.key),
        thread_note(ticket, payload),
        Notice(IntentKind.DIRECT_MESSAGE, _requester(ticket), payload),
        *_approver_cards(session, ticket, decided),
    ]
    notify(session, settings, ticket, event, now, *notices)


def assign(
    session: Session,
    settings: DeskSettings,
    actor_key: str,
    reference: str,
    assignee_key: str,
    now: datetime,
) -> TicketView:
    """Assign the ticket to a member of its owning team; only that team may do it."""
    person = load_person(session, actor_key)
    ticket = load_ticket(session, reference)
    verb = "take" if assignee_key == actor_key else "assign"
    if ticket.team_id not in actor_for(session, person).team_ids:
        raise NotAllowed(f"Only the team that owns this ticket can {verb} it.")
    assignee = load_person(session, assignee_key)
    if ticket.team_id not in actor_for(session, assignee).team_ids:
        raise InvalidInput(
            f"{assignee.name} is not in {ticket.team.name}, which owns {ticket.reference}."
        )
    if ticket.status in CLOSED_STATUSES:
        raise InvalidInput(f"{ticket.reference} is closed.")
    if ticket.assignee_id == assignee.id:
        owner = "yours" if assignee.id == person.id else f"assigned to {assignee.name}"
        raise InvalidInput(f"{ticket.reference} is already {owner}.")
    ticket.assignee_id, ticket.updated_at = assignee.id, now
    session.flush()
    session.expire(ticket, ["assignee"])
    event = audit(session, ticket, person, "assigned", None, None, now, detail=assignee.key)
    payload = payload_of("assigned", person, assignee=assignee.name, assignee_key=assignee.key)
    notices = [card_notice(ticket.team.key), thread_note(ticket, payload)]
    if assignee.id != person.id:
        notices.append(Notice(IntentKind.DIRECT_MESSAGE, audiences.person(assignee.key), payload))
    notify(session, settings, ticket, event, now, *notices)
    return view_of(session, ticket)


def add_comment(
    session: Session,
    settings: DeskSettings,
    author_key: str,
    reference: str,
    body: str,
    now: datetime,
) -> TicketView:
    """Add a requester's or the team's comment; a requester's reply resumes a waiting ticket."""
    person = load_person(session, author_key)
    ticket = load_ticket(session, reference)
    text = clean_text(body, "comment", COMMENT_MAX)
    is_requester = person.id == ticket.requester_id
    if not is_requester and ticket.team_id not in actor_for(session, person).team_ids:
        raise NotAllowed("Only the requester and the owning team can comment on this ticket.")
    if ticket.status in CLOSED_STATUSES:
        raise InvalidInput(f"{ticket.reference} is closed; please raise a new ticket.")
    session.add(Comment(ticket_id=ticket.id, author_id=person.id, body=text, created_at=now))
    ticket.updated_at = now
    event = audit(session, ticket, person, "commented", None, None, now)
    payload = payload_of("comment", person, text=text)
    notices = [thread_note(ticket, payload)]
    if not is_requester:
        notices.append(Notice(IntentKind.DIRECT_MESSAGE, _requester(ticket), payload))
    notify(session, settings, ticket, event, now, *notices)
    if is_requester and ticket.status == TicketStatus.WAITING_ON_REQUESTER:
        _apply(session, settings, ticket, person, Action.RESUME, "", now)
    return view_of(session, ticket)


def ticket_detail(session: Session, settings: DeskSettings, reference: str) -> TicketDetail:
    """A ticket with its comments, history and approval state; NotFound for an unknown one."""
    ticket = load_ticket(session, reference)
    comments = session.scalars(
        select(Comment).where(Comment.ticket_id == ticket.id).order_by(Comment.id)
    )
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.ticket_id == ticket.id).order_by(AuditEvent.id)
    )
    view = view_of(session, ticket)
    approval = None
    if view.facts.needs_approval:
        approvers = approver_people(session, ticket)
        policy = policy_for(settings, ticket)
        approval = approval_state(session, ticket.id, policy, approvers, stage_name(ticket))
    return TicketDetail(
        ticket=view,
        comments=tuple(comment_view(comment) for comment in comments),
        history=tuple(history_entry(event) for event in events),
        approval=approval,
        linked=tuple(
            linked_incidents(session, ticket.id)
            if ticket.type == TicketType.PROBLEM
            else problems_of(session, ticket.id)
        ),
    )


def ticket_by_id(session: Session, ticket_id: int) -> TicketView:
    """The current state of a ticket by its id (for rendering cards at delivery time)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"No ticket with id {ticket_id}.")
    return view_of(session, ticket)


def my_tickets(session: Session, person_key: str) -> list[TicketView]:
    """The person's open tickets, raised by or assigned to them, newest first."""
    person = load_person(session, person_key)
    tickets = session.scalars(
        select(Ticket)
        .where(
            or_(Ticket.requester_id == person.id, Ticket.assignee_id == person.id),
            Ticket.status.not_in(CLOSED_STATUSES),
        )
        .order_by(Ticket.id.desc())
        .limit(MY_TICKETS_LIMIT)
    )
    return [view_of(session, ticket) for ticket in tickets]


def view_of(session: Session, ticket: Ticket) -> TicketView:
    """A ticket row frozen into a view, with the people who approve it at its current stage."""
    return ticket_view(ticket, approvers_of(session, ticket))


def load_ticket(session: Session, reference: str) -> Ticket:
    """The ticket a reference names; NotFound when there is none of that type and number."""
    parsed = parse_reference(reference)
    if parsed.number > MAX_TICKET_ID:
        raise NotFound(f"No such ticket: {parsed}.")
    ticket = session.get(Ticket, parsed.number)
    if ticket is None or ticket.type != parsed.ticket_type:
        raise NotFound(f"No such ticket: {parsed}.")
    return ticket


def _apply(
    session: Session,
    settings: DeskSettings,
    ticket: Ticket,
    person: Person,
    action: Action,
    note: str,
    now: datetime,
) -> None:
    note = clean_text(note, "reason", NOTE_MAX, required=False)
    actor = actor_for(session, person)
    _refuse_stale_vote(ticket, action)
    if action in VOTES:  # before the guards, to explain; cast_vote checks again under the lock
        refuse_second_vote(session, ticket, person)
    row = decide(view_of(session, ticket).facts, action, actor, note)
    if row.who == Who.APPROVER:
        decided = _vote(session, settings, ticket, person, action, note, now)
        if decided is None:
            return
        row = decided
    source = ticket.status
    ticket.status, ticket.updated_at = row.target, now
    if row.target == TicketStatus.AWAITING_APPROVAL:
        ticket.approval_requested_at, ticket.approval_reminders = now, 0
    _stamp(ticket, person, action, now)
    track_clocks(ticket, ticket.service, settings, now)
    session.flush()
    session.expire(ticket, ["assignee"])
    event = audit(session, ticket, person, action.value, source, row.target, now, detail=note)
    payload = payload_of("transition", person, action=action.value, status=row.target, note=note)
    notices = [card_notice(ticket.team.key)]
    if ticket.type == TicketType.PROBLEM and row.target == TicketStatus.RESOLVED:
        linked = tell_linked_requesters(session, ticket)
        notices += linked
        # The team is offered one press that resolves the linked incidents.
        notices.append(thread_note(ticket, {**payload, "offer_resolve_linked": bool(linked)}))
    else:
        notices.append(thread_note(ticket, payload))
    if person.id != ticket.requester_id:
        notices.append(Notice(IntentKind.DIRECT_MESSAGE, _requester(ticket), payload))
    if row.target == TicketStatus.AWAITING_APPROVAL:
        request = payload_of("approval_requested", ticket.requester)
        notices += _approver_cards(session, ticket, request)
    notify(session, settings, ticket, event, now, *notices)


def _approver_cards(session: Session, ticket: Ticket, payload: dict[str, Any]) -> list[Notice]:
    """The approval request card of each approver but the requester, with `payload`."""
    return [
        Notice(IntentKind.CARD, audiences.person(person.key), payload)
        for person in approver_people(session, ticket)
    ]


def _refuse_stale_vote(ticket: Ticket, action: Action) -> None:
    """A vote pressed after the decision is explained, not just refused."""
    if action in VOTES and ticket.type in APPROVED_TYPES and ticket.status not in UNDECIDED:
        raise IllegalTransition(
            f"{ticket.reference} was already decided: it is "
            f"{ticket.status.value.replace('_', ' ')}. Nothing was changed."
        )


def _vote(
    session: Session,
    settings: DeskSettings,
    ticket: Ticket,
    person: Person,
    action: Action,
    note: str,
    now: datetime,
) -> Transition | None:
    """Record an approver's vote under the ticket's row lock; the transition it decides, if any.

    The lock makes simultaneous votes count one after the other; the move is decided again
    under it, since another vote may have decided the ticket meanwhile.
    """
    session.execute(select(Ticket.id).where(Ticket.id == ticket.id).with_for_update())
    session.refresh(ticket)  # as the last committed vote left it
    if ticket.access_grant is not None:
        session.refresh(ticket.access_grant)
    facts = view_of(session, ticket).facts
    if ticket.status != TicketStatus.AWAITING_APPROVAL:
        raise InvalidInput(
            f"{ticket.reference} is no longer awaiting approval: it is "
            f"{ticket.status.value.replace('_', ' ')}. Nothing was changed."
        )
    decide(facts, action, actor_for(session, person), note)
    vote = Vote.APPROVE if action == Action.APPROVE else Vote.REJECT
    policy = policy_for(settings, ticket)
    eligible = facts.approver_ids - {ticket.requester_id}  # nobody approves their own
    tally = cast_vote(session, ticket, person, vote, note, policy, eligible, now)
    event = audit(session, ticket, person, f"vote {vote.value}", ticket.status, None, now, note)
    if tally.outcome == Outcome.PENDING:
        payload = payload_of(
            "vote",
            person,
            vote=vote.value,
            approvals=tally.approvals,
            needed=policy.needed(tally.approvers),
            note=note,
        )
        # The voter's own request loses its buttons at once and shows the count so far.
        voted = Notice(IntentKind.CARD, audiences.person(person.key), {**payload, "voted": True})
        notify(session, settings, ticket, event, now, thread_note(ticket, payload), voted)
        return None
    # Every approver's request is edited to show the outcome, so no one presses a stale button.
    stage = stage_name(ticket)
    decided = payload_of("approval_decided", person, outcome=tally.outcome.value, stage=stage)
    notify(session, settings, ticket, event, now, *_approver_cards(session, ticket, decided))
    if tally.outcome == Outcome.APPROVED and _to_service_owners(session, settings, ticket, now):
        return None
    final = Action.APPROVE if tally.outcome == Outcome.APPROVED else Action.REJECT
    return next(row for row in moves_from(facts) if row.action == final)


def _to_service_owners(
    session: Session, settings: DeskSettings, ticket: Ticket, now: datetime
) -> bool:
    """After the manager approves an access request, ask the service's owners (if it has any
    but the manager and the requester); whether it was handed on."""
    grant = ticket.access_grant
    if grant is None or grant.stage != MANAGER_STAGE:
        return False
    grant.stage = OWNER_STAGE  # who approves now is read from it, in Python
    if not approver_people(session, ticket):
        return False
    ticket.approval_requested_at, ticket.approval_reminders, ticket.updated_at = now, 0, now
    track_clocks(ticket, ticket.service, settings, now)
    session.flush()
    event = audit(session, ticket, None, "approval stage", None, None, now, "service owner")
    payload = {"event": "approval_stage", "actor": "The desk", "stage": "service owner"}
    request = payload_of("approval_requested", ticket.requester)
    notices = [
        card_notice(ticket.team.key),
        thread_note(ticket, payload),
        Notice(IntentKind.DIRECT_MESSAGE, _requester(ticket), payload),
        *_approver_cards(session, ticket, request),
    ]
    notify(session, settings, ticket, event, now, *notices)
    return True


def _stamp(ticket: Ticket, person: Person, action: Action, now: datetime) -> None:
    """Record the lifecycle timestamps a move implies."""
    if action == Action.ACKNOWLEDGE:
        ticket.acknowledged_at = ticket.acknowledged_at or now
        ticket.assignee_id = ticket.assignee_id or person.id
    if ticket.status in DONE_STATUSES:
        ticket.resolved_at = now
    if ticket.status in CLOSED_STATUSES:
        ticket.closed_at = now
    if action == Action.REOPEN:
        ticket.resolved_at = None
    if action == Action.FULFIL and ticket.type == TicketType.ACCESS_REQUEST and ticket.access_grant:
        ticket.access_grant.granted_at = now


def audit(
    session: Session,
    ticket: Identified,
    person: Identified | None,
    action: str,
    source: TicketStatus | None,
    target: TicketStatus | None,
    now: datetime,
    detail: str = "",
) -> int:
    """Record the audit event; return its id (the cause of the notices it leads to)."""
    values = {
        "ticket_id": ticket.id,
        "actor_id": person.id if person else None,
        "action": action,
        "from_status": source,
        "to_status": target,
        "detail": detail,
        "created_at": now,
    }
    event_id: int = execute_prebuilt(session, _INSERT_AUDIT, values).scalar_one()
    return event_id


def payload_of(event: str, actor: Person, **fields: Any) -> dict[str, Any]:
    """A notice's payload: the event, who caused it, and its own fields."""
    return {"event": event, "actor": actor.name, "actor_key": actor.key, **fields}


def _requester(ticket: Ticket) -> audiences.Audience:
    return audiences.person(ticket.requester.key)


def card_notice(team_key: str) -> Notice:
    """Post or edit the ticket's card in its team's channel."""
    return Notice(IntentKind.CARD, audiences.team(team_key), {"event": "card"})


def thread_note(ticket: Ticket, payload: dict[str, Any]) -> Notice:
    """A line in the card's thread."""
    return Notice(IntentKind.THREAD_NOTE, audiences.team(ticket.team.key), payload)


def _dm_requester(requester_key: str, event: str) -> Notice:
    return Notice(IntentKind.DIRECT_MESSAGE, audiences.person(requester_key), {"event": event})


def notify(
    session: Session,
    settings: DeskSettings,
    ticket: Identified,
    event: int,
    now: datetime,
    *notices: Notice,
) -> None:
    """Queue the notices the audit event `event` causes (keyed by it, so written once)."""
    enqueue(
        session,
        settings,
        ticket_id=ticket.id,
        cause=f"audit-{event}",
        notices=list(notices),
        now=now,
    )
