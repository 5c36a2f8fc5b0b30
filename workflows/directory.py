"""The directory: people, teams and the service catalog, synced from config into the database."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import bindparam, delete, exists, select, true, update
from sqlalchemy.orm import Session

from storage.database import execute_prebuilt
from storage.enums import Role
from storage.models import (
    Person,
    PersonRole,
    PlatformIdentity,
    Service,
    ServiceApprover,
    Team,
    TeamChannel,
    TeamMember,
)
from workflows.errors import NotFound
from workflows.lifecycle import Actor
from workflows.views import CatalogEntry, PersonSummary, Requester, ServiceSummary


@dataclass(frozen=True)
class PersonSpec:
    """A person as config describes them; `identities` maps platform to external id."""

    key: str
    name: str
    roles: frozenset[Role]
    identities: Mapping[str, str] = field(default_factory=dict)
    manager: str | None = None
    emergency_approver: bool = False


@dataclass(frozen=True)
class TeamSpec:
    """A team as config describes it; `channels` maps platform to channel address."""

    key: str
    name: str
    members: tuple[str, ...]
    channels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceSpec:
    """A catalog entry as config describes it."""

    key: str
    name: str
    team: str
    sla_policy: str | None = None
    escalation_policy: str | None = None
    approvers: tuple[str, ...] = ()


@dataclass(frozen=True)
class DirectorySpec:
    """The whole directory from config."""

    people: tuple[PersonSpec, ...]
    teams: tuple[TeamSpec, ...]
    services: tuple[ServiceSpec, ...]


def sync_directory(session: Session, spec: DirectorySpec) -> None:
    """Make the database's directory match `spec`; people and services it drops are deactivated.

    Config's chat identities are replaced as a whole: an account can move from one person to
    another (a renamed key, a reassigned id). Self-registered people are kept with theirs,
    but config wins: a key it names becomes config's, and a self-registered person whose
    account it gives to someone is deactivated.
    """
    _yield_to_config(session, spec)
    session.execute(
        delete(PlatformIdentity).where(PlatformIdentity.person_id.in_(_CONFIGURED_PEOPLE))
    )
    people = {person.key: _sync_person(session, person) for person in spec.people}
    session.execute(
        update(Person)
        .where(Person.key.not_in(list(people)), Person.self_registered.is_(False))
        .values(active=False)
    )
    for spec_person in spec.people:
        manager = people.get(spec_person.manager) if spec_person.manager else None
        people[spec_person.key].manager_id = manager.id if manager else None
    teams = {team.key: _sync_team(session, team, people) for team in spec.teams}
    for service in spec.services:
        _sync_service(session, service, teams, people)
    session.execute(
        update(Service)
        .where(Service.key.not_in([service.key for service in spec.services]))
        .values(active=False)
    )


_CONFIGURED_PEOPLE = select(Person.id).where(Person.self_registered.is_(False))
_SELF_REGISTERED_ACCOUNTS = (
    select(
        PlatformIdentity.id,
        PlatformIdentity.person_id,
        PlatformIdentity.platform,
        PlatformIdentity.external_id,
    )
    .join(Person)
    .where(Person.self_registered.is_(True))
)


def _yield_to_config(session: Session, spec: DirectorySpec) -> None:
    """Self-registered people whom config names become config's; those whose account config
    gives to someone lose it and are deactivated."""
    keys = [person.key for person in spec.people]
    session.execute(update(Person).where(Person.key.in_(keys)).values(self_registered=False))
    accounts = {account for person in spec.people for account in person.identities.items()}
    taken = [
        row
        for row in session.execute(_SELF_REGISTERED_ACCOUNTS)
        if (row.platform, row.external_id) in accounts
    ]
    session.execute(delete(PlatformIdentity).where(PlatformIdentity.id.in_([r.id for r in taken])))
    session.execute(
        update(Person).where(Person.id.in_([r.person_id for r in taken])).values(active=False)
    )


def _sync_person(session: Session, spec: PersonSpec) -> Person:
    person = session.scalar(select(Person).where(Person.key == spec.key))
    if person is None:
        person = Person(key=spec.key, name=spec.name)
        session.add(person)
    person.name, person.active = spec.name, True
    person.emergency_approver = spec.emergency_approver
    person.roles = [PersonRole(role=role) for role in sorted(spec.roles)]
    session.flush()
    session.add_all(
        PlatformIdentity(person_id=person.id, platform=platform, external_id=external_id)
        for platform, external_id in spec.identities.items()
    )
    return person


def _sync_team(session: Session, spec: TeamSpec, people: Mapping[str, Person]) -> Team:
    team = session.scalar(select(Team).where(Team.key == spec.key))
    if team is None:
        team = Team(key=spec.key, name=spec.name)
        session.add(team)
    team.name = spec.name
    session.flush()
    session.execute(delete(TeamMember).where(TeamMember.team_id == team.id))
    session.execute(delete(TeamChannel).where(TeamChannel.team_id == team.id))
    session.add_all(TeamMember(team_id=team.id, person_id=people[key].id) for key in spec.members)
    session.add_all(
        TeamChannel(team_id=team.id, platform=platform, address=address)
        for platform, address in spec.channels.items()
    )
    return team


def _sync_service(
    session: Session, spec: ServiceSpec, teams: Mapping[str, Team], people: Mapping[str, Person]
) -> None:
    service = session.scalar(select(Service).where(Service.key == spec.key))
    if service is None:
        service = Service(key=spec.key, name=spec.name, team_id=teams[spec.team].id)
        session.add(service)
    service.name, service.team_id, service.active = spec.name, teams[spec.team].id, True
    service.sla_policy, service.escalation_policy = spec.sla_policy, spec.escalation_policy
    session.flush()
    session.execute(delete(ServiceApprover).where(ServiceApprover.service_id == service.id))
    session.add_all(
        ServiceApprover(service_id=service.id, person_id=people[key].id) for key in spec.approvers
    )


def person_for_identity(session: Session, platform: str, external_id: str) -> str | None:
    """The directory key of the active person with this platform account, if any."""
    return session.scalar(
        select(Person.key)
        .join(PlatformIdentity)
        .where(
            PlatformIdentity.platform == platform,
            PlatformIdentity.external_id == external_id,
            Person.active.is_(True),
        )
    )


# Statements on the hot path of every event are built once: building costs more than running.
_PERSON_BY_KEY = select(Person).where(Person.key == bindparam("key"), Person.active.is_(True))
_CATALOG = (
    select(Service.key, Service.name, Team.name.label("team_name"), Service.sla_policy)
    .join(Team, Service.team_id == Team.id)
    .where(Service.active.is_(True))
    .order_by(Service.name)
)
_SERVICE_BY_KEY = select(Service).where(Service.key == bindparam("key"), Service.active.is_(True))
# Who raises a ticket and about what, in one round trip and as plain columns (loading the
# two as ORM objects costs several times more). An explicit join on true: the person and the
# service are unrelated rows, and a bare cross join draws SQLAlchemy's cartesian-product
# warning.
_REQUESTER_AND_SERVICE = (
    select(
        Person.id,
        Person.key,
        Person.name,
        Person.manager_id,
        Service.id,
        Service.key,
        Service.name,
        Service.team_id,
        Team.key,
        Team.name,
        Service.sla_policy,
        Service.escalation_policy,
    )
    .select_from(Person)
    .join(Service, true())
    .join(Team, Team.id == Service.team_id)
    .where(
        Person.key == bindparam("person"),
        Person.active.is_(True),
        Service.key == bindparam("service"),
        Service.active.is_(True),
    )
)
_IS_RESPONDER = select(
    exists().where(
        TeamMember.person_id == Person.id,
        Person.key == bindparam("key"),
        Person.active.is_(True),
    )
)
_APPROVER_IDS = select(ServiceApprover.person_id).where(
    ServiceApprover.service_id == bindparam("service_id")
)


def load_person(session: Session, key: str) -> Person:
    """The active person with this directory key; NotFound otherwise."""
    person = session.scalar(_PERSON_BY_KEY, {"key": key})
    if person is None:
        raise NotFound(f"There is no one called '{key}' in the directory.")
    return person


def load_requester_and_service(
    session: Session, person_key: str, service_key: str
) -> tuple[Requester, CatalogEntry]:
    """The active person and the active service with these keys, read together; NotFound
    naming whichever is missing."""
    row = execute_prebuilt(
        session, _REQUESTER_AND_SERVICE, {"person": person_key, "service": service_key}
    ).one_or_none()
    if row is None:
        load_person(session, person_key)
        load_service(session, service_key)
        raise NotFound(f"There is no service '{service_key}' in the catalog.")  # gone meanwhile
    columns = tuple(row)  # the person's four, then the service's
    return Requester(*columns[:4]), CatalogEntry(*columns[4:])


def actor_for(session: Session, person: Person) -> Actor:
    """The guard's view of a person: roles and team memberships."""
    team_ids = session.scalars(select(TeamMember.team_id).where(TeamMember.person_id == person.id))
    return Actor(
        person_id=person.id,
        roles=frozenset(role.role for role in person.roles),
        team_ids=frozenset(team_ids),
    )


def is_responder(session: Session, person_key: str) -> bool:
    """Whether the active person with this key is in a team (responders raise changes)."""
    return bool(execute_prebuilt(session, _IS_RESPONDER, {"key": person_key}).scalar())


def approver_ids(session: Session, service_id: int) -> frozenset[int]:
    """The people who approve for a service."""
    return frozenset(session.scalars(_APPROVER_IDS, {"service_id": service_id}))


def list_people(session: Session) -> list[PersonSummary]:
    """Every active person with their roles and teams, by key."""
    people = session.scalars(select(Person).where(Person.active.is_(True)).order_by(Person.key))
    memberships = session.execute(
        select(TeamMember.person_id, Team.name).join(Team).order_by(Team.name)
    ).all()
    teams_of: dict[int, list[str]] = {}
    for person_id, team_name in memberships:
        teams_of.setdefault(person_id, []).append(team_name)
    return [
        PersonSummary(
            key=person.key,
            name=person.name,
            roles=tuple(sorted(role.role for role in person.roles)),
            teams=tuple(teams_of.get(person.id, [])),
        )
        for person in people
    ]


def list_services(session: Session) -> list[ServiceSummary]:
    """The active catalog, by name."""
    return [ServiceSummary(**row._mapping) for row in execute_prebuilt(session, _CATALOG, {})]


def load_service(session: Session, key: str) -> Service:
    """The active service with this key; NotFound otherwise."""
    service = session.scalar(_SERVICE_BY_KEY, {"key": key})
    if service is None:
        raise NotFound(f"There is no service '{key}' in the catalog.")
    return service
