"""Inbound de-duplication and persisted dialogs, on both dialects."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from storage.database import Database
from storage.models import DialogState, InboundDelivery
from tests.support.crossing import while_an_answer_holds
from workflows.deliveries import first_delivery, forget_delivery
from workflows.dialogs import (
    Dialog,
    DialogKey,
    end_dialog,
    load_dialog,
    save_dialog,
    take_dialog,
)
from workflows.errors import NotFound
from workflows.unit_of_work import unit_of_work

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ALICE_DM = DialogKey("alice", "testchat", "direct")
RAISING = Dialog(
    "raise",
    "title",
    {"type": "incident", "service": "vpn", "answers": {"impact": "high"}, "seen": [1, 2]},
)


def first(db: Database, platform: str, delivery_id: str) -> bool:
    with unit_of_work(db) as session:
        return first_delivery(session, platform, delivery_id, T0)


def forget(db: Database, platform: str, delivery_id: str) -> None:
    with unit_of_work(db) as session:
        forget_delivery(session, platform, delivery_id)


def stored_deliveries(db: Database) -> list[tuple[str, str]]:
    with unit_of_work(db) as session:
        rows = session.execute(
            select(InboundDelivery.platform, InboundDelivery.delivery_id).order_by(
                InboundDelivery.platform, InboundDelivery.delivery_id
            )
        ).all()
    return [(row[0], row[1]) for row in rows]


# -- inbound deliveries ---------------------------------------------------------------------


def test_a_delivery_is_first_once_then_a_duplicate(database: Database) -> None:

    answers = [
        first(database, "slack", "Ev1"),
        first(database, "slack", "Ev1"),
        first(database, "telegram", "Ev1"),  # the same id on another platform is another event
        first(database, "slack", "Ev2"),
    ]

    assert answers == [True, False, True, True]


def test_a_delivery_is_recorded_once_and_forgotten_per_platform(database: Database) -> None:
    for _ in range(3):
        first(database, "slack", "Ev1")
    first(database, "telegram", "Ev1")
    assert stored_deliveries(database) == [("slack", "Ev1"), ("telegram", "Ev1")]

    forget(database, "slack", "Ev1")
    forget(database, "slack", "never-seen")

    assert stored_deliveries(database) == [("telegram", "Ev1")]


def test_a_forgotten_delivery_can_be_taken_again(database: Database) -> None:
    first(database, "slack", "Ev1")
    first(database, "slack", "Ev2")

    forget(database, "slack", "Ev1")

    assert stored_deliveries(database) == [("slack", "Ev2")]
    assert [first(database, "slack", "Ev1"), first(database, "slack", "Ev1")] == [True, False]
    assert first(database, "slack", "Ev2") is False


# -- dialogs --------------------------------------------------------------------------------


def test_a_dialog_round_trips(database: Database) -> None:
    with unit_of_work(database) as session:
        assert load_dialog(session, ALICE_DM) is None
        save_dialog(session, ALICE_DM, RAISING, T0)

    with unit_of_work(database) as session:
        assert load_dialog(session, ALICE_DM) == RAISING


def test_saving_again_replaces_the_step_and_answers(database: Database) -> None:
    later = Dialog("raise", "confirm", {"type": "incident", "title": "VPN drops"})
    with unit_of_work(database) as session:
        save_dialog(session, ALICE_DM, RAISING, T0)
    with unit_of_work(database) as session:
        save_dialog(session, ALICE_DM, later, T0 + timedelta(minutes=1))

    with unit_of_work(database) as session:
        assert load_dialog(session, ALICE_DM) == later
        states = session.scalars(select(DialogState)).all()
    assert [(s.step, s.updated_at) for s in states] == [("confirm", T0 + timedelta(minutes=1))]


def test_dialogs_are_kept_per_person_platform_and_conversation(database: Database) -> None:
    others = [
        DialogKey("bob", "testchat", "direct"),
        DialogKey("alice", "slack", "direct"),
        DialogKey("alice", "testchat", "C0NETWORK"),
    ]
    with unit_of_work(database) as session:
        save_dialog(session, ALICE_DM, RAISING, T0)
        for n, key in enumerate(others):
            save_dialog(session, key, Dialog("reason", f"step-{n}", {}), T0)

    with unit_of_work(database) as session:
        assert load_dialog(session, ALICE_DM) == RAISING
        assert [load_dialog(session, key) for key in others] == [
            Dialog("reason", f"step-{n}", {}) for n in range(len(others))
        ]


def test_ending_a_dialog_forgets_it(database: Database) -> None:
    bobs = DialogKey("bob", "testchat", "direct")
    with unit_of_work(database) as session:
        save_dialog(session, ALICE_DM, RAISING, T0)
        save_dialog(session, bobs, RAISING, T0)

    with unit_of_work(database) as session:
        assert end_dialog(session, ALICE_DM) is True
    with unit_of_work(database) as session:
        assert load_dialog(session, ALICE_DM) is None
        assert end_dialog(session, ALICE_DM) is False
        assert load_dialog(session, bobs) == RAISING
        assert session.scalar(select(func.count()).select_from(DialogState)) == 1


def test_taking_a_dialog_hands_it_over_once(database: Database) -> None:
    bobs = DialogKey("bob", "testchat", "direct")
    with unit_of_work(database) as session:
        save_dialog(session, ALICE_DM, RAISING, T0)
        save_dialog(session, bobs, RAISING, T0)

    with unit_of_work(database) as session:
        assert take_dialog(session, ALICE_DM) == RAISING
    with unit_of_work(database) as session:
        assert take_dialog(session, ALICE_DM) is None
        assert load_dialog(session, bobs) == RAISING


def test_a_taken_dialog_saved_again_goes_on(database: Database) -> None:
    with unit_of_work(database) as session:
        save_dialog(session, ALICE_DM, RAISING, T0)
    with unit_of_work(database) as session:
        taken = take_dialog(session, ALICE_DM)
        assert taken is not None
        save_dialog(session, ALICE_DM, Dialog(taken.name, "confirm", taken.data), T0)

    with unit_of_work(database) as session:
        assert load_dialog(session, ALICE_DM) == Dialog("raise", "confirm", RAISING.data)


def test_a_taken_dialog_comes_back_when_the_unit_of_work_fails(database: Database) -> None:
    with unit_of_work(database) as session:
        save_dialog(session, ALICE_DM, RAISING, T0)

    with pytest.raises(NotFound), unit_of_work(database) as session:
        assert take_dialog(session, ALICE_DM) == RAISING
        raise NotFound("the ticket the answer was about is gone")

    with unit_of_work(database) as session:
        assert load_dialog(session, ALICE_DM) == RAISING


def test_a_dialog_of_someone_unknown_is_not_found(database: Database) -> None:
    stranger = DialogKey("mallory", "testchat", "direct")

    with pytest.raises(NotFound), unit_of_work(database) as session:
        save_dialog(session, stranger, RAISING, T0)


def test_a_dialog_survives_a_restart(database: Database, database_url: str) -> None:
    with unit_of_work(database) as session:
        save_dialog(session, ALICE_DM, RAISING, T0)
    database.dispose()

    restarted = Database.from_url(database_url)
    try:
        with unit_of_work(restarted) as session:
            resumed = load_dialog(session, ALICE_DM)
            updated_at = session.scalars(select(DialogState.updated_at)).one()
    finally:
        restarted.dispose()

    assert resumed == RAISING
    assert updated_at == T0


# -- two events at the same moment (PostgreSQL: SQLite's writers take turns) ----------------


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_cancel_that_crosses_an_answer_still_ends_the_dialog(database: Database) -> None:
    with unit_of_work(database) as session:
        save_dialog(session, ALICE_DM, RAISING, T0)

    def cancel() -> bool:
        with unit_of_work(database) as session:
            return end_dialog(session, ALICE_DM)

    ended = while_an_answer_holds(database, ALICE_DM, "description", T0, cancel)

    with unit_of_work(database) as session:
        assert (ended, load_dialog(session, ALICE_DM)) == (True, None)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_second_answer_finds_the_dialog_the_first_one_saved(database: Database) -> None:
    with unit_of_work(database) as session:
        save_dialog(session, ALICE_DM, RAISING, T0)

    def answer() -> tuple[Dialog | None, Dialog | None]:
        with unit_of_work(database) as session:
            return take_dialog(session, ALICE_DM), load_dialog(session, ALICE_DM)

    taken, seen = while_an_answer_holds(database, ALICE_DM, "description", T0, answer)

    assert taken is None  # it does not answer a question it was not an answer to
    assert seen == Dialog("raise", "description", RAISING.data)
