"""Self-registration: a newcomer becomes an employee once, and config stays the truth."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from sqlalchemy import func, select

from bot.config import Config
from bot.directory import directory_spec
from storage.database import Database
from storage.enums import Role
from storage.models import Person, PlatformIdentity
from workflows.directory import DirectorySpec, PersonSpec, person_for_identity, sync_directory
from workflows.registration import NAME_LIMIT, Newcomer, clean_name, register_employee
from workflows.unit_of_work import unit_of_work

NEWCOMER = Newcomer(key="tg-42", name="Ann Lee", platform="telegram", external_id="42")


def _register(database: Database, newcomer: Newcomer = NEWCOMER) -> str | None:
    with unit_of_work(database) as session:
        return register_employee(session, newcomer)


def _sync(database: Database, spec: DirectorySpec) -> None:
    with unit_of_work(database) as session:
        sync_directory(session, spec)


def _owner(database: Database) -> str | None:
    with unit_of_work(database) as session:
        return person_for_identity(session, NEWCOMER.platform, NEWCOMER.external_id)


def _person(database: Database, key: str) -> tuple[str, bool, bool, list[Role]]:
    """name, active, self-registered and roles of the person with `key`."""
    with unit_of_work(database) as session:
        person = session.scalars(select(Person).where(Person.key == key)).one()
        roles = sorted(role.role for role in person.roles)
        return person.name, person.active, person.self_registered, roles


def _counts(database: Database) -> tuple[int, int]:
    """How many people and how many platform identities are stored."""
    with unit_of_work(database) as session:
        people = session.scalar(select(func.count()).select_from(Person))
        identities = session.scalar(select(func.count()).select_from(PlatformIdentity))
        return people or 0, identities or 0


def _with_person(spec: DirectorySpec, person: PersonSpec) -> DirectorySpec:
    return replace(spec, people=(*spec.people, person))


def _giving_account_to_alice(spec: DirectorySpec) -> DirectorySpec:
    def person(entry: PersonSpec) -> PersonSpec:
        return replace(entry, identities={"telegram": "42"}) if entry.key == "alice" else entry

    return replace(spec, people=tuple(person(entry) for entry in spec.people))


def test_a_newcomer_becomes_a_self_registered_employee_with_their_account(
    database: Database,
) -> None:
    key = _register(database)

    assert (key, _owner(database)) == ("tg-42", "tg-42")
    assert _person(database, "tg-42") == ("Ann Lee", True, True, [Role.EMPLOYEE])


def test_registering_again_finds_the_same_person_and_adds_nothing(database: Database) -> None:
    _register(database)
    before = _counts(database)

    again = _register(database, replace(NEWCOMER, name="Someone Else"))

    assert again == "tg-42"
    assert _counts(database) == before
    assert _person(database, "tg-42")[0] == "Ann Lee"


def test_concurrent_first_messages_add_one_person(database: Database) -> None:
    people_before, identities_before = _counts(database)
    started = threading.Event()

    def second() -> str | None:
        started.set()
        return _register(database)

    with ThreadPoolExecutor(max_workers=1) as pool:
        with unit_of_work(database) as session:
            first = register_employee(session, NEWCOMER)
            later = pool.submit(second)
            started.wait()
            # Long enough for the second to wait on this uncommitted one: on SQLite for the
            # write lock, on PostgreSQL on the unique key its insert collides with.
            time.sleep(0.5)
        assert later.result(timeout=30) == first == "tg-42"

    assert _counts(database) == (people_before + 1, identities_before + 1)


def test_a_resync_from_config_keeps_self_registered_people(
    database: Database, demo_config: Config
) -> None:
    _register(database)

    _sync(database, directory_spec(demo_config))

    assert _owner(database) == "tg-42"
    assert _person(database, "tg-42")[1:] == (True, True, [Role.EMPLOYEE])


def test_config_giving_the_account_to_someone_takes_it_over(
    database: Database, demo_config: Config
) -> None:
    _register(database)

    _sync(database, _giving_account_to_alice(directory_spec(demo_config)))

    assert _owner(database) == "alice"
    assert _person(database, "tg-42")[1:3] == (False, True)


def test_a_self_registered_person_returns_when_config_lets_their_account_go(
    database: Database, demo_config: Config
) -> None:
    demo = directory_spec(demo_config)
    _register(database)
    _sync(database, _giving_account_to_alice(demo))
    _sync(database, demo)

    assert _register(database) == "tg-42"
    assert _person(database, "tg-42")[1:] == (True, True, [Role.EMPLOYEE])


def test_config_naming_a_self_registered_key_makes_the_person_configs(
    database: Database, demo_config: Config
) -> None:
    _register(database)
    configured = PersonSpec(
        "tg-42", "Ann Lee-Smith", frozenset({Role.EMPLOYEE, Role.APPROVER}), {"telegram": "42"}
    )

    _sync(database, _with_person(directory_spec(demo_config), configured))

    assert _owner(database) == "tg-42"
    assert _person(database, "tg-42") == (
        "Ann Lee-Smith",
        True,
        False,
        [Role.APPROVER, Role.EMPLOYEE],
    )


def test_a_key_config_gave_someone_else_is_not_taken(
    database: Database, demo_config: Config
) -> None:
    configured = PersonSpec("tg-42", "Configured", frozenset({Role.RESPONDER}))
    _sync(database, _with_person(directory_spec(demo_config), configured))
    before = _counts(database)

    assert _register(database) is None
    assert _counts(database) == before
    assert _person(database, "tg-42") == ("Configured", True, False, [Role.RESPONDER])


def test_a_profile_name_is_cleaned_and_bounded() -> None:
    assert clean_name("  Ann\u202e \n\tLee\u200b ", "tg-42") == "Ann Lee"
    assert clean_name("\u202e\x00 ", "tg-42") == "tg-42"
    assert clean_name("A" * 300, "tg-42") == "A" * NAME_LIMIT
