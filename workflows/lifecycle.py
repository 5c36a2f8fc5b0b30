"""Ticket lifecycles: one transition table per ticket type, with guards.

Every legal move is a row. A move not in the table raises IllegalTransition; a row whose guard
the actor fails raises NotAllowed. The same table tells the UI which buttons to offer, so no
card shows an illegal move. Everything here is pure: plain values in, plain values out.
"""

from dataclasses import dataclass
from enum import StrEnum

from storage.enums import Role, TicketStatus, TicketType
from workflows.errors import IllegalTransition, InvalidInput, NotAllowed

S = TicketStatus


class Action(StrEnum):
    """Moves a person can ask of a ticket."""

    ACKNOWLEDGE = "acknowledge"
    START = "start"
    WAIT = "wait"
    RESUME = "resume"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    FULFIL = "fulfil"
    SCHEDULE = "schedule"
    IMPLEMENT = "implement"
    COMPLETE = "complete"
    FAIL = "fail"
    INVESTIGATE = "investigate"
    RECORD_KNOWN_ERROR = "record_known_error"
    EXPIRE = "expire"


class Who(StrEnum):
    """Whom a transition's guard admits."""

    TEAM = "team"
    REQUESTER_OR_TEAM = "requester_or_team"
    APPROVER = "approver"
    SYSTEM = "system"  # the desk itself (an approval expiring); never a person


@dataclass(frozen=True)
class Transition:
    """One legal move: from a status, by an action, to a status, for whom.

    `needs_note` means the action must carry a non-empty note (a reason, a rollback account).
    `approval` restricts the row to services that do (True) or do not (False) need approval.
    """

    source: TicketStatus
    action: Action
    target: TicketStatus
    who: Who
    needs_note: bool = False
    approval: bool | None = None


@dataclass(frozen=True)
class Actor:
    """The person acting, as the guards see them."""

    person_id: int
    roles: frozenset[Role]
    team_ids: frozenset[int]


@dataclass(frozen=True)
class TicketFacts:
    """What the guards need to know of a ticket."""

    ticket_type: TicketType
    status: TicketStatus
    team_id: int
    requester_id: int
    approver_ids: frozenset[int]

    @property
    def needs_approval(self) -> bool:
        """Whether the ticket's service names approvers."""
        return bool(self.approver_ids)


T = Transition
_INCIDENT = (
    T(S.NEW, Action.ACKNOWLEDGE, S.ACKNOWLEDGED, Who.TEAM),
    T(S.ACKNOWLEDGED, Action.START, S.IN_PROGRESS, Who.TEAM),
    T(S.IN_PROGRESS, Action.WAIT, S.WAITING_ON_REQUESTER, Who.TEAM, needs_note=True),
    T(S.WAITING_ON_REQUESTER, Action.RESUME, S.IN_PROGRESS, Who.REQUESTER_OR_TEAM),
    T(S.ACKNOWLEDGED, Action.RESOLVE, S.RESOLVED, Who.TEAM),
    T(S.IN_PROGRESS, Action.RESOLVE, S.RESOLVED, Who.TEAM),
    T(S.WAITING_ON_REQUESTER, Action.RESOLVE, S.RESOLVED, Who.TEAM),
    T(S.RESOLVED, Action.REOPEN, S.IN_PROGRESS, Who.REQUESTER_OR_TEAM),
    T(S.RESOLVED, Action.CLOSE, S.CLOSED, Who.REQUESTER_OR_TEAM),
)
_REQUEST = (
    T(S.NEW, Action.SUBMIT, S.AWAITING_APPROVAL, Who.REQUESTER_OR_TEAM, approval=True),
    T(S.NEW, Action.START, S.IN_PROGRESS, Who.TEAM, approval=False),
    T(S.AWAITING_APPROVAL, Action.APPROVE, S.APPROVED, Who.APPROVER),
    T(S.AWAITING_APPROVAL, Action.REJECT, S.REJECTED, Who.APPROVER, needs_note=True),
    T(S.AWAITING_APPROVAL, Action.EXPIRE, S.REJECTED, Who.SYSTEM),
    T(S.APPROVED, Action.START, S.IN_PROGRESS, Who.TEAM),
    T(S.IN_PROGRESS, Action.FULFIL, S.FULFILLED, Who.TEAM),
    T(S.FULFILLED, Action.CLOSE, S.CLOSED, Who.REQUESTER_OR_TEAM),
    T(S.REJECTED, Action.CLOSE, S.CLOSED, Who.REQUESTER_OR_TEAM),
)
_CHANGE = (
    T(S.DRAFT, Action.SUBMIT, S.AWAITING_APPROVAL, Who.REQUESTER_OR_TEAM, approval=True),
    # A service that names no approvers pre-approves its changes: submitting approves them.
    T(S.DRAFT, Action.SUBMIT, S.APPROVED, Who.REQUESTER_OR_TEAM, approval=False),
    T(S.AWAITING_APPROVAL, Action.APPROVE, S.APPROVED, Who.APPROVER),
    T(S.AWAITING_APPROVAL, Action.REJECT, S.REJECTED, Who.APPROVER, needs_note=True),
    T(S.AWAITING_APPROVAL, Action.EXPIRE, S.REJECTED, Who.SYSTEM),
    T(S.APPROVED, Action.SCHEDULE, S.SCHEDULED, Who.TEAM),
    T(S.SCHEDULED, Action.IMPLEMENT, S.IMPLEMENTING, Who.TEAM),
    T(S.IMPLEMENTING, Action.COMPLETE, S.COMPLETED, Who.TEAM),
    T(S.IMPLEMENTING, Action.FAIL, S.FAILED, Who.TEAM, needs_note=True),
    T(S.COMPLETED, Action.CLOSE, S.CLOSED, Who.TEAM),
    T(S.FAILED, Action.CLOSE, S.CLOSED, Who.TEAM),
    T(S.REJECTED, Action.CLOSE, S.CLOSED, Who.REQUESTER_OR_TEAM),
)
_PROBLEM = (
    T(S.NEW, Action.INVESTIGATE, S.INVESTIGATING, Who.TEAM),
    T(S.INVESTIGATING, Action.RECORD_KNOWN_ERROR, S.KNOWN_ERROR, Who.TEAM, needs_note=True),
    T(S.INVESTIGATING, Action.RESOLVE, S.RESOLVED, Who.TEAM),
    T(S.KNOWN_ERROR, Action.RESOLVE, S.RESOLVED, Who.TEAM),
    T(S.RESOLVED, Action.CLOSE, S.CLOSED, Who.TEAM),
)

TRANSITIONS: dict[TicketType, tuple[Transition, ...]] = {
    TicketType.INCIDENT: _INCIDENT,
    TicketType.SERVICE_REQUEST: _REQUEST,
    TicketType.ACCESS_REQUEST: _REQUEST,
    TicketType.CHANGE: _CHANGE,
    TicketType.PROBLEM: _PROBLEM,
}

INITIAL_STATUS: dict[TicketType, TicketStatus] = {
    TicketType.INCIDENT: S.NEW,
    TicketType.SERVICE_REQUEST: S.NEW,
    TicketType.ACCESS_REQUEST: S.NEW,
    TicketType.CHANGE: S.DRAFT,
    TicketType.PROBLEM: S.NEW,
}

# Statuses in which the work is done (the resolution clock stops) and the terminal one.
DONE_STATUSES = frozenset({S.RESOLVED, S.FULFILLED, S.COMPLETED, S.FAILED, S.REJECTED})
CLOSED_STATUSES = frozenset({S.CLOSED})

# Ticket types only responders raise; employees raise the rest.
RESPONDER_RAISED = frozenset({TicketType.CHANGE, TicketType.PROBLEM})

# Types whose approvers vote.
APPROVED_TYPES = frozenset(
    {TicketType.CHANGE, TicketType.SERVICE_REQUEST, TicketType.ACCESS_REQUEST}
)

# Request types submitted for approval as soon as they are raised, when their service has
# approvers (a change waits in draft until its requester submits it).
SUBMITTED_ON_RAISE = frozenset({TicketType.SERVICE_REQUEST, TicketType.ACCESS_REQUEST})


def statuses_of(ticket_type: TicketType) -> frozenset[TicketStatus]:
    """Every status the ticket type's lifecycle can be in."""
    rows = TRANSITIONS[ticket_type]
    return frozenset({INITIAL_STATUS[ticket_type]} | {row.target for row in rows})


def admits(who: Who, actor: Actor, ticket: TicketFacts) -> bool:
    """Whether the guard `who` lets this actor act on this ticket."""
    on_team = ticket.team_id in actor.team_ids
    is_requester = actor.person_id == ticket.requester_id
    match who:
        case Who.TEAM:
            return on_team
        case Who.REQUESTER_OR_TEAM:
            return is_requester or on_team
        case Who.APPROVER:
            return actor.person_id in ticket.approver_ids and not is_requester
        case Who.SYSTEM:
            return False


def moves_from(ticket: TicketFacts) -> list[Transition]:
    """Every move the ticket's lifecycle allows from its status, whoever may make it."""
    return [
        row
        for row in TRANSITIONS[ticket.ticket_type]
        if row.source == ticket.status
        and (row.approval is None or row.approval == ticket.needs_approval)
    ]


def decide(ticket: TicketFacts, action: Action, actor: Actor, note: str | None = "") -> Transition:
    """The transition `action` makes; raise if it is illegal, not allowed or lacks its note.

    `note=None` checks everything but the note, to ask for one only where the move is allowed.
    """
    row = next((row for row in moves_from(ticket) if row.action == action), None)
    if row is None:
        status = ticket.status.value.replace("_", " ")
        raise IllegalTransition(
            f"You cannot {action.value.replace('_', ' ')} a ticket that is {status}."
        )
    if not admits(row.who, actor, ticket):
        raise NotAllowed(_refusal(row.who, action))
    if row.needs_note and note is not None and not note.strip():
        raise InvalidInput(
            f"To {action.value.replace('_', ' ')} this ticket, please give a reason."
        )
    return row


def available_actions(ticket: TicketFacts, actor: Actor | None = None) -> list[Transition]:
    """The moves open from the ticket's status, for `actor`, or for its team when None."""
    rows = moves_from(ticket)
    if actor is None:
        return [row for row in rows if row.who in (Who.TEAM, Who.REQUESTER_OR_TEAM)]
    return [row for row in rows if admits(row.who, actor, ticket)]


def _refusal(who: Who, action: Action) -> str:
    verb = action.value.replace("_", " ")
    match who:
        case Who.TEAM:
            return f"Only the team that owns this ticket can {verb} it."
        case Who.REQUESTER_OR_TEAM:
            return f"Only the requester or the owning team can {verb} this ticket."
        case Who.APPROVER:
            return f"Only an approver of this service, other than the requester, can {verb} it."
        case Who.SYSTEM:
            return f"Nobody can {verb} a ticket by hand; the desk does it when its time runs out."
