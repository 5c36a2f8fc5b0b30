"""A request that needs approval reaches its approvers, who decide it from their DM."""

from handlers.events import Reply
from storage.enums import AudienceKind, TicketStatus
from tests.support.chat import Chat, button


def _raise_access_request(chat: Chat) -> str:
    chat.command("alice", "new", "ERP read access for the audit")
    for answer in ("Access request", "ERP access", "-", "Low", "Medium", "Raise it"):
        replies = chat.say("alice", answer)
    assert replies[0].ticket is not None
    return replies[0].ticket


def _dm_to(chat: Chat, person: str) -> Reply:
    [delivery] = [
        d for d in chat.deliver() if d.audience == AudienceKind.PERSON and d.address == person
    ]
    return delivery.reply


def test_each_approver_gets_a_dm_with_approve_and_reject(chat: Chat) -> None:
    reference = _raise_access_request(chat)

    deliveries = chat.deliver()
    asked = {
        d.address: [b.label for b in d.reply.buttons]
        for d in deliveries
        if d.audience == AudienceKind.PERSON and d.address != "alice"
    }

    assert chat.status_of(reference) == TicketStatus.AWAITING_APPROVAL
    assert asked == {"carol": ["Approve", "Reject"], "grace": ["Approve", "Reject"]}


def test_an_approver_approves_from_the_dm_and_the_requester_is_told(chat: Chat) -> None:
    reference = _raise_access_request(chat)
    request = next(d.reply for d in chat.deliver() if d.address == "carol" and d.reply.buttons)

    replies = chat.press("carol", button([request], "Approve"))

    assert replies[0].text == f"{reference} is now approved."
    assert chat.status_of(reference) == TicketStatus.APPROVED
    assert _dm_to(chat, "alice").text == f"Carol Nguyen approved {reference} (now approved)."
