"""The outbox dispatcher: claims due intents, renders them, hands them to their platform.

A delivery that fails is retried with backoff (Retry-After when the platform gave one); a
delivered intent is marked so and never sent again. Database work runs in worker threads.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TypeVar

from sqlalchemy.orm import Session

from bot.digest_chart import digest_chart
from bot.platforms.base import Attachment, Delivery, DeliveryFailed, Sender
from handlers.digest_notice import digest_reply
from handlers.notices import notice_reply
from storage.database import Database
from storage.enums import AudienceKind, IntentKind, MessageRole
from workflows.audiences import Audience
from workflows.chat_messages import find_message, remember_message
from workflows.clock import Clock
from workflows.digest import from_payload
from workflows.notifications import address_for
from workflows.outbox import (
    IntentView,
    claim_due,
    mark_delivered,
    mark_failed,
    needs_renewal,
    renew_claim,
)
from workflows.settings import PlatformReach
from workflows.tickets import ticket_by_id
from workflows.unit_of_work import unit_of_work
from workflows.views import TicketView

log = logging.getLogger(__name__)
BATCH = 100
MAX_ROUNDS = 20
_T = TypeVar("_T")


@dataclass(frozen=True)
class _Outcome:
    """How one send went, to record in the database."""

    intent_id: int
    record: Callable[[], None]


class Dispatcher:
    """Delivers the outbox through the platforms that run in this process."""

    def __init__(self, db: Database, clock: Clock, senders: list[Sender]) -> None:
        self._db = db
        self._clock = clock
        self._senders = {sender.name: sender for sender in senders}
        self._lock = asyncio.Lock()
        self._outcome: _Outcome | None = None  # of the last send, recorded on the next trip

    async def run_once(self) -> int:
        """Deliver what is due now; return how many intents were attempted.

        Each round claims the head of every ticket's queue, so a few rounds drain a burst in
        order; the bound keeps one tick from running forever under a steady stream.
        """
        attempted = 0
        async with self._lock:
            for _ in range(MAX_ROUNDS):
                intents = await self._in_thread(self._claim)
                for intent in intents:
                    await self._send(intent)
                attempted += len(intents)
                if not intents:
                    break
            if self._outcome is not None:  # the rounds ran out before a claim recorded it
                await self._in_thread(_nothing)
        return attempted

    def _claim(self) -> list[IntentView]:
        with unit_of_work(self._db) as session:
            return claim_due(session, self._clock.now(), BATCH, tuple(self._senders))

    async def _in_thread(self, work: Callable[[], _T]) -> _T:
        """Run `work` in a worker thread, after recording there how the last send went: one
        trip off the event loop per intent instead of two, in the same order."""
        outcome, self._outcome = self._outcome, None
        return await asyncio.to_thread(self._record_then, outcome, work)

    def _record_then(self, outcome: _Outcome | None, work: Callable[[], _T]) -> _T:
        if outcome is not None:
            try:
                outcome.record()
            except Exception:
                # Recording failed (the database is briefly away): the claim expires and
                # the intent is retried; the rest of the batch goes on.
                log.exception("could not record the delivery of intent %s", outcome.intent_id)
        return work()

    async def _send(self, claimed: IntentView) -> None:
        intent = claimed
        try:
            prepared = await self._in_thread(partial(self._prepare, claimed))
            if prepared is None:
                log.info("intent %s was taken over by another dispatcher", claimed.id)
                return
            intent, delivery = prepared
            started = await self._senders[intent.platform].send(delivery)
        except DeliveryFailed as failure:
            log.warning("delivery of intent %s failed: %s", intent.id, failure)
            self._outcome = _Outcome(intent.id, partial(self._failed, intent, failure))
        except Exception as error:
            log.exception("delivery of intent %s failed unexpectedly", intent.id)
            unexpected = DeliveryFailed(repr(error))
            self._outcome = _Outcome(intent.id, partial(self._failed, intent, unexpected))
        else:
            delivered = partial(self._delivered, intent, delivery, started)
            self._outcome = _Outcome(intent.id, delivered)

    def _prepare(self, claimed: IntentView) -> tuple[IntentView, Delivery] | None:
        """Renew the claim if it is old and build the delivery in one unit of work; None if
        the claim was lost. A delivery that cannot be built rolls the renewal back with
        everything else. Under a young claim the unit only reads, so on SQLite it waits
        for no writer."""
        now = self._clock.now()
        digest = _digest(claimed) if claimed.kind == IntentKind.DIGEST else None
        renew = needs_renewal(claimed.claimed_at, now)
        with unit_of_work(self._db, read_only=not renew) as session:
            if renew and not renew_claim(session, claimed.id, claimed.claimed_at, now):
                return None
            intent = replace(claimed, claimed_at=now) if renew else claimed
            address = self._address(session, intent)
            if digest is not None:
                return intent, replace(digest, address=address)
            ticket, root = _about(session, intent, address)
            reply = notice_reply(intent.kind, intent.payload, ticket, now)
        return intent, Delivery(intent.kind, intent.audience_kind, address, reply, root)

    def _address(self, session: Session, intent: IntentView) -> str:
        sender = self._senders[intent.platform]
        reach = PlatformReach(sender.name, sender.reaches_everyone)
        address = address_for(session, reach, Audience(intent.audience_kind, intent.audience_key))
        if address is None:
            raise DeliveryFailed("the audience has no address here any more", permanent=True)
        return address

    def _delivered(self, intent: IntentView, delivery: Delivery, started: str | None) -> None:
        now = self._clock.now()
        with unit_of_work(self._db) as session:
            mark_delivered(session, intent.id, now)
            if started is not None and intent.ticket_id is not None:
                role = _role(intent.audience_kind)
                remember_message(
                    session, intent.ticket_id, intent.platform, delivery.address, role, started, now
                )

    def _failed(self, intent: IntentView, failure: DeliveryFailed) -> None:
        with unit_of_work(self._db) as session:
            mark_failed(
                session,
                intent.id,
                intent.claimed_at,
                self._clock.now(),
                str(failure),
                failure.retry_after,
                permanent=failure.permanent,
            )


def _nothing() -> None:
    """Work for a trip that only records the last outcome."""


def _digest(intent: IntentView) -> Delivery:
    """A digest with its chart, addressed later (it needs nothing from the database)."""
    figures = from_payload(intent.payload)
    chart = Attachment(f"digest-{figures.name}-{intent.id}.png", digest_chart(figures))
    reply = digest_reply(figures)
    return Delivery(intent.kind, intent.audience_kind, "", reply, None, figures, chart)


def _about(session: Session, intent: IntentView, address: str) -> tuple[TicketView, str | None]:
    """The ticket a notice is about, and its message in `address` (to edit or reply under)."""
    if intent.ticket_id is None:
        raise DeliveryFailed("a ticket notice names no ticket", permanent=True)
    role = _role(intent.audience_kind)
    root = find_message(session, intent.ticket_id, intent.platform, address, role)
    return ticket_by_id(session, intent.ticket_id), root


def _role(audience: AudienceKind) -> MessageRole:
    return MessageRole.CARD if audience == AudienceKind.TEAM else MessageRole.DIRECT_THREAD
