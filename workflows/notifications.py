"""Notification intents: written to the outbox in the same transaction as the change.

An intent names what happened (its payload), to whom (a team's channel or a person) and on
which platform. Its idempotency key is unique in the database, so writing the same intent
twice — a retried delivery, a second replica — stores it once.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.database import execute_prebuilt
from storage.enums import AudienceKind, IntentKind, OutboxStatus
from storage.inserts import insert_all_if_absent
from storage.models import OutboxIntent, Person, PlatformIdentity, Team, TeamChannel
from workflows.audiences import Audience
from workflows.settings import DeskSettings, PlatformReach


@dataclass(frozen=True)
class Notice:
    """One thing to tell an audience, caused by the change recorded as `cause`."""

    kind: IntentKind
    audience: Audience
    payload: dict[str, Any]


def enqueue(
    session: Session,
    settings: DeskSettings,
    *,
    ticket_id: int,
    cause: str,
    notices: list[Notice],
    now: datetime,
) -> int:
    """Write an intent per notice and reachable platform; return how many were new."""
    return enqueue_many(session, settings, [Announcement(ticket_id, cause, notices)], now)


@dataclass(frozen=True)
class Announcement:
    """The notices one cause (a change, a threshold) leads to for one ticket (or for none:
    a digest)."""

    ticket_id: int | None
    cause: str
    notices: list[Notice]


def enqueue_many(
    session: Session, settings: DeskSettings, announcements: list[Announcement], now: datetime
) -> int:
    """Write the intents of many announcements in one statement; return how many were new.

    The key of each intent is its cause, kind, platform and audience: unique in the
    database, so announcing the same thing twice stores it once.
    """
    addresses: dict[tuple[str, Audience], str | None] = {}

    def reachable(platform: PlatformReach, audience: Audience) -> bool:
        if (
            audience.kind == AudienceKind.TEAM
            and settings.fallbacks.get(audience.key) == platform.name
        ):
            return False  # kept for notices overdue on the team's other platforms
        if (platform.name, audience) not in addresses:
            addresses[platform.name, audience] = address_for(session, platform, audience)
        return addresses[platform.name, audience] is not None

    rows = [
        {
            "idempotency_key": ":".join(
                (item.cause, notice.kind, platform.name, notice.audience.kind, notice.audience.key)
            ),
            "ticket_id": item.ticket_id,
            "kind": notice.kind,
            "platform": platform.name,
            "audience_kind": notice.audience.kind,
            "audience_key": notice.audience.key,
            "payload": notice.payload,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for item in announcements
        for notice in item.notices
        for platform in settings.platforms
        if reachable(platform, notice.audience)
    ]
    return insert_all_if_absent(session, OutboxIntent, rows, ["idempotency_key"])


_TEAM_ADDRESS = (
    select(TeamChannel.address)
    .join(Team)
    .where(Team.key == bindparam("key"), TeamChannel.platform == bindparam("platform"))
)
_PERSON_ADDRESS = (
    select(PlatformIdentity.external_id)
    .join(Person)
    .where(Person.key == bindparam("key"), PlatformIdentity.platform == bindparam("platform"))
)


def address_for(session: Session, platform: PlatformReach, audience: Audience) -> str | None:
    """Where `audience` is reached on `platform`: a channel or user id; None if nowhere."""
    if platform.reaches_everyone:
        return audience.key
    statement = _TEAM_ADDRESS if audience.kind == AudienceKind.TEAM else _PERSON_ADDRESS
    found = execute_prebuilt(session, statement, {"key": audience.key, "platform": platform.name})
    return found.scalar()
