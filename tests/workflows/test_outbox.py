"""The outbox on both dialects: idempotent enqueue, reach, safe concurrent claims, retries."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from storage.database import Database
from storage.enums import AudienceKind, IntentKind, Level, OutboxStatus, TicketType
from storage.models import OutboxIntent, Person, PlatformIdentity
from workflows.audiences import person, team
from workflows.notifications import Notice, address_for, enqueue
from workflows.outbox import (
    CLAIM_LEASE,
    MAX_ATTEMPTS,
    RENEW_AFTER,
    backoff,
    claim_due,
    mark_delivered,
    mark_failed,
    needs_renewal,
)
from workflows.settings import DeskSettings, PlatformReach
from workflows.tickets import NewTicket, raise_ticket
from workflows.unit_of_work import unit_of_work

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
SLACK = PlatformReach("slack")
TELEGRAM = PlatformReach("telegram")
MATRIX = PlatformReach("matrix")
EVERYWHERE = PlatformReach("testchat", reaches_everyone=True)
CARD = Notice(IntentKind.CARD, team("network"), {"event": "card"})
DM_ALICE = Notice(IntentKind.DIRECT_MESSAGE, person("alice"), {"event": "raised"})

Row = tuple[IntentKind, str, AudienceKind, str]


def make_ticket(db: Database) -> int:
    """A ticket with no intents of its own (the desk delivers on no platform)."""
    new = NewTicket(TicketType.INCIDENT, "vpn", "VPN drops", "", Level.HIGH, Level.MEDIUM)
    with unit_of_work(db) as session:
        return raise_ticket(session, DeskSettings(platforms=()), "alice", new, T0).id


def enqueue_notices(
    db: Database, settings: DeskSettings, ticket_id: int, cause: str, notices: list[Notice]
) -> int:
    with unit_of_work(db) as session:
        return enqueue(session, settings, ticket_id=ticket_id, cause=cause, notices=notices, now=T0)


def stored_rows(db: Database) -> list[Row]:
    with unit_of_work(db) as session:
        rows = session.execute(
            select(
                OutboxIntent.kind,
                OutboxIntent.platform,
                OutboxIntent.audience_kind,
                OutboxIntent.audience_key,
            ).order_by(OutboxIntent.id)
        ).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def add_pending(db: Database, count: int, platform: str = "testchat") -> list[int]:
    """`count` pending intents due at T0, with no ticket; their ids."""
    with unit_of_work(db) as session:
        intents = [
            OutboxIntent(
                idempotency_key=f"load-{platform}-{n}",
                ticket_id=None,
                kind=IntentKind.DIRECT_MESSAGE,
                platform=platform,
                audience_kind=AudienceKind.PERSON,
                audience_key="alice",
                payload={"n": n},
                status=OutboxStatus.PENDING,
                attempts=0,
                next_attempt_at=T0,
                created_at=T0,
            )
            for n in range(count)
        ]
        session.add_all(intents)
        session.flush()
        return [intent.id for intent in intents]


def claim(db: Database, now: datetime, limit: int = 100) -> list[int]:
    with unit_of_work(db) as session:
        return [intent.id for intent in claim_due(session, now, limit)]


def fail(
    db: Database,
    intent_id: int,
    now: datetime,
    retry_after: float | None = None,
    *,
    permanent: bool = False,
    claimed_at: datetime | None = None,
) -> OutboxStatus:
    """Report a failure under the claim made at `claimed_at` (default: claimed at `now`)."""
    claim_time = now if claimed_at is None else claimed_at
    with unit_of_work(db) as session:
        return mark_failed(
            session, intent_id, claim_time, now, "HTTP 500", retry_after, permanent=permanent
        )


def intent(db: Database, intent_id: int) -> OutboxIntent:
    with unit_of_work(db) as session:
        return session.get_one(OutboxIntent, intent_id)


# -- enqueue --------------------------------------------------------------------------------


def test_the_same_notice_for_the_same_cause_is_stored_once(database: Database) -> None:
    settings = DeskSettings(platforms=(EVERYWHERE,))
    ticket_id = make_ticket(database)

    enqueue_notices(database, settings, ticket_id, "audit-1", [CARD, DM_ALICE])
    enqueue_notices(database, settings, ticket_id, "audit-1", [CARD, DM_ALICE])
    enqueue_notices(database, settings, ticket_id, "audit-2", [CARD])

    assert stored_rows(database) == [
        (IntentKind.CARD, "testchat", AudienceKind.TEAM, "network"),
        (IntentKind.DIRECT_MESSAGE, "testchat", AudienceKind.PERSON, "alice"),
        (IntentKind.CARD, "testchat", AudienceKind.TEAM, "network"),
    ]


def test_enqueue_counts_only_the_intents_it_wrote(database: Database) -> None:
    settings = DeskSettings(platforms=(EVERYWHERE,))
    ticket_id = make_ticket(database)

    first = enqueue_notices(database, settings, ticket_id, "audit-1", [CARD, DM_ALICE])
    again = enqueue_notices(database, settings, ticket_id, "audit-1", [CARD, DM_ALICE])
    other_cause = enqueue_notices(database, settings, ticket_id, "audit-2", [CARD])
    partly_new = enqueue_notices(database, settings, ticket_id, "audit-2", [CARD, DM_ALICE])

    assert (first, again, other_cause, partly_new) == (2, 0, 1, 1)


def test_replicas_enqueueing_the_same_cause_at_once_store_it_once(
    database: Database, database_url: str
) -> None:
    settings = DeskSettings(platforms=(EVERYWHERE, SLACK))
    ticket_id = make_ticket(database)
    replicas = [Database.from_url(database_url) for _ in range(4)]
    start = threading.Barrier(len(replicas), timeout=10)

    def sweep(replica: Database) -> None:
        start.wait()
        enqueue_notices(replica, settings, ticket_id, "sla-warning-7", [CARD, DM_ALICE])

    try:
        with ThreadPoolExecutor(len(replicas)) as pool:
            list(pool.map(sweep, replicas))
        enqueue_notices(replicas[0], settings, ticket_id, "sla-warning-7", [CARD])
    finally:
        for replica in replicas:
            replica.dispose()

    # testchat reaches the team and alice; slack only the team's channel.
    assert Counter(stored_rows(database)) == Counter(
        {
            (IntentKind.CARD, "testchat", AudienceKind.TEAM, "network"): 1,
            (IntentKind.CARD, "slack", AudienceKind.TEAM, "network"): 1,
            (IntentKind.DIRECT_MESSAGE, "testchat", AudienceKind.PERSON, "alice"): 1,
        }
    )


def test_intents_go_only_to_platforms_that_reach_the_audience(database: Database) -> None:
    settings = DeskSettings(platforms=(SLACK, TELEGRAM, MATRIX, EVERYWHERE))
    ticket_id = make_ticket(database)

    enqueue_notices(database, settings, ticket_id, "audit-1", [CARD, DM_ALICE])

    # The demo config gives teams slack and telegram channels, and people no chat ids.
    assert stored_rows(database) == [
        (IntentKind.CARD, "slack", AudienceKind.TEAM, "network"),
        (IntentKind.CARD, "telegram", AudienceKind.TEAM, "network"),
        (IntentKind.CARD, "testchat", AudienceKind.TEAM, "network"),
        (IntentKind.DIRECT_MESSAGE, "testchat", AudienceKind.PERSON, "alice"),
    ]


def test_a_person_with_a_platform_identity_is_reached_there(database: Database) -> None:
    settings = DeskSettings(platforms=(SLACK, TELEGRAM))
    ticket_id = make_ticket(database)
    with unit_of_work(database) as session:
        alice = session.scalars(select(Person).where(Person.key == "alice")).one()
        session.add(PlatformIdentity(person_id=alice.id, platform="slack", external_id="U0ALICE"))

    enqueue_notices(database, settings, ticket_id, "audit-1", [DM_ALICE])

    assert stored_rows(database) == [
        (IntentKind.DIRECT_MESSAGE, "slack", AudienceKind.PERSON, "alice")
    ]
    with unit_of_work(database) as session:
        addresses = {
            (reach.name, audience.key): address_for(session, reach, audience)
            for reach in (SLACK, TELEGRAM, MATRIX, EVERYWHERE)
            for audience in (team("network"), person("alice"))
        }
    assert addresses == {
        ("slack", "network"): "C0NETWORK",
        ("slack", "alice"): "U0ALICE",
        ("telegram", "network"): "-1001000000001",
        ("telegram", "alice"): None,
        ("matrix", "network"): None,
        ("matrix", "alice"): None,
        ("testchat", "network"): "network",
        ("testchat", "alice"): "alice",
    }


# -- claiming -------------------------------------------------------------------------------


def test_concurrent_claimers_never_share_an_intent(database: Database, database_url: str) -> None:
    intent_ids = add_pending(database, 200)
    replicas = [Database.from_url(database_url) for _ in range(4)]
    start = threading.Barrier(len(replicas), timeout=10)
    all_in = threading.Barrier(len(replicas), timeout=10)

    def claim_until_empty(replica: Database) -> list[int]:
        start.wait()
        claimed = claim(replica, T0, limit=5)
        # Everyone holds a first batch before anyone goes on, so no claimer finishes the
        # queue alone before the others start; then they race freely.
        all_in.wait()
        while batch := claim(replica, T0, limit=5):
            claimed.extend(batch)
        return claimed

    try:
        with ThreadPoolExecutor(len(replicas)) as pool:
            per_claimer = list(pool.map(claim_until_empty, replicas))
    finally:
        for replica in replicas:
            replica.dispose()

    times_claimed = Counter(i for claimed in per_claimer for i in claimed)
    assert sorted(times_claimed) == intent_ids
    assert set(times_claimed.values()) == {1}
    assert all(per_claimer), "a claimer got nothing"
    with unit_of_work(database) as session:
        states = session.execute(
            select(OutboxIntent.status, OutboxIntent.attempts, func.count()).group_by(
                OutboxIntent.status, OutboxIntent.attempts
            )
        ).all()
    assert [tuple(row) for row in states] == [(OutboxStatus.SENDING, 1, 200)]


def test_claims_take_due_intents_oldest_first_up_to_the_limit(database: Database) -> None:
    intent_ids = add_pending(database, 5)

    assert claim(database, T0 - SECOND) == []
    assert claim(database, T0, limit=2) == intent_ids[:2]
    assert claim(database, T0, limit=2) == intent_ids[2:4]
    assert claim(database, T0, limit=2) == intent_ids[4:]
    assert claim(database, T0) == []


def test_a_claimer_for_some_platforms_leaves_the_others(database: Database) -> None:
    slack_ids = add_pending(database, 2, "slack")
    telegram_ids = add_pending(database, 2, "telegram")

    with unit_of_work(database) as session:
        claimed = [i.id for i in claim_due(session, T0, platforms=("telegram",))]

    assert claimed == telegram_ids
    assert claim(database, T0) == slack_ids


def test_an_expired_claim_is_claimable_again_and_a_fresh_one_is_not(database: Database) -> None:
    [intent_id] = add_pending(database, 1)
    assert claim(database, T0) == [intent_id]

    assert claim(database, T0 + timedelta(seconds=30)) == []
    assert claim(database, T0 + CLAIM_LEASE) == []
    assert claim(database, T0 + CLAIM_LEASE + SECOND) == [intent_id]
    assert intent(database, intent_id).attempts == 2
    # The new claim holds its own lease, counted from when it was taken.
    assert claim(database, T0 + CLAIM_LEASE + 2 * SECOND) == []


def test_a_claim_is_renewed_before_a_send_once_half_its_lease_has_gone(
    database: Database,
) -> None:
    [intent_id] = add_pending(database, 1)
    assert claim(database, T0) == [intent_id]

    # Until then no one else can have taken it, so it is sent without renewing.
    assert not needs_renewal(T0, T0 + RENEW_AFTER - SECOND)
    assert claim(database, T0 + RENEW_AFTER) == []
    assert needs_renewal(T0, T0 + RENEW_AFTER)
    assert RENEW_AFTER < CLAIM_LEASE


def test_a_delivered_intent_is_never_claimed_again(database: Database) -> None:
    [intent_id] = add_pending(database, 1)
    claim(database, T0)
    with unit_of_work(database) as session:
        mark_delivered(session, intent_id, T0 + SECOND)

    assert claim(database, T0 + timedelta(days=1)) == []
    delivered = intent(database, intent_id)
    assert (delivered.status, delivered.delivered_at) == (OutboxStatus.DELIVERED, T0 + SECOND)


def test_a_late_failure_from_an_expired_claim_does_not_undo_a_delivery(
    database: Database,
) -> None:
    [intent_id] = add_pending(database, 1)
    slow, fast = T0, T0 + CLAIM_LEASE + SECOND
    assert claim(database, slow) == [intent_id]  # the first dispatcher stalls
    assert claim(database, fast) == [intent_id]  # its lease ran out; another takes over
    with unit_of_work(database) as session:
        mark_delivered(session, intent_id, fast)

    # The stalled one finally gives up, under its old claim.
    assert fail(database, intent_id, fast + SECOND, claimed_at=slow) == OutboxStatus.DELIVERED

    assert intent(database, intent_id).status == OutboxStatus.DELIVERED
    assert claim(database, fast + timedelta(hours=1)) == []


# -- failures -------------------------------------------------------------------------------

# seconds, after attempt 1, 2, …: doubling from 2 s to the 10-minute cap, then the cap
EXPECTED_DELAYS = [2, 4, 8, 16, 32, 64, 128, 256, 512] + [600] * (MAX_ATTEMPTS - 10)


def test_failures_back_off_then_go_dead_after_max_attempts(database: Database) -> None:
    assert len(EXPECTED_DELAYS) == MAX_ATTEMPTS - 1
    [intent_id] = add_pending(database, 1)
    now = T0
    for attempt, delay in enumerate(EXPECTED_DELAYS, start=1):
        assert claim(database, now) == [intent_id], f"attempt {attempt}"
        assert fail(database, intent_id, now) == OutboxStatus.PENDING
        retry_at = now + timedelta(seconds=delay)
        assert intent(database, intent_id).next_attempt_at == retry_at
        assert claim(database, retry_at - SECOND) == [], f"early retry after attempt {attempt}"
        now = retry_at

    assert claim(database, now) == [intent_id]
    assert fail(database, intent_id, now) == OutboxStatus.DEAD
    dead = intent(database, intent_id)
    assert (dead.status, dead.attempts, dead.last_error) == (
        OutboxStatus.DEAD,
        MAX_ATTEMPTS,
        "HTTP 500",
    )
    assert claim(database, now + timedelta(days=30)) == []


def test_a_longer_retry_after_wins_over_the_backoff(database: Database) -> None:
    [intent_id] = add_pending(database, 1)
    claim(database, T0)

    assert fail(database, intent_id, T0, retry_after=30) == OutboxStatus.PENDING

    assert intent(database, intent_id).next_attempt_at == T0 + timedelta(seconds=30)
    assert claim(database, T0 + timedelta(seconds=29)) == []
    assert claim(database, T0 + timedelta(seconds=30)) == [intent_id]


def test_a_shorter_retry_after_does_not_shorten_the_backoff(database: Database) -> None:
    [intent_id] = add_pending(database, 1)
    now = T0
    for _ in range(3):
        claim(database, now)
        fail(database, intent_id, now, retry_after=1)
        now = intent(database, intent_id).next_attempt_at

    # Attempt 3 failed at T0 + 2s + 4s; the next waits 8s despite Retry-After 1.
    assert now == T0 + timedelta(seconds=2 + 4 + 8)


def test_a_permanent_failure_goes_dead_at_once(database: Database) -> None:
    [intent_id] = add_pending(database, 1)
    claim(database, T0)

    assert fail(database, intent_id, T0, permanent=True) == OutboxStatus.DEAD

    assert claim(database, T0 + timedelta(days=1)) == []
    assert intent(database, intent_id).attempts == 1


@pytest.mark.parametrize(
    ("attempts", "retry_after", "seconds"),
    [
        (0, None, 2),
        (1, None, 2),
        (2, None, 4),
        (3, None, 8),
        (4, None, 16),
        (9, None, 512),
        (10, None, 600),
        (11, None, 600),
        (1_000, None, 600),
        (1, 30, 30),
        (5, 3, 32),
        (10, 3600, 3600),
        (2, 4.5, 4.5),
    ],
)
def test_backoff(attempts: int, retry_after: float | None, seconds: float) -> None:
    assert backoff(attempts, retry_after) == timedelta(seconds=seconds)
