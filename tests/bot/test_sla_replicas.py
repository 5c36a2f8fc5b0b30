"""Three replicas on one PostgreSQL database: a storm of SLA notices, each delivered once.

Each replica has its own Database (engine and pool), its own Desk from build_desk and its own
RecordingSender, and runs its sweeper and dispatcher in its own thread and event loop, all
three started together. They share one ManualClock: nothing is due until it moves to the
storm's moment, and then every incident's notices are due at once.

A Delivery carries no idempotency key, so a delivery is named by what it says: ticket, kind,
addressee and text (a card's text left out: one card per breached ticket in this storm). In
this storm that name is one-to-one with the intents' keys, which the tests check against
the outbox as well.
"""

import asyncio
import itertools
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url

from bot.app import Desk, build_desk
from bot.config import Config
from bot.directory import directory_spec
from bot.platforms.base import DeliveryFailed
from storage.database import Database
from storage.enums import OutboxStatus
from storage.models import OutboxIntent
from tests.support.chat import PLATFORM, Chat, RecordingSender
from tests.support.clock import ManualClock
from tests.support.postgres import postgres_available
from tests.support.sla_worker import delivery_record
from workflows.dialogs import DialogKey, load_dialog, save_dialog
from workflows.directory import sync_directory
from workflows.unit_of_work import unit_of_work

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not postgres_available(), reason="PostgreSQL binaries are not installed"),
]

MIGRATED = "deskbot_template"  # the migrated, empty database tests/conftest.py creates
REPLICAS = 3
PER_GROUP = 25
REFUSED = 60
Record = tuple[str, str, str, str]
_names = itertools.count(1)


def utc(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Group:
    """Incidents raised alike: the impact and urgency answered, and whom bob assigns them to."""

    impact: str
    urgency: str
    assignee: str | None = None


# The storm. Every incident is a VPN incident raised at RAISED (Monday 10:00 in Berlin), on the
# `standard` SLA policy (P1: 15 min to respond, around the clock; P2: 30 min and P3: 4 h, in
# business hours) and the network-oncall escalation policy (level 1 after 15 min or on a
# response breach: the team, whose thread is told anyway). Nobody acknowledges. Until the clock
# moves nothing is due; at STORM, 28 minutes later, each incident of a group owes:
#   P1:                   response breached (note + card), level 1 (note)            -> 3
#   P2, assigned to dave: 90 % of response used (note + DM to dave), level 1 (note)  -> 3
#   P2:                   90 % of response used (note), level 1 (note)               -> 2
#   P3:                   level 1 (note)                                              -> 1
# Only the highest threshold a clock passed is announced (workflows/sla_sweep.py), so the
# 75 % warnings are skipped. 25 x (3 + 3 + 2 + 1) = 225 intents from 100 incidents, all due at
# once. PER_GROUP = 50 (200 incidents, 450 intents) passes too, in twice the time.
GROUPS = {
    "P1": Group("High", "High"),
    "P2, assigned to dave": Group("High", "Medium", assignee="dave"),
    "P2": Group("High", "Medium"),
    "P3": Group("Medium", "Medium"),
}
RAISED = utc(9, 0)
STORM = utc(9, 28)
EXPECTED_INTENTS = PER_GROUP * (3 + 3 + 2 + 1)


def owed(reference: str, group: str) -> list[Record]:
    """What an incident of `group` is owed at STORM, as delivery records."""
    breached = f"{reference} breached its response target (due 2026-11-23 09:15 UTC)."
    warned = f"{reference} has used 90 % of its response time (due 2026-11-23 09:30 UTC)."
    escalated = f"{reference} was escalated to level 1 (response target breached)."
    unanswered = f"{reference} was escalated to level 1 (not acknowledged)."

    def note(line: str) -> Record:
        return (reference, "thread_note", "network", line)

    return {
        "P1": [note(breached), (reference, "card", "network", ""), note(escalated)],
        "P2, assigned to dave": [
            note(warned),
            (reference, "direct_message", "dave", warned),
            note(unanswered),
        ],
        "P2": [note(warned), note(unanswered)],
        "P3": [note(unanswered)],
    }[group]


@dataclass(frozen=True)
class Seeded:
    """A database holding the raised incidents, to be cloned per test, and their groups."""

    server_url: str
    name: str
    groups: dict[str, str]


def _url(server_url: str, database: str) -> str:
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


def _clone(server_url: str, template: str) -> str:
    """A new database copied from `template` (which nobody may be connected to); its name."""
    name = f"deskbot_replicas_{next(_names)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    admin.dispose()
    return name


ANSWERS = ("Incident", "VPN", "VPN drops every hour", "It disconnects on the hour")


def raise_group(chat: Chat, name: str, group: Group) -> list[str]:
    """Raise PER_GROUP incidents of `group` through the router; their references.

    One raise dialog is walked for real up to its confirm step; its saved state is copied to
    a conversation per incident, and each incident is raised by its own confirming event.
    """
    keys = [DialogKey("alice", PLATFORM, f"{name}-{n}") for n in range(PER_GROUP)]
    chat.command("alice", "new", conversation=keys[0].conversation)
    for answer in (*ANSWERS, group.impact, group.urgency):
        chat.say("alice", answer, conversation=keys[0].conversation)
    with unit_of_work(chat.desk.db) as session:
        at_confirm = load_dialog(session, keys[0])
        assert at_confirm is not None and at_confirm.step == "confirm"
        for key in keys[1:]:
            save_dialog(session, key, at_confirm, RAISED)
    references = []
    for key in keys:
        reference = chat.say("alice", "Raise it", conversation=key.conversation)[0].ticket
        assert reference is not None
        references.append(reference)
        if group.assignee is not None:
            assigned = chat.command("bob", "assign", f"{reference} {group.assignee}")
            assert assigned[0].text.startswith(f"{reference} is now assigned to")
    return references


@pytest.fixture(scope="module")
def seeded(postgres_server: str, demo_config: Config) -> Seeded:
    """The storm's incidents, raised through the router at RAISED.

    What raising them queued (cards, confirmations) is marked delivered rather than delivered:
    it is not this test's subject, and delivering it would double the tests' time.
    """
    name = _clone(postgres_server, MIGRATED)
    db = Database.from_url(_url(postgres_server, name))
    try:
        with unit_of_work(db) as session:
            sync_directory(session, directory_spec(demo_config))
        sender = RecordingSender()
        chat = Chat(build_desk(demo_config, db, [sender], ManualClock(RAISED)), sender)
        groups = {
            reference: group_name
            for group_name, group in GROUPS.items()
            for reference in raise_group(chat, group_name, group)
        }
        with unit_of_work(db) as session:
            session.execute(
                update(OutboxIntent).values(status=OutboxStatus.DELIVERED, delivered_at=RAISED)
            )
    finally:
        db.dispose()
    return Seeded(postgres_server, name, groups)


@pytest.fixture
def storm_url(seeded: Seeded) -> str:
    """A fresh copy of the seeded database for one test."""
    return _url(seeded.server_url, _clone(seeded.server_url, seeded.name))


@dataclass(frozen=True)
class Replica:
    """One replica: its desk (own Database) and the recorder standing in for the platform."""

    desk: Desk
    sender: RecordingSender


@pytest.fixture
def clock() -> ManualClock:
    """The clock all three replicas share, standing where the incidents were raised."""
    return ManualClock(RAISED)


def storm_breaks(replicas: list[Replica], clock: ManualClock) -> None:
    """Nothing is due until the clock moves to STORM; then everything is, at once."""
    run_together(replicas)
    assert delivered(replicas) == Counter()
    clock.advance(STORM - clock.now())


@pytest.fixture
def replicas(storm_url: str, demo_config: Config, clock: ManualClock) -> Iterator[list[Replica]]:
    """Three replicas, each on its own Database (engine and pool), all on `clock`."""
    replicas = []
    for _ in range(REPLICAS):
        sender = RecordingSender()
        desk = build_desk(demo_config, Database.from_url(storm_url), [sender], clock)
        replicas.append(Replica(desk, sender))
    yield replicas
    for replica in replicas:
        replica.desk.db.dispose()


async def work_until_idle(desk: Desk) -> None:
    """Sweep and dispatch until a round finds nothing to do.

    A replica stops when it finds nothing while the others may still be busy; the last one to
    stop finds nothing with nobody else working, so everything due by now was done.
    """
    while True:
        swept = await desk.sweeper.run_once()
        attempted = await desk.dispatcher.run_once()
        if swept == 0 and attempted == 0:
            return


def run_together(replicas: list[Replica]) -> None:
    """Run every replica in its own thread and event loop, started at the same moment."""
    start = threading.Barrier(len(replicas))
    errors: list[BaseException] = []

    def replica(desk: Desk) -> None:
        start.wait()
        try:
            asyncio.run(work_until_idle(desk))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=replica, args=(r.desk,)) for r in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def delivered(replicas: list[Replica]) -> Counter[Record]:
    """Every delivery the three recorders took, counted by what it is."""
    records = (delivery_record(d) for replica in replicas for d in replica.sender.deliveries)
    return Counter((r["ticket"], r["kind"], r["address"], r["text"]) for r in records)


def expected(seeded: Seeded) -> Counter[Record]:
    """Every notice the storm owes, once."""
    return Counter(record for ref, group in seeded.groups.items() for record in owed(ref, group))


def storm_outbox(db: Database) -> dict[str, int]:
    """The storm's intents by status and their attempts; how many keys the outbox holds twice."""
    storm = OutboxIntent.created_at == STORM
    with unit_of_work(db) as session:
        by_status = session.execute(
            select(OutboxIntent.status, func.count()).where(storm).group_by(OutboxIntent.status)
        ).all()
        attempts = session.scalar(select(func.sum(OutboxIntent.attempts)).where(storm))
        twice = session.scalar(
            select(func.count()).select_from(
                select(OutboxIntent.idempotency_key)
                .group_by(OutboxIntent.idempotency_key)
                .having(func.count() > 1)
                .subquery()
            )
        )
    return {
        **{str(status): count for status, count in by_status},
        "attempts": attempts or 0,
        "keys held twice": twice or 0,
    }


def test_three_replicas_deliver_every_notice_of_a_storm_exactly_once(
    replicas: list[Replica], seeded: Seeded, clock: ManualClock
) -> None:
    owed_once = expected(seeded)
    assert sum(owed_once.values()) == EXPECTED_INTENTS

    storm_breaks(replicas, clock)
    run_together(replicas)

    assert delivered(replicas) == owed_once
    assert storm_outbox(replicas[0].desk.db) == {
        OutboxStatus.DELIVERED: EXPECTED_INTENTS,
        "attempts": EXPECTED_INTENTS,
        "keys held twice": 0,
    }


def test_rate_limits_and_server_errors_during_a_storm_lose_and_repeat_nothing(
    replicas: list[Replica], seeded: Seeded, clock: ManualClock
) -> None:
    # One bot account behind all three replicas: the platform answers the first 60 sends,
    # whichever replica makes them, with 429 Retry-After 30 s or a 500.
    refusals = [
        DeliveryFailed("429 Too Many Requests", retry_after=30.0)
        if index % 2
        else DeliveryFailed("500 Internal Server Error")
        for index in range(REFUSED)
    ]
    for replica in replicas:
        replica.sender.failures = refusals  # one list, shared

    storm_breaks(replicas, clock)
    run_together(replicas)

    assert refusals == []
    held_back = storm_outbox(replicas[0].desk.db)[OutboxStatus.PENDING]
    assert held_back >= REFUSED  # each refused intent, and the intents queued behind it
    assert sum(delivered(replicas).values()) == EXPECTED_INTENTS - held_back

    clock.advance(timedelta(seconds=31))  # past 30 s and the 2 s backoff
    run_together(replicas)

    assert delivered(replicas) == expected(seeded)
    outbox = storm_outbox(replicas[0].desk.db)
    assert outbox[OutboxStatus.DELIVERED] == EXPECTED_INTENTS
    assert outbox["keys held twice"] == 0
    # One more attempt per refusal (two replicas can race for the shared list's last entry;
    # the loser's IndexError is one more refused send, so count at least).
    assert outbox["attempts"] >= EXPECTED_INTENTS + REFUSED
    assert set(outbox) == {OutboxStatus.DELIVERED, "attempts", "keys held twice"}
