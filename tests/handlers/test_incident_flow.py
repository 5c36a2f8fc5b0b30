"""A whole incident through the router: raised, acknowledged, resolved, and what was posted."""

from sqlalchemy import func, select

from storage.enums import IntentKind, TicketStatus
from storage.models import AuditEvent, Ticket
from tests.support.chat import Chat, button
from workflows.unit_of_work import unit_of_work


def test_raise_acknowledge_resolve(chat: Chat) -> None:
    reference = chat.raise_incident("alice")
    raised = chat.deliver()
    card = next(d for d in raised if d.kind == IntentKind.CARD)
    assert card.address == "network"
    assert [b.label for b in card.reply.buttons] == ["Acknowledge", "Take", "Escalate"]

    chat.press("bob", button([card.reply], "Acknowledge"))
    updated = next(d for d in chat.deliver() if d.kind == IntentKind.CARD)
    assert updated.thread_root == f"{reference}@network"
    chat.press("bob", button([updated.reply], "Resolve"))
    chat.deliver()

    with unit_of_work(chat.desk.db) as session:
        ticket = session.scalars(select(Ticket)).one()
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.acknowledged_at is not None and ticket.resolved_at is not None
    assert actions == ["raised", "acknowledge", "resolve"]


def test_responder_of_another_team_is_refused(chat: Chat) -> None:
    reference = chat.raise_incident("alice")
    card = next(d for d in chat.deliver() if d.kind == IntentKind.CARD)

    replies = chat.press("erin", button([card.reply], "Acknowledge"))

    assert replies[0].problem and "team that owns" in replies[0].text
    with unit_of_work(chat.desk.db) as session:
        audits = session.scalar(select(func.count()).select_from(AuditEvent))
    assert chat.status_of(reference) == TicketStatus.NEW
    assert audits == 1
