"""Random sequences of raises, moves, takes and comments through the real use cases, on a real
SQLite database. After every step the lifecycle, the audit trail and the outbox must agree with a
model that predicts each move with `decide` from facts it builds from the demo config itself."""

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import load_config
from bot.directory import directory_spec
from storage.database import Database
from storage.enums import ChangeKind, Level, TicketStatus, TicketType
from storage.models import AuditEvent, Comment, OutboxIntent, Person, Service, Team, Ticket
from tests.conftest import ROOT, fresh_sqlite_database
from tests.support.clock import ManualClock
from workflows.change_rules import ChangeDetails
from workflows.directory import sync_directory
from workflows.errors import DomainError, IllegalTransition, InvalidInput, NotAllowed, NotFound
from workflows.lifecycle import (
    APPROVED_TYPES,
    CLOSED_STATUSES,
    DONE_STATUSES,
    INITIAL_STATUS,
    Action,
    Actor,
    TicketFacts,
    Transition,
    Who,
    available_actions,
    decide,
    statuses_of,
)
from workflows.priority import ITIL_DEFAULT
from workflows.references import PREFIXES
from workflows.settings import DeskSettings, PlatformReach
from workflows.tickets import (
    UNDECIDED,
    VOTES,
    NewTicket,
    act,
    add_comment,
    raise_ticket,
    take,
)
from workflows.unit_of_work import unit_of_work

# The demo without managers: access requests go straight to the service's approvers, whom
# this model knows (the manager's stage is tested in tests/handlers/test_approval.py).
_CONFIG = load_config(ROOT / "config.example.yaml")
DEMO = _CONFIG.model_copy(
    update={"people": [p.model_copy(update={"manager": None}) for p in _CONFIG.people]}
)
# Every change is a normal one, planned well ahead of the moved clock.
PLAN = ChangeDetails(
    ChangeKind.NORMAL,
    Level.MEDIUM,
    datetime(2099, 1, 1, 9, 0, tzinfo=UTC),
    datetime(2099, 1, 1, 10, 0, tzinfo=UTC),
    "Restore the previous version",
)
PEOPLE = tuple(person.id for person in DEMO.people)
ROLES = {person.id: frozenset(person.roles) for person in DEMO.people}
MEMBERS = {team.id: frozenset(team.members) for team in DEMO.teams}
SERVICES = tuple(service.id for service in DEMO.services)
APPROVERS = {service.id: frozenset(service.approvers) for service in DEMO.services}
TEAM_OF = {service.id: service.team for service in DEMO.services}
# One platform that reaches everyone: every notice becomes exactly one outbox intent.
SETTINGS = DeskSettings(platforms=(PlatformReach("testchat", reaches_everyone=True),))
RAISED_BY = {
    TicketType.INCIDENT: "alice",
    TicketType.SERVICE_REQUEST: "alice",
    TicketType.ACCESS_REQUEST: "alice",
    TicketType.CHANGE: "bob",
    TicketType.PROBLEM: "bob",
}
REQUESTS = frozenset({TicketType.SERVICE_REQUEST, TicketType.ACCESS_REQUEST})
ANOTHER_TYPE = {
    TicketType.INCIDENT: TicketType.PROBLEM,
    TicketType.SERVICE_REQUEST: TicketType.ACCESS_REQUEST,
    TicketType.ACCESS_REQUEST: TicketType.SERVICE_REQUEST,
    TicketType.CHANGE: TicketType.INCIDENT,
    TicketType.PROBLEM: TicketType.CHANGE,
}
S = TicketStatus

Event = tuple[str, TicketStatus | None, TicketStatus | None]
Refusal = tuple[type[DomainError], str]


@dataclass(frozen=True)
class Snapshot:
    """One ticket as the database holds it, with its audit trail."""

    reference: str
    ticket_type: TicketType
    service: str
    team: str
    requester: str
    assignee: str | None
    status: TicketStatus
    resolved: bool
    closed: bool
    trail: tuple[Event, ...]


@dataclass(frozen=True)
class Desk:
    """Every ticket, and the row counts of the tables a use case writes."""

    tickets: dict[str, Snapshot]
    audits: int
    outbox: int
    comments: int


@dataclass(frozen=True)
class BadRaise:
    """A raise the desk must refuse, and the refusal."""

    requester: str
    ticket_type: TicketType
    service: str
    title: str
    refusal: Refusal


BAD_RAISES = (
    BadRaise(
        "alice",
        TicketType.CHANGE,
        "vpn",
        "Upgrade",
        (NotAllowed, "Only responders raise a change."),
    ),
    BadRaise(
        "carol",
        TicketType.PROBLEM,
        "email",
        "Bounce",
        (NotAllowed, "Only responders raise a problem."),
    ),
    BadRaise(
        "alice", TicketType.INCIDENT, "vpn", "  ", (InvalidInput, "The title cannot be empty.")
    ),
    BadRaise(
        "alice",
        TicketType.INCIDENT,
        "printers",
        "Jam",
        (NotFound, "There is no service 'printers' in the catalog."),
    ),
    BadRaise(
        "zed",
        TicketType.INCIDENT,
        "vpn",
        "Down",
        (NotFound, "There is no one called 'zed' in the directory."),
    ),
)


class DeskLifecycle(RuleBasedStateMachine):
    """The desk on a fresh SQLite database holding the demo directory."""

    tickets = Bundle("tickets")

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="deskbot-lifecycle-"))
        self.db = Database.from_url(fresh_sqlite_database(self.directory))
        with unit_of_work(self.db) as session:
            sync_directory(session, directory_spec(DEMO))
        with unit_of_work(self.db) as session:
            self.people = {key: id_ for key, id_ in session.execute(select(Person.key, Person.id))}
            self.teams = {key: id_ for key, id_ in session.execute(select(Team.key, Team.id))}
            self.services = {
                key: id_ for key, id_ in session.execute(select(Service.key, Service.id))
            }
        self.clock = ManualClock()
        # The model: the status each raised ticket must have.
        self.statuses: dict[str, TicketStatus] = {}

    def teardown(self) -> None:
        self.db.dispose()
        shutil.rmtree(self.directory, ignore_errors=True)

    # --- rules ---------------------------------------------------------------------------

    @initialize(
        target=tickets,
        ticket_type=st.sampled_from(TicketType),
        service=st.sampled_from(SERVICES),
    )
    def raise_the_first_ticket(self, ticket_type: TicketType, service: str) -> str:
        return self.check_raise(ticket_type, service, Level.MEDIUM, Level.HIGH)

    @rule(
        target=tickets,
        ticket_type=st.sampled_from(TicketType),
        service=st.sampled_from(SERVICES),
        impact=st.sampled_from(Level),
        urgency=st.sampled_from(Level),
    )
    def raise_a_ticket(
        self, ticket_type: TicketType, service: str, impact: Level, urgency: Level
    ) -> str:
        return self.check_raise(ticket_type, service, impact, urgency)

    @rule(bad=st.sampled_from(BAD_RAISES))
    def refused_raise(self, bad: BadRaise) -> None:
        before = self.read()
        new = NewTicket(bad.ticket_type, bad.service, bad.title, "", Level.LOW, Level.LOW)

        outcome = self.attempt(
            lambda session: raise_ticket(session, SETTINGS, bad.requester, new, self.tick())
        )

        assert outcome == bad.refusal
        assert self.read() == before

    def check_raise(
        self, ticket_type: TicketType, service: str, impact: Level, urgency: Level
    ) -> str:
        """Raise a valid ticket, check it starts its lifecycle audited and announced with nothing
        else changed, and return its reference."""
        before = self.read()
        plan = PLAN if ticket_type == TicketType.CHANGE else None
        new = NewTicket(
            ticket_type, service, "Cannot log in", "Since today", impact, urgency, change=plan
        )
        with unit_of_work(self.db) as session:
            view = raise_ticket(session, SETTINGS, RAISED_BY[ticket_type], new, self.tick())
        after = self.read()

        initial = INITIAL_STATUS[ticket_type]
        raised: Event = ("raised", None, initial)
        # A change is submitted at once: to its approvers, or approved when it has none.
        approved = S.AWAITING_APPROVAL if APPROVERS[service] else S.APPROVED
        submitted: Event = (Action.SUBMIT.value, initial, approved)
        is_submitted = ticket_type == TicketType.CHANGE or (
            ticket_type in REQUESTS and bool(APPROVERS[service])
        )
        trail = (raised, submitted) if is_submitted else (raised,)
        ticket = after.tickets[view.reference]
        assert ticket == Snapshot(
            reference=view.reference,
            ticket_type=ticket_type,
            service=service,
            team=TEAM_OF[service],
            requester=RAISED_BY[ticket_type],
            assignee=None,
            status=trail[-1][2] or initial,
            resolved=False,
            closed=False,
            trail=trail,
        )
        assert view.status == ticket.status
        assert view.priority == ITIL_DEFAULT[impact][urgency]
        # A card and a DM for the raise; the submit adds a card, a thread note and a DM to
        # each approver of the service.
        outbox = 4 + len(APPROVERS[service]) if is_submitted else 2
        assert after == replace(
            before,
            tickets={**before.tickets, view.reference: ticket},
            audits=before.audits + len(trail),
            outbox=before.outbox + outbox,
        )
        self.statuses[view.reference] = ticket.status
        return view.reference

    @rule(
        reference=tickets,
        action=st.sampled_from(Action),
        person=st.sampled_from(PEOPLE),
        note=st.sampled_from(["", "because"]),
    )
    def apply_any_action(self, reference: str, action: Action, person: str, note: str) -> None:
        self.check_act(reference, action, person, note)

    @rule(reference=tickets, moves=st.integers(min_value=1, max_value=6), data=st.data())
    def apply_offered_actions(self, reference: str, moves: int, data: st.DataObject) -> None:
        # Random moves are mostly refused; these walk a ticket deep into its lifecycle, each
        # move chosen among the buttons someone is offered (a closed ticket tries to reopen).
        for _ in range(moves):
            ticket = self.read().tickets[reference]
            offered = [
                (person, row.action)
                for person in PEOPLE
                for row in available_actions(self.facts_of(ticket), self.actor_of(person))
            ]
            person, action = data.draw(st.sampled_from(offered or [("alice", Action.REOPEN)]))
            self.check_act(reference, action, person, "because")

    @rule(reference=tickets, person=st.sampled_from(PEOPLE))
    def take_a_ticket(self, reference: str, person: str) -> None:
        before = self.read()
        ticket = before.tickets[reference]

        outcome = self.attempt(
            lambda session: take(session, SETTINGS, person, reference, self.tick())
        )

        assert outcome == take_refusal(ticket, person)
        taken = outcome is None
        events: tuple[Event, ...] = (("assigned", None, None),) if taken else ()
        assignee = person if taken else ticket.assignee
        # A card and a thread note.
        self.expect(
            before,
            replace(ticket, assignee=assignee, trail=ticket.trail + events),
            outbox=2 if taken else 0,
        )

    @rule(
        reference=tickets,
        person=st.sampled_from(PEOPLE),
        body=st.sampled_from(["", "It still fails", "  "]),
    )
    def comment_on_a_ticket(self, reference: str, person: str, body: str) -> None:
        before = self.read()
        ticket = before.tickets[reference]

        outcome = self.attempt(
            lambda session: add_comment(session, SETTINGS, person, reference, body, self.tick())
        )

        assert outcome == comment_refusal(ticket, person, body)
        added = outcome is None
        is_requester = person == ticket.requester
        resumed = added and is_requester and ticket.status == S.WAITING_ON_REQUESTER
        commented: Event = ("commented", None, None)
        resume: Event = (Action.RESUME.value, S.WAITING_ON_REQUESTER, S.IN_PROGRESS)
        events = (commented, resume) if resumed else (commented,) if added else ()
        status = S.IN_PROGRESS if resumed else ticket.status
        # A thread note, a DM to the requester when the team wrote, a card and a note on resume.
        notes = (1 if is_requester else 2) if added else 0
        self.expect(
            before,
            replace(ticket, status=status, trail=ticket.trail + events),
            outbox=notes + (2 if resumed else 0),
            comments=1 if added else 0,
        )

    @rule(reference=tickets, action=st.sampled_from(Action))
    def act_on_the_number_with_another_types_prefix(self, reference: str, action: Action) -> None:
        before = self.read()
        number = reference.split("-")[1]
        wrong = f"{PREFIXES[ANOTHER_TYPE[before.tickets[reference].ticket_type]]}-{number}"

        outcome = self.attempt(
            lambda session: act(session, SETTINGS, "bob", wrong, action, self.tick(), "because")
        )

        assert outcome == (NotFound, f"No such ticket: {wrong}.")
        assert self.read() == before

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def tickets_are_consistent(self) -> None:
        tickets = self.read().tickets.values()

        assert {ticket.reference: ticket.status for ticket in tickets} == self.statuses
        assert [
            ticket.reference
            for ticket in tickets
            if ticket.status not in statuses_of(ticket.ticket_type)
        ] == []
        assert [(t.reference, t.status, t.resolved) for t in tickets] == [
            (t.reference, t.status, t.status in DONE_STATUSES | CLOSED_STATUSES) for t in tickets
        ]
        assert [(t.reference, t.status, t.closed) for t in tickets] == [
            (t.reference, t.status, t.status in CLOSED_STATUSES) for t in tickets
        ]
        # Each trail opens with the raise, chains every move from the status the last one left,
        # and ends in the ticket's current status.
        assert [(t.reference, t.trail[0]) for t in tickets] == [
            (t.reference, ("raised", None, INITIAL_STATUS[t.ticket_type])) for t in tickets
        ]
        assert [(t.reference, [source for source, _ in moves(t)]) for t in tickets] == [
            (t.reference, [None, *[target for _, target in moves(t)][:-1]]) for t in tickets
        ]
        assert [(t.reference, moves(t)[-1][1]) for t in tickets] == [
            (t.reference, t.status) for t in tickets
        ]

    # --- helpers ---------------------------------------------------------------------------

    def tick(self) -> datetime:
        """Move the clock a minute and return the new moment."""
        self.clock.advance(timedelta(minutes=1))
        return self.clock.now()

    def attempt(self, call: Callable[[Session], object]) -> Refusal | None:
        """Run `call` in its own unit of work; the domain error it raised, if any."""
        try:
            with unit_of_work(self.db) as session:
                call(session)
        except DomainError as error:
            return type(error), str(error)
        return None

    def expect(self, before: Desk, ticket: Snapshot, *, outbox: int, comments: int = 0) -> None:
        """The desk now is `before` with `ticket` as given and the rows it implies added."""
        audits = len(ticket.trail) - len(before.tickets[ticket.reference].trail)
        done = DONE_STATUSES | CLOSED_STATUSES
        ticket = replace(
            ticket, resolved=ticket.status in done, closed=ticket.status in CLOSED_STATUSES
        )
        assert self.read() == Desk(
            tickets={**before.tickets, ticket.reference: ticket},
            audits=before.audits + audits,
            outbox=before.outbox + outbox,
            comments=before.comments + comments,
        )
        self.statuses[ticket.reference] = ticket.status

    def read(self) -> Desk:
        """Every ticket with its audit trail, and the row counts, in one unit of work."""
        keys = {
            "people": {id_: key for key, id_ in self.people.items()},
            "teams": {id_: key for key, id_ in self.teams.items()},
            "services": {id_: key for key, id_ in self.services.items()},
        }
        with unit_of_work(self.db) as session:
            events = session.execute(
                select(
                    AuditEvent.ticket_id,
                    AuditEvent.action,
                    AuditEvent.from_status,
                    AuditEvent.to_status,
                ).order_by(AuditEvent.id)
            ).all()
            trails: dict[int, list[Event]] = {}
            for ticket_id, action, source, target in events:
                trails.setdefault(ticket_id, []).append((action, source, target))
            rows = session.execute(
                select(
                    Ticket.id,
                    Ticket.reference,
                    Ticket.type,
                    Ticket.service_id,
                    Ticket.team_id,
                    Ticket.requester_id,
                    Ticket.assignee_id,
                    Ticket.status,
                    Ticket.resolved_at.is_not(None),
                    Ticket.closed_at.is_not(None),
                )
            ).all()
            tickets = {
                reference or "": Snapshot(
                    reference=reference or "",
                    ticket_type=kind,
                    service=keys["services"][service_id],
                    team=keys["teams"][team_id],
                    requester=keys["people"][requester_id],
                    assignee=keys["people"].get(assignee_id or 0),
                    status=status,
                    resolved=bool(resolved),
                    closed=bool(closed),
                    trail=tuple(trails.get(ticket_id, [])),
                )
                for (
                    ticket_id,
                    reference,
                    kind,
                    service_id,
                    team_id,
                    requester_id,
                    assignee_id,
                    status,
                    resolved,
                    closed,
                ) in rows
            }
            return Desk(
                tickets=tickets,
                audits=len(events),
                outbox=session.scalar(select(func.count()).select_from(OutboxIntent)) or 0,
                comments=session.scalar(select(func.count()).select_from(Comment)) or 0,
            )

    def check_act(self, reference: str, action: Action, person: str, note: str) -> None:
        """`act` does exactly what `decide` predicts, or refuses as it does and changes nothing."""
        before = self.read()
        ticket = before.tickets[reference]
        predicted = predict(self.facts_of(ticket), action, self.actor_of(person), note)
        if (
            action in VOTES
            and ticket.ticket_type in APPROVED_TYPES
            and ticket.status not in UNDECIDED
        ):
            status = ticket.status.value.replace("_", " ")
            predicted = IllegalTransition(
                f"{reference} was already decided: it is {status}. Nothing was changed."
            )

        outcome = self.attempt(
            lambda session: act(session, SETTINGS, person, reference, action, self.tick(), note)
        )

        assert outcome == refusal_of(predicted)
        moved = outcome is None
        target = predicted.target if isinstance(predicted, Transition) else ticket.status
        events: tuple[Event, ...] = ((action.value, ticket.status, target),) if moved else ()
        if moved and isinstance(predicted, Transition) and predicted.who == Who.APPROVER:
            # An approver's vote is audited before the move it decides (one vote decides here).
            vote = "vote approve" if action == Action.APPROVE else "vote reject"
            events = ((vote, ticket.status, None), *events)
        # Acknowledging an unassigned ticket makes it the acknowledger's.
        claims = moved and action == Action.ACKNOWLEDGE
        assignee = ticket.assignee or (person if claims else None)
        # A card and a thread note, a DM to the requester when someone else acted, and one to
        # each approver when the move asks for approval.
        notices = 2 if person == ticket.requester else 3
        # Approvers other than the requester are asked, and told once a vote decides.
        asked = len(set(APPROVERS[ticket.service]) - {ticket.requester})
        if target == S.AWAITING_APPROVAL:
            notices += asked
        if isinstance(predicted, Transition) and predicted.who == Who.APPROVER:
            notices += asked
        self.expect(
            before,
            replace(ticket, status=target, assignee=assignee, trail=ticket.trail + events),
            outbox=notices if moved else 0,
        )

    def facts_of(self, ticket: Snapshot) -> TicketFacts:
        """The guards' view of a ticket, built from the config rather than the directory code."""
        return TicketFacts(
            ticket_type=ticket.ticket_type,
            status=ticket.status,
            team_id=self.teams[ticket.team],
            requester_id=self.people[ticket.requester],
            approver_ids=frozenset(self.people[key] for key in APPROVERS[ticket.service]),
        )

    def actor_of(self, person: str) -> Actor:
        """The guards' view of a person of the demo directory."""
        return Actor(
            person_id=self.people[person],
            roles=ROLES[person],
            team_ids=frozenset(self.teams[team] for team in teams_of(person)),
        )


def predict(
    facts: TicketFacts, action: Action, actor: Actor, note: str
) -> Transition | DomainError:
    """The row `decide` picks for this move, or the error it raises."""
    try:
        return decide(facts, action, actor, note)
    except DomainError as error:
        return error


def teams_of(person: str) -> list[str]:
    """The demo teams `person` is a member of."""
    return [team for team, members in MEMBERS.items() if person in members]


def moves(ticket: Snapshot) -> list[tuple[TicketStatus | None, TicketStatus]]:
    """The status changes in the ticket's audit trail, in order."""
    return [(source, target) for _, source, target in ticket.trail if target is not None]


def refusal_of(predicted: Transition | DomainError) -> Refusal | None:
    """The refusal a predicted outcome stands for; None for a legal move."""
    if isinstance(predicted, DomainError):
        return type(predicted), str(predicted)
    return None


def take_refusal(ticket: Snapshot, person: str) -> Refusal | None:
    """How `take` must refuse, in the order it checks; None when it must succeed."""
    if person not in MEMBERS[ticket.team]:
        return NotAllowed, "Only the team that owns this ticket can take it."
    if ticket.status in CLOSED_STATUSES:
        return InvalidInput, f"{ticket.reference} is closed."
    if ticket.assignee == person:
        return InvalidInput, f"{ticket.reference} is already yours."
    return None


def comment_refusal(ticket: Snapshot, person: str, body: str) -> Refusal | None:
    """How `add_comment` must refuse, in the order it checks; None when it must succeed."""
    if not body.strip():
        return InvalidInput, "The comment cannot be empty."
    if person != ticket.requester and person not in MEMBERS[ticket.team]:
        return NotAllowed, "Only the requester and the owning team can comment on this ticket."
    if ticket.status in CLOSED_STATUSES:
        return InvalidInput, f"{ticket.reference} is closed; please raise a new ticket."
    return None


DeskLifecycle.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
TestDeskLifecycle = DeskLifecycle.TestCase
