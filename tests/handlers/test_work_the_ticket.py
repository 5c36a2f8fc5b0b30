"""Working a ticket: take, wait on the requester, comments, resolve, reopen, close, /mine."""

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.platforms.base import Delivery
from handlers.events import Button, Reply
from storage.enums import AudienceKind, IntentKind, TicketStatus
from storage.models import AuditEvent, Ticket
from tests.support.chat import Chat, button
from tests.support.clock import ManualClock
from workflows.unit_of_work import unit_of_work


def shown(chat: Chat, person: str, reference: str) -> Reply:
    """`/ticket <reference>` as `person`: the one reply it gives."""
    replies = chat.command(person, "ticket", reference)
    assert len(replies) == 1 and not replies[0].problem, replies
    return replies[0]


def labels(reply: Reply) -> list[str]:
    return [b.label for b in reply.buttons]


def press_as(chat: Chat, person: str, reference: str, label: str) -> list[Reply]:
    """Press the button `label` that `/ticket` shows `person`."""
    return chat.press(person, button([shown(chat, person, reference)], label))


def audit_trail(chat: Chat) -> list[tuple[str, str]]:
    """(action, detail) of every audit event, oldest first."""
    with unit_of_work(chat.desk.db) as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.detail).order_by(AuditEvent.id)
        ).all()
    return [(action, detail) for action, detail in rows]


def stamps(chat: Chat, reference: str) -> tuple[datetime | None, datetime | None]:
    """When the ticket was resolved and closed."""
    with unit_of_work(chat.desk.db) as session:
        row = session.execute(
            select(Ticket.resolved_at, Ticket.closed_at).where(Ticket.reference == reference)
        ).one()
    return row.resolved_at, row.closed_at


def routed(deliveries: list[Delivery]) -> set[tuple[IntentKind, AudienceKind, str]]:
    """What was delivered, as (kind, audience, address)."""
    return {(d.kind, d.audience, d.address) for d in deliveries}


def in_progress_incident(chat: Chat) -> str:
    """An incident raised by alice that bob has acknowledged and started work on."""
    reference = chat.raise_incident("alice")
    press_as(chat, "bob", reference, "Acknowledge")
    press_as(chat, "bob", reference, "Start work")
    chat.deliver()
    assert chat.status_of(reference) == TicketStatus.IN_PROGRESS
    return reference


def test_a_team_member_takes_the_ticket(chat: Chat) -> None:
    reference = chat.raise_incident("alice")
    card = next(d for d in chat.deliver() if d.kind == IntentKind.CARD)

    replies = chat.press("dave", button([card.reply], "Take"))

    assert replies[0].text == "You took INC-1."
    assert replies[0].ticket == reference
    assert chat.assignee_of(reference) == "dave"
    assert chat.status_of(reference) == TicketStatus.NEW
    assert audit_trail(chat)[-1] == ("assigned", "dave")
    notes = [d for d in chat.deliver() if d.kind == IntentKind.THREAD_NOTE]
    assert [n.reply.text for n in notes] == ["Dave Kowalski took INC-1."]


def test_taking_a_ticket_one_already_has_is_refused(chat: Chat) -> None:
    reference = chat.raise_incident("alice")
    card = next(d for d in chat.deliver() if d.kind == IntentKind.CARD)
    chat.press("bob", button([card.reply], "Take"))

    again = chat.press("bob", button([card.reply], "Take"))

    assert again[0].problem
    assert again[0].text == "INC-1 is already yours."
    assert "Take" not in labels(shown(chat, "bob", reference))


def test_another_team_member_can_take_it_over(chat: Chat) -> None:
    reference = chat.raise_incident("alice")
    press_as(chat, "bob", reference, "Take")

    press_as(chat, "dave", reference, "Take")

    assert chat.assignee_of(reference) == "dave"
    assert [a for a, _ in audit_trail(chat)] == ["raised", "assigned", "assigned"]


def test_wait_on_requester_asks_for_a_reason_then_applies_it(chat: Chat) -> None:
    reference = in_progress_incident(chat)

    asked = press_as(chat, "bob", reference, "Wait on requester")

    assert asked[0].text == "Wait on requester INC-1: please type the reason (or /cancel)."
    assert chat.status_of(reference) == TicketStatus.IN_PROGRESS

    applied = chat.say("bob", "Which laptop model is it?")

    assert applied[0].text == "INC-1 is now waiting on requester."
    assert chat.status_of(reference) == TicketStatus.WAITING_ON_REQUESTER
    assert audit_trail(chat)[-1] == ("wait", "Which laptop model is it?")
    dm = next(d for d in chat.deliver() if d.audience == AudienceKind.PERSON)
    assert dm.address == "alice"
    assert dm.reply.text == (
        "Bob Okafor is waiting on the requester for INC-1 (now waiting on requester). "
        "Reason: Which laptop model is it?"
    )


def test_an_empty_reason_is_asked_again_and_cancel_drops_the_move(chat: Chat) -> None:
    reference = in_progress_incident(chat)
    press_as(chat, "bob", reference, "Wait on requester")

    empty = chat.say("bob", "   ")
    cancelled = chat.command("bob", "cancel")

    assert empty[0].problem and empty[0].text == "Please type the reason, or /cancel."
    assert cancelled[0].text == "Cancelled."
    assert chat.status_of(reference) == TicketStatus.IN_PROGRESS
    assert chat.say("bob", "too late")[0].text.startswith("I am not waiting for an answer")


def test_the_reason_dialog_ends_even_when_the_move_is_refused(chat: Chat) -> None:
    reference = in_progress_incident(chat)
    press_as(chat, "bob", reference, "Wait on requester")
    press_as(chat, "dave", reference, "Resolve")

    refused = chat.say("bob", "Which laptop?")

    assert refused[0].problem
    assert refused[0].text == "You cannot wait a ticket that is resolved."
    assert chat.status_of(reference) == TicketStatus.RESOLVED
    assert chat.say("bob", "hello")[0].text.startswith("I am not waiting for an answer")


def test_a_requester_comment_resumes_a_waiting_ticket(chat: Chat) -> None:
    reference = in_progress_incident(chat)
    press_as(chat, "bob", reference, "Wait on requester")
    chat.say("bob", "Which laptop model is it?")
    chat.deliver()

    replies = chat.command("alice", "comment", f"{reference} A ThinkPad X1")

    assert replies[0].text == "Added your comment to INC-1."
    assert chat.status_of(reference) == TicketStatus.IN_PROGRESS
    assert [a for a, _ in audit_trail(chat)][-2:] == ["commented", "resume"]


def test_a_responder_comment_does_not_resume_a_waiting_ticket(chat: Chat) -> None:
    reference = in_progress_incident(chat)
    press_as(chat, "bob", reference, "Wait on requester")
    chat.say("bob", "Which laptop model is it?")

    chat.command("dave", "comment", f"{reference} any news?")

    assert chat.status_of(reference) == TicketStatus.WAITING_ON_REQUESTER


def test_reopen_after_resolve(chat: Chat, clock: ManualClock) -> None:
    reference = in_progress_incident(chat)
    press_as(chat, "bob", reference, "Resolve")
    chat.deliver()
    assert stamps(chat, reference)[0] is not None
    assert labels(shown(chat, "alice", reference)) == ["Reopen", "Close"]
    clock.advance(timedelta(hours=1))

    replies = press_as(chat, "alice", reference, "Reopen")

    assert replies[0].text == "INC-1 is now in progress."
    assert chat.status_of(reference) == TicketStatus.IN_PROGRESS
    assert stamps(chat, reference) == (None, None)
    delivered = chat.deliver()
    assert (IntentKind.CARD, AudienceKind.TEAM, "network") in routed(delivered)
    assert not [d for d in delivered if d.audience == AudienceKind.PERSON]


def test_close_after_resolve(chat: Chat, clock: ManualClock) -> None:
    reference = in_progress_incident(chat)
    press_as(chat, "bob", reference, "Resolve")
    clock.advance(timedelta(days=1))

    replies = press_as(chat, "alice", reference, "Close")

    assert replies[0].text == "INC-1 is now closed."
    assert chat.status_of(reference) == TicketStatus.CLOSED
    assert stamps(chat, reference)[1] == clock.now()
    assert labels(shown(chat, "bob", reference)) == []
    assert labels(shown(chat, "alice", reference)) == []


def test_closing_an_unresolved_ticket_is_refused(chat: Chat) -> None:
    reference = in_progress_incident(chat)
    assert "Close" not in labels(shown(chat, "alice", reference))

    refusal = chat.press("alice", Button("Close", "ticket:close", reference))

    assert refusal[0].problem
    assert refusal[0].text == "You cannot close a ticket that is in progress."
    assert chat.status_of(reference) == TicketStatus.IN_PROGRESS


def test_mine_lists_open_tickets_of_requester_and_assignee(chat: Chat) -> None:
    first = chat.raise_incident("alice", title="VPN drops every hour")
    second = chat.raise_incident("alice", title="Wi-Fi is slow")
    third = chat.raise_incident("erin", title="Printer jams")
    press_as(chat, "bob", second, "Acknowledge")
    press_as(chat, "dave", third, "Acknowledge")
    press_as(chat, "dave", third, "Resolve")
    press_as(chat, "erin", third, "Close")

    alices = chat.command("alice", "mine")
    bobs = chat.command("bob", "mine")
    daves = chat.command("dave", "mine")

    assert (first, second, third) == ("INC-1", "INC-2", "INC-3")
    assert alices[0].title == "Your open tickets"
    assert alices[0].text.splitlines() == [
        "INC-2 · P2 · acknowledged · Wi-Fi is slow (with Bob Okafor)",
        "INC-1 · P2 · new · VPN drops every hour",
    ]
    assert bobs[0].text.splitlines() == [
        "INC-2 · P2 · acknowledged · Wi-Fi is slow (with Bob Okafor)"
    ]
    assert daves[0].text == "You have no open tickets. /new raises one."
    assert chat.command("erin", "mine")[0].text == "You have no open tickets. /new raises one."


def test_ticket_shows_the_viewers_own_buttons(chat: Chat) -> None:
    reference = chat.raise_incident("alice")

    for_bob = shown(chat, "bob", reference)
    for_alice = shown(chat, "alice", reference)
    for_erin = shown(chat, "erin", reference)

    assert labels(for_bob) == ["Acknowledge", "Take", "Escalate"]
    assert labels(for_alice) == []
    assert labels(for_erin) == []
    assert for_bob.title == "INC-1 · P2 · VPN drops every hour"
    assert {b.value for b in for_bob.buttons} == {reference}


def test_ticket_shows_the_history_and_comments(chat: Chat, clock: ManualClock) -> None:
    reference = chat.raise_incident("alice")
    clock.advance(timedelta(minutes=5))
    press_as(chat, "bob", reference, "Acknowledge")
    clock.advance(timedelta(minutes=5))
    chat.command("bob", "comment", f"{reference} Looking at the concentrator")

    detail = shown(chat, "alice", reference)

    assert detail.text.splitlines() == [
        "It disconnects on the hour",
        "",
        "Comments:",
        "• Bob Okafor: Looking at the concentrator",
        "",
        "History:",
        "• 2026-11-23 09:00 Alice Martin: raised -> new",
        "• 2026-11-23 09:05 Bob Okafor: acknowledge -> acknowledged",
        "• 2026-11-23 09:10 Bob Okafor: commented",
    ]
    fields = {f.label: f.value for f in detail.fields}
    assert (fields["Status"], fields["Assignee"]) == ("acknowledged", "Bob Okafor")


def test_a_responder_comment_goes_to_the_thread_and_to_the_requester(chat: Chat) -> None:
    reference = chat.raise_incident("alice")
    chat.deliver()

    chat.command("bob", "comment", f"{reference} Is it every hour on the dot?")
    delivered = chat.deliver()

    assert routed(delivered) == {
        (IntentKind.THREAD_NOTE, AudienceKind.TEAM, "network"),
        (IntentKind.DIRECT_MESSAGE, AudienceKind.PERSON, "alice"),
    }
    assert {d.reply.text for d in delivered} == {
        "Bob Okafor commented: Is it every hour on the dot?"
    }


def test_a_requester_comment_goes_only_to_the_team_thread(chat: Chat) -> None:
    reference = chat.raise_incident("alice")
    chat.deliver()

    replies = chat.say("alice", "Yes, at :00 exactly", ticket=reference)
    delivered = chat.deliver()

    assert replies[0].text == "Added your comment to INC-1."
    assert routed(delivered) == {(IntentKind.THREAD_NOTE, AudienceKind.TEAM, "network")}
    assert delivered[0].reply.text == "Alice Martin commented: Yes, at :00 exactly"
    assert delivered[0].thread_root == f"{reference}@network"
