"""The `chat` test driver: neutral events through the real router, database and dispatcher.

Deliveries land in a RecordingSender, a platform double at the outbound boundary, so tests
can assert on exactly what each channel and person would have been sent.
"""

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from bot.app import Desk
from bot.platforms.base import Delivery, DeliveryFailed
from handlers.events import Button, EventKind, InboundEvent, Place, Reply
from storage.enums import IntentKind, TicketStatus
from storage.models import Person, Ticket
from workflows.unit_of_work import unit_of_work

PLATFORM = "testchat"


@dataclass
class RecordingSender:
    """Records every delivery; can be told to fail the next ones like a platform would."""

    name: str = PLATFORM
    reaches_everyone: bool = True
    deliveries: list[Delivery] = field(default_factory=list)
    failures: list[DeliveryFailed] = field(default_factory=list)

    async def send(self, delivery: Delivery) -> str | None:
        """Record the delivery, or raise the next queued failure."""
        if self.failures:
            raise self.failures.pop(0)
        self.deliveries.append(delivery)
        if delivery.thread_root is None and delivery.kind != IntentKind.THREAD_NOTE:
            return f"{delivery.reply.ticket}@{delivery.address}"
        return None


@dataclass
class Chat:
    """Say things as people of the demo directory and read what the desk answers and posts."""

    desk: Desk
    sender: RecordingSender

    def command(self, person: str, name: str, text: str = "", **place: Any) -> list[Reply]:
        """`/name text` from `person`."""
        return self.send(
            InboundEvent(person, Place(PLATFORM, **place), EventKind.COMMAND, name, text)
        )

    def say(self, person: str, text: str, **place: Any) -> list[Reply]:
        """Free text from `person`."""
        return self.send(InboundEvent(person, Place(PLATFORM, **place), EventKind.TEXT, text=text))

    def press(self, person: str, button: Button) -> list[Reply]:
        """Press a button the desk showed."""
        event = InboundEvent(person, Place(PLATFORM), EventKind.BUTTON, button.action, button.value)
        return self.send(event)

    def send(self, event: InboundEvent) -> list[Reply]:
        """Any event, through the real router."""
        return self.desk.router.handle(event)

    def deliver(self) -> list[Delivery]:
        """Run the dispatcher once; return what it delivered in this run."""
        before = len(self.sender.deliveries)
        asyncio.run(self.desk.dispatcher.run_once())
        return self.sender.deliveries[before:]

    def sweep(self) -> list[Delivery]:
        """Run the SLA sweep once, then the dispatcher; return what was delivered."""
        asyncio.run(self.desk.sweeper.run_once())
        return self.deliver()

    def status_of(self, reference: str) -> TicketStatus | None:
        """The ticket's status as stored."""
        with unit_of_work(self.desk.db) as session:
            return session.scalar(select(Ticket.status).where(Ticket.reference == reference))

    def assignee_of(self, reference: str) -> str | None:
        """The directory key of the ticket's assignee as stored."""
        with unit_of_work(self.desk.db) as session:
            return session.scalar(
                select(Person.key)
                .join(Ticket, Ticket.assignee_id == Person.id)
                .where(Ticket.reference == reference)
            )

    def raise_incident(
        self,
        person: str = "alice",
        title: str = "VPN drops every hour",
        impact: str = "High",
        urgency: str = "Medium",
    ) -> str:
        """Walk the raise dialog for a VPN incident (P2 by default); return its reference."""
        self.command(person, "new")
        for answer in ("Incident", "VPN", title, "It disconnects on the hour", impact, urgency):
            self.say(person, answer)
        reference = self.say(person, "Raise it")[0].ticket
        assert reference is not None, "the raise dialog did not raise a ticket"
        return reference


def button(replies: list[Reply], label: str) -> Button:
    """The button labelled `label` in these replies; fails the test if there is none."""
    for reply in replies:
        for candidate in reply.buttons:
            if candidate.label == label:
                return candidate
    shown = [b.label for r in replies for b in r.buttons]
    raise AssertionError(f"no button {label!r} among {shown}")
