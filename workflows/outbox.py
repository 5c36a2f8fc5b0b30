"""The delivery side of the outbox: claim due intents, then record how delivery went.

Claiming is safe with several dispatchers on one database: PostgreSQL skips rows another
dispatcher has locked, and on every dialect a conditional UPDATE claims a row only if it is
still claimable, so each intent is handed to one dispatcher at a time. A dispatcher renews
its claim just before each send and skips an intent whose claim it lost; one that dies
mid-delivery leaves its claim to expire after a lease. A delivered intent is never sent
again, and a failure reported under an expired claim changes nothing.

Intents of one ticket for one audience on one platform go out in order: an intent waits while
an earlier one of its queue is pending or being sent, so a thread note never overtakes the
card it belongs under.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from storage.enums import AudienceKind, IntentKind, OutboxStatus
from storage.models import OutboxIntent

CLAIM_LEASE = timedelta(minutes=2)
BASE_BACKOFF = timedelta(seconds=2)
MAX_BACKOFF = timedelta(minutes=10)
# About five hours of retries at the ten-minute cap: a chat platform down for an afternoon
# loses nothing (the watchdog reports such intents as overdue long before).
MAX_ATTEMPTS = 40


@dataclass(frozen=True)
class IntentView:
    """A claimed intent, ready to deliver."""

    id: int
    ticket_id: int | None
    kind: IntentKind
    platform: str
    audience_kind: AudienceKind
    audience_key: str
    payload: dict[str, Any]
    attempts: int
    claimed_at: datetime


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """How long to wait before the next attempt; a platform's Retry-After wins when longer."""
    exponential = min(BASE_BACKOFF * (1 << min(max(attempts - 1, 0), 20)), MAX_BACKOFF)
    if retry_after is None:
        return exponential
    return max(exponential, timedelta(seconds=retry_after))


_UNFINISHED = (OutboxStatus.PENDING, OutboxStatus.SENDING)


def _claimable(now: datetime) -> Any:
    earlier = aliased(OutboxIntent)
    waits_its_turn = exists().where(
        earlier.ticket_id == OutboxIntent.ticket_id,
        earlier.platform == OutboxIntent.platform,
        earlier.audience_kind == OutboxIntent.audience_kind,
        earlier.audience_key == OutboxIntent.audience_key,
        earlier.id < OutboxIntent.id,
        earlier.status.in_(_UNFINISHED),
    )
    due = or_(
        and_(OutboxIntent.status == OutboxStatus.PENDING, OutboxIntent.next_attempt_at <= now),
        and_(
            OutboxIntent.status == OutboxStatus.SENDING,
            OutboxIntent.claimed_at < now - CLAIM_LEASE,
        ),
    )
    return and_(due, ~waits_its_turn)


def claim_due(
    session: Session, now: datetime, limit: int = 100, platforms: tuple[str, ...] | None = None
) -> list[IntentView]:
    """Claim up to `limit` due intents, oldest first, for this dispatcher alone."""
    query = select(OutboxIntent.id).where(_claimable(now)).order_by(OutboxIntent.id).limit(limit)
    if platforms is not None:
        query = query.where(OutboxIntent.platform.in_(platforms))
    candidates = session.scalars(query.with_for_update(skip_locked=True)).all()
    claimed: list[IntentView] = []
    for intent_id in candidates:
        result = session.execute(
            update(OutboxIntent)
            .where(OutboxIntent.id == intent_id, _claimable(now))
            .values(status=OutboxStatus.SENDING, claimed_at=now, attempts=OutboxIntent.attempts + 1)
        )
        assert isinstance(result, CursorResult)
        if result.rowcount == 1:
            claimed.append(_view(session, intent_id, now))
    return claimed


def _view(session: Session, intent_id: int, now: datetime) -> IntentView:
    row = session.get_one(OutboxIntent, intent_id, populate_existing=True)
    return IntentView(
        id=row.id,
        ticket_id=row.ticket_id,
        kind=row.kind,
        platform=row.platform,
        audience_kind=row.audience_kind,
        audience_key=row.audience_key,
        payload=dict(row.payload),
        attempts=row.attempts,
        claimed_at=now,
    )


def renew_claim(session: Session, intent_id: int, claimed_at: datetime, now: datetime) -> bool:
    """Extend this dispatcher's claim just before sending; False if the claim was lost (its
    lease ran out and another dispatcher took the intent), and then it must not be sent."""
    result = session.execute(
        update(OutboxIntent)
        .where(
            OutboxIntent.id == intent_id,
            OutboxIntent.status == OutboxStatus.SENDING,
            OutboxIntent.claimed_at == claimed_at,
        )
        .values(claimed_at=now)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def mark_delivered(session: Session, intent_id: int, now: datetime) -> None:
    """Record a successful delivery; the intent is never sent again."""
    session.execute(
        update(OutboxIntent)
        .where(OutboxIntent.id == intent_id)
        .values(status=OutboxStatus.DELIVERED, delivered_at=now, last_error=None)
    )


def mark_failed(
    session: Session,
    intent_id: int,
    claimed_at: datetime,
    now: datetime,
    error: str,
    retry_after: float | None = None,
    *,
    permanent: bool = False,
) -> OutboxStatus:
    """Record a failed attempt under the claim made at `claimed_at`: retry later with backoff,
    or give up (permanent, or too many attempts). A claim that expired changes nothing."""
    intent = session.get_one(OutboxIntent, intent_id, populate_existing=True)
    if intent.status != OutboxStatus.SENDING or intent.claimed_at != claimed_at:
        return intent.status
    gave_up = permanent or intent.attempts >= MAX_ATTEMPTS
    intent.status = OutboxStatus.DEAD if gave_up else OutboxStatus.PENDING
    intent.next_attempt_at = now + backoff(intent.attempts, retry_after)
    intent.last_error = error[:2000]
    return intent.status
