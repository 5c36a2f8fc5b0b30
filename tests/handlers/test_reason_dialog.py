"""A move that needs a reason: asked only when allowed, typed only, never over another dialog."""

from handlers.events import Button, EventKind, InboundEvent, Place
from handlers.ticket_actions import REASON_FORM
from storage.enums import TicketStatus
from tests.support.chat import PLATFORM, Chat


def _in_progress(chat: Chat) -> str:
    reference = chat.raise_incident("alice")
    chat.press("bob", Button("Acknowledge", "ticket:acknowledge", reference))
    chat.press("bob", Button("Start work", "ticket:start", reference))
    return reference


def _wait(reference: str) -> Button:
    return Button("Wait on requester", "ticket:wait", reference)


def test_someone_who_may_not_is_refused_before_being_asked(chat: Chat) -> None:
    reference = _in_progress(chat)

    replies = chat.press("erin", _wait(reference))
    answer = chat.say("erin", "because")

    assert replies[0].text == "Only the team that owns this ticket can wait it."
    assert answer[0].text.startswith("I am not waiting for an answer from you.")
    assert chat.status_of(reference) == TicketStatus.IN_PROGRESS


def test_a_button_is_not_taken_as_the_reason(chat: Chat) -> None:
    reference = _in_progress(chat)
    chat.press("bob", _wait(reference))

    pressed = chat.press("bob", Button("Skip", "dialog:choose", "description="))
    held = chat.status_of(reference)
    applied = chat.say("bob", "Which office are you in?")

    assert pressed[0].text == "Please type the reason, or /cancel."
    assert held == TicketStatus.IN_PROGRESS
    assert applied[0].text == f"{reference} is now waiting on requester."


def test_a_reason_move_does_not_replace_a_raise_dialog_in_progress(chat: Chat) -> None:
    reference = _in_progress(chat)
    chat.command("bob", "new")
    chat.say("bob", "Incident")

    refused = chat.press("bob", _wait(reference))
    next_question = chat.say("bob", "VPN")

    assert refused[0].problem
    assert refused[0].text.startswith("Please finish what you are doing first")
    assert next_question[0].text.startswith("In one line, what is wrong")


def test_a_reason_over_the_limit_is_asked_for_again(chat: Chat) -> None:
    reference = _in_progress(chat)
    chat.press("bob", _wait(reference))

    too_long = chat.say("bob", "x" * 2_001)
    applied = chat.say("bob", "Which office are you in?")

    assert too_long[0].text == (
        "The reason is limited to 2,000 characters; yours has 2,001. "
        "Please type it again, or /cancel."
    )
    assert applied[0].text == f"{reference} is now waiting on requester."
    assert chat.status_of(reference) == TicketStatus.WAITING_ON_REQUESTER


def _reason_form(reason: str) -> InboundEvent:
    values = (("reason", reason),)
    return InboundEvent("bob", Place(PLATFORM), EventKind.FORM_SUBMIT, REASON_FORM, values=values)


def test_a_blank_reason_form_is_asked_for_again(chat: Chat) -> None:
    reference = _in_progress(chat)
    chat.press("bob", _wait(reference))

    blank = chat.send(_reason_form("  "))
    applied = chat.send(_reason_form("Which office are you in?"))

    assert blank[0].text == "Please type the reason, or /cancel."
    assert applied[0].text == f"{reference} is now waiting on requester."


def test_a_reason_form_leaves_another_dialog_where_it_was(chat: Chat) -> None:
    chat.command("bob", "new")
    chat.say("bob", "Incident")

    refused = chat.send(_reason_form("late"))
    next_question = chat.say("bob", "VPN")

    assert refused[0].text == "That reason was already given or cancelled; nothing was changed."
    assert next_question[-1].text.startswith("In one line, what is wrong")
