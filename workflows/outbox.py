"""The delivery side of the outbox: claim due intents, then record how delivery went.

Claiming is safe with several dispatchers on one database: PostgreSQL skips rows another
dispatcher has locked, and on every dialect a conditional UPDATE claims a row only if it is
still claimable, so each intent is handed to one dispatcher at a time. Before each send a
dispatcher renews a claim that has used half its lease, and skips an intent whose claim it
lost; a younger claim cannot have been lost, and is sent without the write. One that dies
mid-delivery leaves its claim to expire after a lease. A delivered intent is never sent
again, and a failure reported under an expired claim changes nothing.

Intents of one ticket for one audience on one platform go out in order: an intent waits while
an earlier one of its queue is pending or being sent, so a thread note never overtakes the
card it belongs under.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Row,
    Table,
    and_,
    bindparam,
    exists,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from storage.enums import AudienceKind, IntentKind, OutboxStatus
from storage.models import OutboxIntent

CLAIM_LEASE = timedelta(minutes=2)
RENEW_AFTER = CLAIM_LEASE / 2  # a younger claim still leaves a minute for the send
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
_OUTBOX = cast(Table, OutboxIntent.__table__)
_VIEW_COLUMNS = (
    _OUTBOX.c.id,
    _OUTBOX.c.ticket_id,
    _OUTBOX.c.kind,
    _OUTBOX.c.platform,
    _OUTBOX.c.audience_kind,
    _OUTBOX.c.audience_key,
    _OUTBOX.c.payload,
    _OUTBOX.c.attempts,
)


def _claimable() -> ColumnElement[bool]:
    """Due now (`:now`), or claimed before `:stale_before` and never finished; and first in its
    queue. Built once: the statements below bind the moments."""
    earlier = _OUTBOX.alias("earlier")
    waits_its_turn = exists().where(
        earlier.c.ticket_id == _OUTBOX.c.ticket_id,
        earlier.c.platform == _OUTBOX.c.platform,
        earlier.c.audience_kind == _OUTBOX.c.audience_kind,
        earlier.c.audience_key == _OUTBOX.c.audience_key,
        earlier.c.id < _OUTBOX.c.id,
        earlier.c.status.in_(_UNFINISHED),
    )
    due = or_(
        and_(
            _OUTBOX.c.status == OutboxStatus.PENDING,
            _OUTBOX.c.next_attempt_at <= bindparam("now"),
        ),
        and_(
            _OUTBOX.c.status == OutboxStatus.SENDING,
            _OUTBOX.c.claimed_at < bindparam("stale_before"),
        ),
    )
    return and_(due, ~waits_its_turn)


_CLAIMABLE = _claimable()
_CANDIDATES = (
    select(_OUTBOX.c.id)
    .where(_CLAIMABLE)
    .order_by(_OUTBOX.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_CANDIDATES_ON = _CANDIDATES.where(_OUTBOX.c.platform.in_(bindparam("platforms", expanding=True)))
# The condition is checked again as the rows are claimed: another dispatcher may have claimed
# one since (SQLite has no SKIP LOCKED).
_CLAIM = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)), _CLAIMABLE)
    .values(
        status=OutboxStatus.SENDING,
        claimed_at=bindparam("claimed_now", type_=_OUTBOX.c.claimed_at.type),
        attempts=_OUTBOX.c.attempts + 1,
    )
    .returning(*_VIEW_COLUMNS)
)
_RENEW = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id == bindparam("intent_id"),
        _OUTBOX.c.status == OutboxStatus.SENDING,
        _OUTBOX.c.claimed_at == bindparam("claimed_at"),
    )
    .values(claimed_at=bindparam("renewed_at", type_=_OUTBOX.c.claimed_at.type))
)
_DELIVERED = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("intent_id"))
    .values(
        status=OutboxStatus.DELIVERED,
        delivered_at=bindparam("delivered_now", type_=_OUTBOX.c.delivered_at.type),
        last_error=None,
    )
)


def claim_due(
    session: Session, now: datetime, limit: int = 100, platforms: tuple[str, ...] | None = None
) -> list[IntentView]:
    """Claim up to `limit` due intents, oldest first, for this dispatcher alone."""
    moments = {"now": now, "stale_before": now - CLAIM_LEASE}
    if platforms is None:
        candidates = session.scalars(_CANDIDATES, {**moments, "limit": limit}).all()
    else:
        chosen = {**moments, "limit": limit, "platforms": list(platforms)}
        candidates = session.scalars(_CANDIDATES_ON, chosen).all()
    if not candidates:
        return []
    rows = session.execute(_CLAIM, {**moments, "ids": list(candidates), "claimed_now": now})
    claimed = [_view(row, now) for row in rows]
    return sorted(claimed, key=lambda intent: intent.id)


def _view(row: Row[Any], now: datetime) -> IntentView:
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


def needs_renewal(claimed_at: datetime, now: datetime) -> bool:
    """Whether a claim must be renewed before a send: once half its lease has gone. Another
    dispatcher takes an intent only when the whole lease has, so a younger claim is still
    this dispatcher's."""
    return now - claimed_at >= RENEW_AFTER


def renew_claim(session: Session, intent_id: int, claimed_at: datetime, now: datetime) -> bool:
    """Extend this dispatcher's claim just before sending; False if the claim was lost (its
    lease ran out and another dispatcher took the intent), and then it must not be sent."""
    values = {"intent_id": intent_id, "claimed_at": claimed_at, "renewed_at": now}
    result = session.execute(_RENEW, values)
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def mark_delivered(session: Session, intent_id: int, now: datetime) -> None:
    """Record a successful delivery; the intent is never sent again."""
    session.execute(_DELIVERED, {"intent_id": intent_id, "delivered_now": now})


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
