"""An access request goes to the requester's manager, then to the service's owners, each
deciding from their DM; then the team fulfils it."""

from datetime import timedelta

from handlers.events import Reply
from storage.enums import AudienceKind, TicketStatus
from tests.support.chat import Chat, button
from tests.support.clock import ManualClock


def _raise_access_request(chat: Chat) -> str:
    chat.command("alice", "new", "ERP read access for the audit")
    answers = (
        "Access request",
        "ERP access",
        "For the year-end audit",
        "No end date",
        "Low",
        "Low",
    )
    for answer in answers:
        chat.say("alice", answer)
    replies = chat.say("alice", "Raise it")
    assert replies[0].ticket is not None
    return replies[0].ticket


def _dm_to(chat: Chat, person: str) -> Reply:
    [delivery] = [
        d for d in chat.deliver() if d.audience == AudienceKind.PERSON and d.address == person
    ]
    return delivery.reply


def _asked(chat: Chat) -> dict[str, list[str]]:
    return {
        d.address: [b.label for b in d.reply.buttons]
        for d in chat.deliver()
        if d.audience == AudienceKind.PERSON and d.address != "alice"
    }


def test_the_manager_is_asked_first(chat: Chat) -> None:
    reference = _raise_access_request(chat)

    assert chat.status_of(reference) == TicketStatus.AWAITING_APPROVAL
    assert _asked(chat) == {"carol": ["Approve", "Reject"]}


def test_after_the_manager_the_service_owners_decide_and_the_team_fulfils(chat: Chat) -> None:
    reference = _raise_access_request(chat)
    request = next(d.reply for d in chat.deliver() if d.address == "carol" and d.reply.buttons)

    replies = chat.press("carol", button([request], "Approve"))

    assert replies[0].text == f"Your vote is counted; {reference} still awaits approval."
    deliveries = chat.deliver()
    carol = next(d.reply for d in deliveries if d.address == "carol")
    assert carol.buttons == ()
    assert carol.text.startswith(f"Carol Nguyen approved {reference} as the manager.")
    # Carol approved as the manager; she is not asked again as an owner.
    grace = next(d.reply for d in deliveries if d.address == "grace")
    assert [b.label for b in grace.buttons] == ["Approve", "Reject"]
    told = next(d.reply for d in deliveries if d.address == "alice")
    assert told.text == (
        f"The manager approved {reference}; it now awaits the service owner's approval."
    )

    replies = chat.press("grace", button([grace], "Approve"))

    assert replies[0].text == f"{reference} is now approved."
    assert _dm_to(chat, "alice").text == f"Grace Hopper approved {reference} (now approved)."
    chat.press("erin", button(chat.command("erin", "ticket", reference), "Start work"))
    chat.press("erin", button(chat.command("erin", "ticket", reference), "Fulfil"))
    assert chat.status_of(reference) == TicketStatus.FULFILLED


def test_the_manager_alone_cannot_be_an_owner_too(chat: Chat) -> None:
    reference = _raise_access_request(chat)
    request = next(d.reply for d in chat.deliver() if d.address == "carol" and d.reply.buttons)
    chat.press("carol", button([request], "Approve"))
    chat.deliver()

    replies = chat.press("carol", button([request], "Approve"))

    assert replies[0].problem
    assert replies[0].text == f"You already approved {reference}; a vote is final."
    assert chat.status_of(reference) == TicketStatus.AWAITING_APPROVAL


def test_granted_access_that_ends_becomes_a_revocation_task_once(
    chat: Chat, clock: ManualClock
) -> None:
    chat.command("alice", "new", "ERP read access for the audit")
    for answer in ("Access request", "ERP access", "For the audit", "2026-11-30", "Low", "Low"):
        chat.say("alice", answer)
    reference = chat.say("alice", "Raise it")[0].ticket
    assert reference is not None
    for approver in ("carol", "grace"):
        request = next(d.reply for d in chat.deliver() if d.address == approver and d.reply.buttons)
        chat.press(approver, button([request], "Approve"))
    fields = {f.label: f.value for f in chat.command("erin", "ticket", reference)[0].fields}
    assert fields["Access until"] == "the end of 2026-11-30 (UTC)"
    chat.sweep()
    clock.advance(timedelta(days=8))
    assert chat.sweep() == []  # not fulfilled yet: nothing was granted, nothing to revoke
    for label in ("Start work", "Fulfil"):
        chat.press("erin", button(chat.command("erin", "ticket", reference), label))
    chat.deliver()

    delivered = chat.sweep()

    revocation = next(d.reply for d in delivered if d.address == "workplace")
    assert revocation.title.endswith("Revoke access: ERP read access for the audit")
    assert revocation.text.startswith(f"The access Alice Martin was granted by {reference} ended")
    told = next(d.reply for d in delivered if d.address == "alice")
    assert told.text.startswith("Your access has ended: Workplace IT will remove it (REQ-")
    assert chat.status_of(revocation.ticket or "") == TicketStatus.NEW
    assert chat.sweep() == []


def test_the_ticket_shows_the_stage_and_who_is_still_to_vote(chat: Chat) -> None:
    reference = _raise_access_request(chat)
    request = next(d.reply for d in chat.deliver() if d.address == "carol" and d.reply.buttons)
    chat.press("carol", button([request], "Approve"))

    shown = chat.command("alice", "ticket", reference)[0].text

    assert (
        "Approval, service owner stage (1 of 1 approvals needed):\n"
        "• Carol Nguyen approved\n"
        "• waiting for Grace Hopper"
    ) in shown
