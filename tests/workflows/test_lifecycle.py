"""The transition tables and their guards, as pure functions: no database, no clock."""

from dataclasses import dataclass

import pytest

from storage.enums import Role, TicketStatus, TicketType
from workflows.errors import IllegalTransition, InvalidInput, NotAllowed
from workflows.lifecycle import (
    INITIAL_STATUS,
    TRANSITIONS,
    Action,
    Actor,
    TicketFacts,
    Transition,
    Who,
    admits,
    available_actions,
    decide,
    statuses_of,
)

S = TicketStatus
A = Action
TT = TicketType

OWNING_TEAM = 1
OTHER_TEAM = 2
REQUESTER = Actor(person_id=10, roles=frozenset({Role.EMPLOYEE}), team_ids=frozenset())
RESPONDER = Actor(20, frozenset({Role.EMPLOYEE, Role.RESPONDER}), frozenset({OWNING_TEAM}))
OUTSIDER = Actor(30, frozenset({Role.EMPLOYEE, Role.RESPONDER}), frozenset({OTHER_TEAM}))
APPROVER = Actor(40, frozenset({Role.EMPLOYEE, Role.APPROVER}), frozenset())
APPROVERS = frozenset({APPROVER.person_id})
NO_APPROVERS: frozenset[int] = frozenset()
# The requester is also an approver of the service: separation of duties must refuse them.
SELF_APPROVERS = frozenset({REQUESTER.person_id, APPROVER.person_id})


def facts(
    ticket_type: TicketType, status: TicketStatus, approvers: frozenset[int] = NO_APPROVERS
) -> TicketFacts:
    """A ticket owned by OWNING_TEAM and raised by REQUESTER."""
    return TicketFacts(
        ticket_type=ticket_type,
        status=status,
        team_id=OWNING_TEAM,
        requester_id=REQUESTER.person_id,
        approver_ids=approvers,
    )


@dataclass(frozen=True)
class Step:
    """One move of a happy path and the status it must reach."""

    action: Action
    actor: Actor
    target: TicketStatus
    note: str = ""


@dataclass(frozen=True)
class HappyPath:
    """A walk from the initial status of a ticket type."""

    ticket_type: TicketType
    approvers: frozenset[int]
    steps: tuple[Step, ...]


HAPPY_PATHS = {
    "incident-quick-fix": HappyPath(
        TT.INCIDENT,
        NO_APPROVERS,
        (
            Step(A.ACKNOWLEDGE, RESPONDER, S.ACKNOWLEDGED),
            Step(A.RESOLVE, RESPONDER, S.RESOLVED),
            Step(A.CLOSE, REQUESTER, S.CLOSED),
        ),
    ),
    "incident-waits-and-reopens": HappyPath(
        TT.INCIDENT,
        NO_APPROVERS,
        (
            Step(A.ACKNOWLEDGE, RESPONDER, S.ACKNOWLEDGED),
            Step(A.START, RESPONDER, S.IN_PROGRESS),
            Step(A.WAIT, RESPONDER, S.WAITING_ON_REQUESTER, note="Which VPN client?"),
            Step(A.RESUME, REQUESTER, S.IN_PROGRESS),
            Step(A.RESOLVE, RESPONDER, S.RESOLVED),
            Step(A.REOPEN, REQUESTER, S.IN_PROGRESS),
            Step(A.WAIT, RESPONDER, S.WAITING_ON_REQUESTER, note="Still failing?"),
            Step(A.RESOLVE, RESPONDER, S.RESOLVED),
            Step(A.REOPEN, RESPONDER, S.IN_PROGRESS),
            Step(A.WAIT, RESPONDER, S.WAITING_ON_REQUESTER, note="Try again"),
            Step(A.RESUME, RESPONDER, S.IN_PROGRESS),
            Step(A.RESOLVE, RESPONDER, S.RESOLVED),
            Step(A.CLOSE, RESPONDER, S.CLOSED),
        ),
    ),
    "service-request-without-approval": HappyPath(
        TT.SERVICE_REQUEST,
        NO_APPROVERS,
        (
            Step(A.START, RESPONDER, S.IN_PROGRESS),
            Step(A.FULFIL, RESPONDER, S.FULFILLED),
            Step(A.CLOSE, REQUESTER, S.CLOSED),
        ),
    ),
    "access-request-approved": HappyPath(
        TT.ACCESS_REQUEST,
        APPROVERS,
        (
            Step(A.SUBMIT, REQUESTER, S.AWAITING_APPROVAL),
            Step(A.APPROVE, APPROVER, S.APPROVED),
            Step(A.START, RESPONDER, S.IN_PROGRESS),
            Step(A.FULFIL, RESPONDER, S.FULFILLED),
            Step(A.CLOSE, RESPONDER, S.CLOSED),
        ),
    ),
    "service-request-rejected": HappyPath(
        TT.SERVICE_REQUEST,
        APPROVERS,
        (
            Step(A.SUBMIT, RESPONDER, S.AWAITING_APPROVAL),
            Step(A.REJECT, APPROVER, S.REJECTED, note="Not in your role"),
            Step(A.CLOSE, REQUESTER, S.CLOSED),
        ),
    ),
    "change-completed": HappyPath(
        TT.CHANGE,
        APPROVERS,
        (
            Step(A.SUBMIT, REQUESTER, S.AWAITING_APPROVAL),
            Step(A.APPROVE, APPROVER, S.APPROVED),
            Step(A.SCHEDULE, RESPONDER, S.SCHEDULED),
            Step(A.IMPLEMENT, RESPONDER, S.IMPLEMENTING),
            Step(A.COMPLETE, RESPONDER, S.COMPLETED),
            Step(A.CLOSE, RESPONDER, S.CLOSED),
        ),
    ),
    "change-failed": HappyPath(
        TT.CHANGE,
        APPROVERS,
        (
            Step(A.SUBMIT, RESPONDER, S.AWAITING_APPROVAL),
            Step(A.APPROVE, APPROVER, S.APPROVED),
            Step(A.SCHEDULE, RESPONDER, S.SCHEDULED),
            Step(A.IMPLEMENT, RESPONDER, S.IMPLEMENTING),
            Step(A.FAIL, RESPONDER, S.FAILED, note="Rolled back: routes flapped"),
            Step(A.CLOSE, RESPONDER, S.CLOSED),
        ),
    ),
    "change-pre-approved": HappyPath(
        TT.CHANGE,
        NO_APPROVERS,
        (
            Step(A.SUBMIT, RESPONDER, S.APPROVED),
            Step(A.SCHEDULE, RESPONDER, S.SCHEDULED),
            Step(A.IMPLEMENT, RESPONDER, S.IMPLEMENTING),
            Step(A.COMPLETE, RESPONDER, S.COMPLETED),
            Step(A.CLOSE, RESPONDER, S.CLOSED),
        ),
    ),
    "change-rejected": HappyPath(
        TT.CHANGE,
        APPROVERS,
        (
            Step(A.SUBMIT, REQUESTER, S.AWAITING_APPROVAL),
            Step(A.REJECT, APPROVER, S.REJECTED, note="Change freeze"),
            Step(A.CLOSE, REQUESTER, S.CLOSED),
        ),
    ),
    "problem-known-error": HappyPath(
        TT.PROBLEM,
        NO_APPROVERS,
        (
            Step(A.INVESTIGATE, RESPONDER, S.INVESTIGATING),
            Step(A.RECORD_KNOWN_ERROR, RESPONDER, S.KNOWN_ERROR, note="Firmware bug"),
            Step(A.RESOLVE, RESPONDER, S.RESOLVED),
            Step(A.CLOSE, RESPONDER, S.CLOSED),
        ),
    ),
    "problem-fixed-directly": HappyPath(
        TT.PROBLEM,
        NO_APPROVERS,
        (
            Step(A.INVESTIGATE, RESPONDER, S.INVESTIGATING),
            Step(A.RESOLVE, RESPONDER, S.RESOLVED),
            Step(A.CLOSE, RESPONDER, S.CLOSED),
        ),
    ),
}


def walk(path: HappyPath) -> list[tuple[TicketStatus, Transition]]:
    """Apply every step through `decide`; the status before each step and the row it took."""
    status = INITIAL_STATUS[path.ticket_type]
    taken: list[tuple[TicketStatus, Transition]] = []
    for step in path.steps:
        row = decide(
            facts(path.ticket_type, status, path.approvers), step.action, step.actor, step.note
        )
        taken.append((status, row))
        status = row.target
    return taken


@pytest.mark.parametrize("path", HAPPY_PATHS.values(), ids=HAPPY_PATHS.keys())
def test_happy_path_reaches_each_status_in_turn(path: HappyPath) -> None:
    taken = walk(path)

    assert [(row.action, row.target) for _, row in taken] == [
        (step.action, step.target) for step in path.steps
    ]
    assert [row.source for _, row in taken] == [source for source, _ in taken]
    assert taken[-1][1].target == S.CLOSED


# Service and access requests share one lifecycle; the others have their own.
LIFECYCLE = {
    TT.INCIDENT: "incident",
    TT.SERVICE_REQUEST: "request",
    TT.ACCESS_REQUEST: "request",
    TT.CHANGE: "change",
    TT.PROBLEM: "problem",
}


def test_happy_paths_use_every_row_of_every_table() -> None:
    used = {
        (LIFECYCLE[path.ticket_type], row) for path in HAPPY_PATHS.values() for _, row in walk(path)
    }
    every_row = {
        (LIFECYCLE[kind], row)
        for kind, rows in TRANSITIONS.items()
        for row in rows
        if row.who != Who.SYSTEM  # the desk's own moves: no person walks them
    }

    assert TRANSITIONS[TT.SERVICE_REQUEST] == TRANSITIONS[TT.ACCESS_REQUEST]
    assert every_row - used == set()


@pytest.mark.parametrize("ticket_type", [TT.ACCESS_REQUEST, TT.CHANGE])
def test_nobody_expires_an_approval_by_hand(ticket_type: TT) -> None:
    waiting = facts(ticket_type, S.AWAITING_APPROVAL, APPROVERS)
    for actor in (REQUESTER, RESPONDER, APPROVER):
        with pytest.raises(NotAllowed, match="the desk does it when its time runs out"):
            decide(waiting, Action.EXPIRE, actor)
        assert Action.EXPIRE not in {row.action for row in available_actions(waiting, actor)}


@pytest.mark.parametrize(
    ("ticket_type", "expected"),
    [
        (
            TT.INCIDENT,
            {S.NEW, S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_ON_REQUESTER, S.RESOLVED, S.CLOSED},
        ),
        (
            TT.SERVICE_REQUEST,
            {S.NEW, S.AWAITING_APPROVAL, S.APPROVED, S.REJECTED, S.IN_PROGRESS}
            | {S.FULFILLED, S.CLOSED},
        ),
        (
            TT.ACCESS_REQUEST,
            {S.NEW, S.AWAITING_APPROVAL, S.APPROVED, S.REJECTED, S.IN_PROGRESS}
            | {S.FULFILLED, S.CLOSED},
        ),
        (
            TT.CHANGE,
            {S.DRAFT, S.AWAITING_APPROVAL, S.APPROVED, S.REJECTED, S.SCHEDULED, S.IMPLEMENTING}
            | {S.COMPLETED, S.FAILED, S.CLOSED},
        ),
        (TT.PROBLEM, {S.NEW, S.INVESTIGATING, S.KNOWN_ERROR, S.RESOLVED, S.CLOSED}),
    ],
)
def test_statuses_of_each_type(ticket_type: TicketType, expected: set[TicketStatus]) -> None:
    assert statuses_of(ticket_type) == expected


ILLEGAL_MOVES = [
    (TT.INCIDENT, S.NEW, A.RESOLVE, "resolve a ticket that is new"),
    (TT.INCIDENT, S.NEW, A.CLOSE, "close a ticket that is new"),
    (TT.INCIDENT, S.ACKNOWLEDGED, A.ACKNOWLEDGE, "acknowledge a ticket that is acknowledged"),
    (TT.INCIDENT, S.IN_PROGRESS, A.REOPEN, "reopen a ticket that is in progress"),
    (TT.INCIDENT, S.WAITING_ON_REQUESTER, A.WAIT, "wait a ticket that is waiting on requester"),
    (TT.INCIDENT, S.CLOSED, A.REOPEN, "reopen a ticket that is closed"),
    (TT.INCIDENT, S.NEW, A.APPROVE, "approve a ticket that is new"),
    (TT.SERVICE_REQUEST, S.IN_PROGRESS, A.RESOLVE, "resolve a ticket that is in progress"),
    (TT.ACCESS_REQUEST, S.APPROVED, A.APPROVE, "approve a ticket that is approved"),
    (TT.ACCESS_REQUEST, S.REJECTED, A.REOPEN, "reopen a ticket that is rejected"),
    (TT.CHANGE, S.DRAFT, A.APPROVE, "approve a ticket that is draft"),
    (TT.CHANGE, S.APPROVED, A.IMPLEMENT, "implement a ticket that is approved"),
    (TT.CHANGE, S.FAILED, A.REOPEN, "reopen a ticket that is failed"),
    (TT.PROBLEM, S.NEW, A.RECORD_KNOWN_ERROR, "record known error a ticket that is new"),
    (TT.PROBLEM, S.KNOWN_ERROR, A.INVESTIGATE, "investigate a ticket that is known error"),
]


@pytest.mark.parametrize(("ticket_type", "status", "action", "move"), ILLEGAL_MOVES)
def test_illegal_move_is_refused_with_a_readable_message(
    ticket_type: TicketType, status: TicketStatus, action: Action, move: str
) -> None:
    with pytest.raises(IllegalTransition) as refused:
        decide(facts(ticket_type, status, APPROVERS), action, RESPONDER, note="a reason")

    assert str(refused.value) == f"You cannot {move}."


@pytest.mark.parametrize("ticket_type", list(TicketType))
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("approvers", [NO_APPROVERS, APPROVERS], ids=["plain", "approval"])
def test_closed_is_terminal(
    ticket_type: TicketType, action: Action, approvers: frozenset[int]
) -> None:
    closed = facts(ticket_type, S.CLOSED, approvers)

    with pytest.raises(IllegalTransition):
        decide(closed, action, RESPONDER, note="a reason")
    assert available_actions(closed) == []


NEVER_LEGAL = {
    TT.INCIDENT: {A.SUBMIT, A.APPROVE, A.REJECT, A.FULFIL, A.SCHEDULE, A.IMPLEMENT, A.COMPLETE}
    | {A.FAIL, A.INVESTIGATE, A.RECORD_KNOWN_ERROR},
    TT.SERVICE_REQUEST: {A.ACKNOWLEDGE, A.WAIT, A.RESUME, A.RESOLVE, A.REOPEN, A.SCHEDULE}
    | {A.IMPLEMENT, A.COMPLETE, A.FAIL, A.INVESTIGATE, A.RECORD_KNOWN_ERROR},
    TT.ACCESS_REQUEST: {A.ACKNOWLEDGE, A.WAIT, A.RESUME, A.RESOLVE, A.REOPEN, A.SCHEDULE}
    | {A.IMPLEMENT, A.COMPLETE, A.FAIL, A.INVESTIGATE, A.RECORD_KNOWN_ERROR},
    TT.CHANGE: {A.ACKNOWLEDGE, A.START, A.WAIT, A.RESUME, A.RESOLVE, A.REOPEN, A.FULFIL}
    | {A.INVESTIGATE, A.RECORD_KNOWN_ERROR},
    TT.PROBLEM: {A.ACKNOWLEDGE, A.START, A.WAIT, A.RESUME, A.REOPEN, A.SUBMIT, A.APPROVE}
    | {A.REJECT, A.FULFIL, A.SCHEDULE, A.IMPLEMENT, A.COMPLETE, A.FAIL},
}
NEVER_LEGAL_CASES = [
    (kind, status, action)
    for kind, actions in NEVER_LEGAL.items()
    for status in sorted(statuses_of(kind))
    for action in sorted(actions)
]


@pytest.mark.parametrize(("ticket_type", "status", "action"), NEVER_LEGAL_CASES)
@pytest.mark.parametrize("approvers", [NO_APPROVERS, APPROVERS], ids=["plain", "approval"])
def test_action_foreign_to_a_type_is_illegal_from_every_status(
    ticket_type: TicketType, status: TicketStatus, action: Action, approvers: frozenset[int]
) -> None:
    with pytest.raises(IllegalTransition):
        decide(facts(ticket_type, status, approvers), action, RESPONDER, note="a reason")


REFUSALS = {
    Who.TEAM: "Only the team that owns this ticket can {verb} it.",
    Who.REQUESTER_OR_TEAM: "Only the requester or the owning team can {verb} this ticket.",
    Who.APPROVER: "Only an approver of this service, other than the requester, can {verb} it.",
}
P = NO_APPROVERS  # a plain service
AP = APPROVERS  # a service with an approver
SELF = SELF_APPROVERS  # a service whose approvers include the requester
WRONG_ACTORS = [
    (TT.INCIDENT, S.NEW, P, A.ACKNOWLEDGE, REQUESTER, Who.TEAM),
    (TT.INCIDENT, S.NEW, P, A.ACKNOWLEDGE, OUTSIDER, Who.TEAM),
    (TT.INCIDENT, S.NEW, P, A.ACKNOWLEDGE, APPROVER, Who.TEAM),
    (TT.INCIDENT, S.ACKNOWLEDGED, P, A.RESOLVE, REQUESTER, Who.TEAM),
    (TT.INCIDENT, S.IN_PROGRESS, P, A.WAIT, REQUESTER, Who.TEAM),
    (TT.INCIDENT, S.WAITING_ON_REQUESTER, P, A.RESUME, OUTSIDER, Who.REQUESTER_OR_TEAM),
    (TT.INCIDENT, S.RESOLVED, P, A.REOPEN, OUTSIDER, Who.REQUESTER_OR_TEAM),
    (TT.INCIDENT, S.RESOLVED, P, A.CLOSE, APPROVER, Who.REQUESTER_OR_TEAM),
    (TT.SERVICE_REQUEST, S.NEW, P, A.START, REQUESTER, Who.TEAM),
    (TT.SERVICE_REQUEST, S.NEW, AP, A.SUBMIT, OUTSIDER, Who.REQUESTER_OR_TEAM),
    (TT.ACCESS_REQUEST, S.AWAITING_APPROVAL, AP, A.APPROVE, RESPONDER, Who.APPROVER),
    (TT.ACCESS_REQUEST, S.AWAITING_APPROVAL, AP, A.APPROVE, REQUESTER, Who.APPROVER),
    (TT.ACCESS_REQUEST, S.AWAITING_APPROVAL, SELF, A.APPROVE, REQUESTER, Who.APPROVER),
    (TT.ACCESS_REQUEST, S.AWAITING_APPROVAL, SELF, A.REJECT, REQUESTER, Who.APPROVER),
    (TT.ACCESS_REQUEST, S.AWAITING_APPROVAL, P, A.APPROVE, APPROVER, Who.APPROVER),
    (TT.ACCESS_REQUEST, S.APPROVED, AP, A.START, APPROVER, Who.TEAM),
    (TT.ACCESS_REQUEST, S.IN_PROGRESS, AP, A.FULFIL, REQUESTER, Who.TEAM),
    (TT.ACCESS_REQUEST, S.FULFILLED, AP, A.CLOSE, OUTSIDER, Who.REQUESTER_OR_TEAM),
    (TT.CHANGE, S.DRAFT, AP, A.SUBMIT, OUTSIDER, Who.REQUESTER_OR_TEAM),
    (TT.CHANGE, S.AWAITING_APPROVAL, SELF, A.APPROVE, REQUESTER, Who.APPROVER),
    (TT.CHANGE, S.AWAITING_APPROVAL, AP, A.REJECT, RESPONDER, Who.APPROVER),
    (TT.CHANGE, S.APPROVED, AP, A.SCHEDULE, APPROVER, Who.TEAM),
    (TT.CHANGE, S.SCHEDULED, AP, A.IMPLEMENT, OUTSIDER, Who.TEAM),
    (TT.CHANGE, S.IMPLEMENTING, AP, A.FAIL, REQUESTER, Who.TEAM),
    (TT.CHANGE, S.COMPLETED, AP, A.CLOSE, REQUESTER, Who.TEAM),
    (TT.CHANGE, S.REJECTED, AP, A.CLOSE, OUTSIDER, Who.REQUESTER_OR_TEAM),
    (TT.PROBLEM, S.NEW, P, A.INVESTIGATE, REQUESTER, Who.TEAM),
    (TT.PROBLEM, S.INVESTIGATING, P, A.RECORD_KNOWN_ERROR, OUTSIDER, Who.TEAM),
    (TT.PROBLEM, S.RESOLVED, P, A.CLOSE, REQUESTER, Who.TEAM),
]


@pytest.mark.parametrize(
    ("ticket_type", "status", "approvers", "action", "actor", "guard"), WRONG_ACTORS
)
def test_wrong_actor_is_not_allowed(
    ticket_type: TicketType,
    status: TicketStatus,
    approvers: frozenset[int],
    action: Action,
    actor: Actor,
    guard: Who,
) -> None:
    with pytest.raises(NotAllowed) as refused:
        decide(facts(ticket_type, status, approvers), action, actor, note="a reason")

    assert str(refused.value) == REFUSALS[guard].format(verb=action.value.replace("_", " "))


@pytest.mark.parametrize("ticket_type", [TT.SERVICE_REQUEST, TT.ACCESS_REQUEST, TT.CHANGE])
@pytest.mark.parametrize("action", [A.APPROVE, A.REJECT])
def test_approver_who_is_the_requester_is_refused_but_another_approver_is_not(
    ticket_type: TicketType, action: Action
) -> None:
    awaiting = facts(ticket_type, S.AWAITING_APPROVAL, SELF_APPROVERS)
    requester_as_approver = Actor(REQUESTER.person_id, frozenset({Role.APPROVER}), frozenset())

    with pytest.raises(NotAllowed):
        decide(awaiting, action, requester_as_approver, note="a reason")
    assert decide(awaiting, action, APPROVER, note="a reason").action == action


def test_guard_is_checked_before_the_note() -> None:
    awaiting = facts(TT.ACCESS_REQUEST, S.AWAITING_APPROVAL, APPROVERS)

    with pytest.raises(NotAllowed):
        decide(awaiting, A.REJECT, RESPONDER, note="")


def test_legality_is_checked_before_the_guard() -> None:
    with pytest.raises(IllegalTransition):
        decide(facts(TT.INCIDENT, S.CLOSED), A.REOPEN, OUTSIDER)


# (type, source, action, actor, approvers) of every row that needs a note.
NOTE_ROWS = [
    (TT.INCIDENT, S.IN_PROGRESS, A.WAIT, RESPONDER, NO_APPROVERS),
    (TT.SERVICE_REQUEST, S.AWAITING_APPROVAL, A.REJECT, APPROVER, APPROVERS),
    (TT.ACCESS_REQUEST, S.AWAITING_APPROVAL, A.REJECT, APPROVER, APPROVERS),
    (TT.CHANGE, S.AWAITING_APPROVAL, A.REJECT, APPROVER, APPROVERS),
    (TT.CHANGE, S.IMPLEMENTING, A.FAIL, RESPONDER, APPROVERS),
    (TT.PROBLEM, S.INVESTIGATING, A.RECORD_KNOWN_ERROR, RESPONDER, NO_APPROVERS),
]


def test_note_rows_are_exactly_these() -> None:
    needing = {
        (kind, row.source, row.action)
        for kind, rows in TRANSITIONS.items()
        for row in rows
        if row.needs_note
    }
    assert needing == {(kind, source, action) for kind, source, action, _, _ in NOTE_ROWS}


@pytest.mark.parametrize(("ticket_type", "status", "action", "actor", "approvers"), NOTE_ROWS)
@pytest.mark.parametrize("note", ["", "   ", "\n\t"], ids=["empty", "spaces", "whitespace"])
def test_note_row_without_a_note_is_invalid_input(
    ticket_type: TicketType,
    status: TicketStatus,
    action: Action,
    actor: Actor,
    approvers: frozenset[int],
    note: str,
) -> None:
    verb = action.value.replace("_", " ")

    with pytest.raises(InvalidInput) as refused:
        decide(facts(ticket_type, status, approvers), action, actor, note=note)

    assert str(refused.value) == f"To {verb} this ticket, please give a reason."


@pytest.mark.parametrize(("ticket_type", "status", "action", "actor", "approvers"), NOTE_ROWS)
def test_note_row_with_a_note_applies(
    ticket_type: TicketType,
    status: TicketStatus,
    action: Action,
    actor: Actor,
    approvers: frozenset[int],
) -> None:
    row = decide(facts(ticket_type, status, approvers), action, actor, note="because")

    assert (row.source, row.action, row.needs_note) == (status, action, True)


@pytest.mark.parametrize("ticket_type", [TT.SERVICE_REQUEST, TT.ACCESS_REQUEST])
def test_request_on_a_service_with_approvers_is_submitted_not_started(
    ticket_type: TicketType,
) -> None:
    new = facts(ticket_type, S.NEW, APPROVERS)

    assert new.needs_approval is True
    assert decide(new, A.SUBMIT, REQUESTER).target == S.AWAITING_APPROVAL
    with pytest.raises(IllegalTransition) as refused:
        decide(new, A.START, RESPONDER)
    assert str(refused.value) == "You cannot start a ticket that is new."
    assert [row.action for row in available_actions(new)] == [A.SUBMIT]


@pytest.mark.parametrize("ticket_type", [TT.SERVICE_REQUEST, TT.ACCESS_REQUEST])
def test_request_on_a_service_without_approvers_is_started_not_submitted(
    ticket_type: TicketType,
) -> None:
    new = facts(ticket_type, S.NEW, NO_APPROVERS)

    assert new.needs_approval is False
    assert decide(new, A.START, RESPONDER).target == S.IN_PROGRESS
    with pytest.raises(IllegalTransition) as refused:
        decide(new, A.SUBMIT, REQUESTER)
    assert str(refused.value) == "You cannot submit a ticket that is new."
    assert [row.action for row in available_actions(new)] == [A.START]


@pytest.mark.parametrize(
    ("ticket_type", "status", "approvers", "buttons"),
    [
        (TT.INCIDENT, S.NEW, NO_APPROVERS, [A.ACKNOWLEDGE]),
        (TT.INCIDENT, S.ACKNOWLEDGED, NO_APPROVERS, [A.START, A.RESOLVE]),
        (TT.INCIDENT, S.IN_PROGRESS, NO_APPROVERS, [A.WAIT, A.RESOLVE]),
        (TT.INCIDENT, S.WAITING_ON_REQUESTER, NO_APPROVERS, [A.RESUME, A.RESOLVE]),
        (TT.INCIDENT, S.RESOLVED, NO_APPROVERS, [A.REOPEN, A.CLOSE]),
        (TT.SERVICE_REQUEST, S.AWAITING_APPROVAL, APPROVERS, []),
        (TT.SERVICE_REQUEST, S.APPROVED, APPROVERS, [A.START]),
        (TT.SERVICE_REQUEST, S.IN_PROGRESS, NO_APPROVERS, [A.FULFIL]),
        (TT.ACCESS_REQUEST, S.REJECTED, APPROVERS, [A.CLOSE]),
        (TT.CHANGE, S.DRAFT, APPROVERS, [A.SUBMIT]),
        (TT.CHANGE, S.AWAITING_APPROVAL, APPROVERS, []),
        (TT.CHANGE, S.IMPLEMENTING, APPROVERS, [A.COMPLETE, A.FAIL]),
        (TT.CHANGE, S.FAILED, APPROVERS, [A.CLOSE]),
        (TT.PROBLEM, S.INVESTIGATING, NO_APPROVERS, [A.RECORD_KNOWN_ERROR, A.RESOLVE]),
        (TT.PROBLEM, S.KNOWN_ERROR, NO_APPROVERS, [A.RESOLVE]),
    ],
)
def test_available_actions_without_actor_are_the_teams_buttons(
    ticket_type: TicketType,
    status: TicketStatus,
    approvers: frozenset[int],
    buttons: list[Action],
) -> None:
    ticket = facts(ticket_type, status, approvers)

    assert [row.action for row in available_actions(ticket, None)] == buttons
    assert [row.action for row in available_actions(ticket, RESPONDER)] == buttons


@pytest.mark.parametrize(
    ("ticket_type", "status", "approvers", "actor", "buttons"),
    [
        (TT.INCIDENT, S.NEW, NO_APPROVERS, REQUESTER, []),
        (TT.INCIDENT, S.RESOLVED, NO_APPROVERS, REQUESTER, [A.REOPEN, A.CLOSE]),
        (TT.INCIDENT, S.RESOLVED, NO_APPROVERS, OUTSIDER, []),
        (TT.ACCESS_REQUEST, S.AWAITING_APPROVAL, APPROVERS, APPROVER, [A.APPROVE, A.REJECT]),
        (TT.ACCESS_REQUEST, S.AWAITING_APPROVAL, SELF_APPROVERS, REQUESTER, []),
        (TT.ACCESS_REQUEST, S.AWAITING_APPROVAL, APPROVERS, RESPONDER, []),
        (TT.CHANGE, S.COMPLETED, APPROVERS, REQUESTER, []),
        (TT.CHANGE, S.REJECTED, APPROVERS, REQUESTER, [A.CLOSE]),
    ],
)
def test_available_actions_for_an_actor_are_what_their_guard_admits(
    ticket_type: TicketType,
    status: TicketStatus,
    approvers: frozenset[int],
    actor: Actor,
    buttons: list[Action],
) -> None:
    ticket = facts(ticket_type, status, approvers)

    assert [row.action for row in available_actions(ticket, actor)] == buttons


@pytest.mark.parametrize(
    ("ticket_type", "status", "approvers"),
    [
        (kind, status, approvers)
        for kind, approvers in (
            (TT.INCIDENT, NO_APPROVERS),
            (TT.SERVICE_REQUEST, NO_APPROVERS),
            (TT.ACCESS_REQUEST, APPROVERS),
            (TT.CHANGE, APPROVERS),
            (TT.PROBLEM, NO_APPROVERS),
        )
        for status in sorted(statuses_of(kind) - {S.CLOSED})
    ],
)
def test_every_offered_team_button_is_a_move_decide_accepts(
    ticket_type: TicketType, status: TicketStatus, approvers: frozenset[int]
) -> None:
    ticket = facts(ticket_type, status, approvers)

    accepted = [
        decide(ticket, row.action, RESPONDER, note="a reason") for row in available_actions(ticket)
    ]
    assert accepted == available_actions(ticket)


# Every status a ticket can reach before it is closed, per type and approval setting.
OPEN_STATUSES = [
    (TT.INCIDENT, NO_APPROVERS, S.NEW),
    (TT.INCIDENT, NO_APPROVERS, S.ACKNOWLEDGED),
    (TT.INCIDENT, NO_APPROVERS, S.IN_PROGRESS),
    (TT.INCIDENT, NO_APPROVERS, S.WAITING_ON_REQUESTER),
    (TT.INCIDENT, NO_APPROVERS, S.RESOLVED),
    (TT.SERVICE_REQUEST, NO_APPROVERS, S.NEW),
    (TT.SERVICE_REQUEST, NO_APPROVERS, S.IN_PROGRESS),
    (TT.SERVICE_REQUEST, NO_APPROVERS, S.FULFILLED),
    (TT.ACCESS_REQUEST, APPROVERS, S.NEW),
    (TT.ACCESS_REQUEST, APPROVERS, S.AWAITING_APPROVAL),
    (TT.ACCESS_REQUEST, APPROVERS, S.APPROVED),
    (TT.ACCESS_REQUEST, APPROVERS, S.REJECTED),
    (TT.ACCESS_REQUEST, APPROVERS, S.IN_PROGRESS),
    (TT.ACCESS_REQUEST, APPROVERS, S.FULFILLED),
    (TT.CHANGE, APPROVERS, S.DRAFT),
    (TT.CHANGE, APPROVERS, S.AWAITING_APPROVAL),
    (TT.CHANGE, APPROVERS, S.APPROVED),
    (TT.CHANGE, APPROVERS, S.REJECTED),
    (TT.CHANGE, APPROVERS, S.SCHEDULED),
    (TT.CHANGE, APPROVERS, S.IMPLEMENTING),
    (TT.CHANGE, APPROVERS, S.COMPLETED),
    (TT.CHANGE, APPROVERS, S.FAILED),
    (TT.CHANGE, NO_APPROVERS, S.DRAFT),
    (TT.PROBLEM, NO_APPROVERS, S.NEW),
    (TT.PROBLEM, NO_APPROVERS, S.INVESTIGATING),
    (TT.PROBLEM, NO_APPROVERS, S.KNOWN_ERROR),
    (TT.PROBLEM, NO_APPROVERS, S.RESOLVED),
]
EVERYONE = (REQUESTER, RESPONDER, OUTSIDER, APPROVER)


@pytest.mark.parametrize(("ticket_type", "approvers", "status"), OPEN_STATUSES)
def test_no_open_status_is_a_dead_end(
    ticket_type: TicketType, approvers: frozenset[int], status: TicketStatus
) -> None:
    ticket = facts(ticket_type, status, approvers)

    assert [row for actor in EVERYONE for row in available_actions(ticket, actor)] != []


def test_submitted_change_on_a_service_without_approvers_is_not_a_dead_end() -> None:
    submitted = decide(facts(TT.CHANGE, S.DRAFT, NO_APPROVERS), A.SUBMIT, REQUESTER).target
    ticket = facts(TT.CHANGE, submitted, NO_APPROVERS)

    assert [row for actor in EVERYONE for row in available_actions(ticket, actor)] != []


@pytest.mark.parametrize(
    ("who", "admitted"),
    [
        (Who.TEAM, {RESPONDER}),
        (Who.REQUESTER_OR_TEAM, {REQUESTER, RESPONDER}),
        (Who.APPROVER, {APPROVER}),
    ],
)
def test_admits_truth_table(who: Who, admitted: set[Actor]) -> None:
    ticket = facts(TT.ACCESS_REQUEST, S.AWAITING_APPROVAL, SELF_APPROVERS)

    assert {actor for actor in EVERYONE if admits(who, actor, ticket)} == admitted
