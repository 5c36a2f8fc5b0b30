"""The delivery watchdog: notice intents not delivered in time, once, and reroute them.

An intent still pending (or being sent) `deadline` after it was written is overdue. Each
overdue intent is marked once (a conditional UPDATE, so replicas report it once between
them); an overdue team notice is copied to the team's fallback platform when the config
names one. The outbox's health is counted for /healthz and the metrics.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.enums import AudienceKind, OutboxStatus
from storage.inserts import insert_all_if_absent
from storage.models import OutboxIntent
from workflows.audiences import Audience
from workflows.notifications import address_for
from workflows.settings import DeskSettings, PlatformReach

_UNFINISHED = (OutboxStatus.PENDING, OutboxStatus.SENDING)


@dataclass(frozen=True)
class OverdueIntent:
    """An intent reported overdue just now."""

    id: int
    idempotency_key: str
    platform: str
    audience_kind: AudienceKind
    audience_key: str
    created_at: datetime


@dataclass(frozen=True)
class OutboxHealth:
    """How the outbox stands: waiting, overdue (unfinished past the deadline), given up."""

    backlog: int
    overdue: int
    dead: int


def report_overdue(session: Session, now: datetime, deadline: timedelta) -> list[OverdueIntent]:
    """Mark and return the intents that became overdue since the last report."""
    rows = session.execute(
        update(OutboxIntent)
        .where(
            OutboxIntent.status.in_(_UNFINISHED),
            OutboxIntent.created_at <= now - deadline,
            OutboxIntent.overdue_at.is_(None),
        )
        .values(overdue_at=now)
        .returning(
            OutboxIntent.id,
            OutboxIntent.idempotency_key,
            OutboxIntent.platform,
            OutboxIntent.audience_kind,
            OutboxIntent.audience_key,
            OutboxIntent.created_at,
        )
        .execution_options(synchronize_session=False)
    ).all()
    return [OverdueIntent(*row) for row in rows]


def reroute(
    session: Session, settings: DeskSettings, overdue: list[OverdueIntent], now: datetime
) -> int:
    """Copy overdue team notices to the team's fallback platform; return how many were new."""
    reachable = {platform.name: platform for platform in settings.platforms}
    copies = []
    for intent in overdue:
        fallback = settings.fallbacks.get(intent.audience_key)
        if intent.audience_kind != AudienceKind.TEAM or fallback in (None, intent.platform):
            continue
        platform = reachable.get(fallback or "")
        if platform is None or not _reaches(session, platform, intent):
            continue
        copies.append(_copy(session, intent.id, platform.name, now))
    return insert_all_if_absent(session, OutboxIntent, copies, ["idempotency_key"])


def outbox_health(session: Session, now: datetime, deadline: timedelta) -> OutboxHealth:
    """Count the unfinished, overdue and dead intents."""
    unfinished = OutboxIntent.status.in_(_UNFINISHED)
    backlog, overdue, dead = session.execute(
        select(
            func.count().filter(unfinished),
            func.count().filter(unfinished, OutboxIntent.created_at <= now - deadline),
            func.count().filter(OutboxIntent.status == OutboxStatus.DEAD),
        )
    ).one()
    return OutboxHealth(backlog=backlog, overdue=overdue, dead=dead)


def _reaches(session: Session, platform: PlatformReach, intent: OverdueIntent) -> bool:
    audience = Audience(intent.audience_kind, intent.audience_key)
    return address_for(session, platform, audience) is not None


def _copy(session: Session, intent_id: int, platform: str, now: datetime) -> dict[str, object]:
    original = session.get_one(OutboxIntent, intent_id)
    return {
        "idempotency_key": f"{original.idempotency_key}:fallback:{platform}",
        "ticket_id": original.ticket_id,
        "kind": original.kind,
        "platform": platform,
        "audience_kind": original.audience_kind,
        "audience_key": original.audience_key,
        "payload": original.payload,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
