"""Send a digest: compute its figures and write one intent per recipient, once per run.

A run is named by its cause (`digest:<id>:<end of period>`); each intent's idempotency key
starts with it, so two replicas that fire the same schedule store the digest once.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from storage.enums import IntentKind
from workflows.audiences import Audience
from workflows.digest import Period, Scope, to_payload
from workflows.digest_figures import compute_digest
from workflows.notifications import Announcement, Notice, enqueue_many
from workflows.settings import DeskSettings


@dataclass(frozen=True)
class DigestPlan:
    """What a configured digest covers and whom it goes to."""

    name: str
    scope: Scope
    recipients: tuple[Audience, ...]
    timezone: str


def send_digest(
    session: Session,
    settings: DeskSettings,
    plan: DigestPlan,
    period: Period,
    *,
    cause: str,
    now: datetime,
) -> int:
    """Queue the digest for each recipient on each platform; return how many intents were new
    (0 when this run was queued already)."""
    figures = compute_digest(
        session, name=plan.name, scope=plan.scope, period=period, timezone=plan.timezone, now=now
    )
    payload = to_payload(figures)
    notices = [Notice(IntentKind.DIGEST, audience, payload) for audience in plan.recipients]
    return enqueue_many(session, settings, [Announcement(None, cause, notices)], now)
