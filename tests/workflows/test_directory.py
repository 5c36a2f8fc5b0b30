"""Syncing the directory from config, again, as config changes."""

from dataclasses import replace

from bot.config import Config
from bot.directory import directory_spec
from storage.database import Database
from workflows.directory import DirectorySpec, PersonSpec, person_for_identity, sync_directory
from workflows.unit_of_work import unit_of_work


def _with_account(spec: DirectorySpec, key: str, account: str) -> DirectorySpec:
    def person(entry: PersonSpec) -> PersonSpec:
        return replace(entry, identities={"slack": account}) if entry.key == key else entry

    return replace(spec, people=tuple(person(entry) for entry in spec.people))


def _sync_and_find(database: Database, spec: DirectorySpec, account: str) -> str | None:
    with unit_of_work(database) as session:
        sync_directory(session, spec)
    with unit_of_work(database) as session:
        return person_for_identity(session, "slack", account)


def test_a_chat_account_can_move_to_another_person(database: Database, demo_config: Config) -> None:
    demo = directory_spec(demo_config)

    # alice is synced before bob, so the account is taken before bob's old one is replaced.
    before = _sync_and_find(database, _with_account(demo, "bob", "U0SHARED"), "U0SHARED")
    after = _sync_and_find(database, _with_account(demo, "alice", "U0SHARED"), "U0SHARED")

    assert (before, after) == ("bob", "alice")
