"""Where each ticket's card and thread live on each platform, so they can be edited later."""

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.database import execute_prebuilt
from storage.enums import MessageRole
from storage.inserts import insert_if_absent
from storage.models import ChatMessage, Ticket

_MESSAGE_ID = select(ChatMessage.message_id).where(
    ChatMessage.ticket_id == bindparam("ticket_id"),
    ChatMessage.platform == bindparam("platform"),
    ChatMessage.address == bindparam("address"),
    ChatMessage.role == bindparam("role"),
)


def find_message(
    session: Session, ticket_id: int, platform: str, address: str, role: MessageRole
) -> str | None:
    """The platform's id of the ticket's message in `address`, if one was posted."""
    values = {"ticket_id": ticket_id, "platform": platform, "address": address, "role": role}
    return execute_prebuilt(session, _MESSAGE_ID, values).scalar()


def remember_message(
    session: Session,
    ticket_id: int,
    platform: str,
    address: str,
    role: MessageRole,
    message_id: str,
    now: datetime,
) -> None:
    """Store where a ticket's message was posted (the first one stays if two race)."""
    insert_if_absent(
        session,
        ChatMessage,
        {
            "ticket_id": ticket_id,
            "platform": platform,
            "address": address,
            "role": role,
            "message_id": message_id,
            "created_at": now,
        },
        ["ticket_id", "platform", "address", "role"],
    )


def ticket_for_message(session: Session, platform: str, message_id: str) -> str | None:
    """The reference of the ticket whose card or DM thread is this message, if any."""
    return session.scalar(
        select(Ticket.reference)
        .join(ChatMessage, ChatMessage.ticket_id == Ticket.id)
        .where(ChatMessage.platform == platform, ChatMessage.message_id == message_id)
        .limit(1)
    )
