"""Identities: Telegram users to people, with those found kept and strangers asked anew."""

from sqlalchemy import delete

from bot.platforms.telegram.identity import Identities
from storage.database import Database
from storage.models import PlatformIdentity
from workflows.unit_of_work import unit_of_work


def test_a_stranger_who_registers_is_known_at_once(database: Database) -> None:
    identities = Identities(database)
    assert identities.person(555) is None
    assert identities.register(555, "Sam Stranger") == "tg-555"
    assert identities.person(555) == "tg-555"


def test_a_user_found_once_is_known_without_asking_the_database_again(
    database: Database,
) -> None:
    identities = Identities(database)
    identities.register(556, "Kim Newcomer")
    assert identities.person(556) == "tg-556"
    with unit_of_work(database) as session:  # only the start-up sync moves identities
        session.execute(delete(PlatformIdentity).where(PlatformIdentity.external_id == "556"))
    assert identities.person(556) == "tg-556"
    assert Identities(database).person(556) is None
