"""Bad, forged and unexpected input: a friendly refusal, and nothing changed."""

import logging
import re

import pytest
from sqlalchemy import func, select

from handlers.context import HandlerContext
from handlers.events import Button, EventKind, InboundEvent, Place, Reply
from handlers.guide import HELP_TEXT
from handlers.router import ROUTES, Intent, Route, Router
from storage.enums import IntentKind, TicketStatus
from storage.models import AuditEvent, Comment, InboundDelivery
from tests.support.chat import PLATFORM, Chat, button
from workflows.unit_of_work import unit_of_work

UNRECOGNISED_BUTTON = (
    "That button is not one I recognise, so nothing was changed. "
    "Use /ticket INC-12 to see a ticket's current buttons."
)


def audit_count(chat: Chat) -> int:
    with unit_of_work(chat.desk.db) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def comment_count(chat: Chat) -> int:
    with unit_of_work(chat.desk.db) as session:
        return session.scalar(select(func.count()).select_from(Comment)) or 0


def card_of(chat: Chat) -> Reply:
    """The newest card the desk delivered."""
    return [d for d in chat.deliver() if d.kind == IntentKind.CARD][-1].reply


def only_refusal(replies: list[Reply]) -> Reply:
    assert len(replies) == 1
    assert replies[0].problem and replies[0].private
    return replies[0]


def test_an_unknown_command_is_named_and_the_help_shown(chat: Chat) -> None:
    replies = chat.command("alice", "frobnicate", "now")

    assert replies[0].problem
    assert replies[0].text == "I do not know the command /frobnicate. Here is what I understand:"
    assert replies[1].text == HELP_TEXT
    assert len(replies) == 2


def test_an_unknown_command_name_is_cut_short(chat: Chat) -> None:
    replies = chat.command("alice", "a" * 5_000)

    assert replies[0].text == f"I do not know the command /{'a' * 40}. Here is what I understand:"


def test_showing_an_unknown_ticket(chat: Chat) -> None:
    refusal = only_refusal(chat.command("alice", "ticket", "INC-999"))

    assert refusal.text == "No such ticket: INC-999."


def test_showing_garbage_names_the_reference_format(chat: Chat) -> None:
    refusal = only_refusal(chat.command("alice", "ticket", "garbage"))

    assert refusal.text == (
        "'garbage' is not a ticket reference; write it like INC-12, REQ-7, ACC-3, CHG-5 or PRB-2."
    )


def test_showing_without_a_reference_asks_which(chat: Chat) -> None:
    refusal = only_refusal(chat.command("alice", "ticket"))

    assert refusal.text == "Which ticket? Write it like /ticket INC-12."


def test_a_reference_of_the_wrong_type_is_no_such_ticket(chat: Chat) -> None:
    chat.raise_incident("alice")

    refusal = only_refusal(chat.command("alice", "ticket", "REQ-1"))

    assert refusal.text == "No such ticket: REQ-1."


@pytest.mark.parametrize(
    ("action", "value", "message"),
    [
        ("ticket:acknowledge", "INC-999", "No such ticket: INC-999."),
        ("ticket:acknowledge", "REQ-1", "No such ticket: REQ-1."),
        ("ticket:take", "REQ-1", "No such ticket: REQ-1."),
        ("ticket:explode", "INC-1", UNRECOGNISED_BUTTON),
        ("evil:thing", "INC-1", UNRECOGNISED_BUTTON),
        (
            "ticket:acknowledge",
            "INC-1; DROP TABLE tickets",
            "'INC-1; DROP TABLE tickets' is not a ticket reference; "
            "write it like INC-12, REQ-7, ACC-3, CHG-5 or PRB-2.",
        ),
        ("ticket:approve", "INC-1", "You cannot approve a ticket that is new."),
        ("ticket:resolve", "INC-1", "You cannot resolve a ticket that is new."),
    ],
)
def test_a_forged_button_is_refused_and_changes_nothing(
    chat: Chat, action: str, value: str, message: str
) -> None:
    reference = chat.raise_incident("alice")
    chat.deliver()
    assert (reference, audit_count(chat)) == ("INC-1", 1)

    refusal = only_refusal(
        chat.press("bob", Button(label="Acknowledge", action=action, value=value))
    )

    assert refusal.text == message
    assert audit_count(chat) == 1
    assert chat.status_of(reference) == TicketStatus.NEW
    assert chat.deliver() == []


def test_an_employee_cannot_resolve_her_own_incident(chat: Chat) -> None:
    reference = chat.raise_incident("alice")
    chat.press("bob", button([card_of(chat)], "Acknowledge"))
    resolve = button([card_of(chat)], "Resolve")
    audits = audit_count(chat)

    refusal = only_refusal(chat.press("alice", resolve))

    assert refusal.text == "Only the team that owns this ticket can resolve it."
    assert chat.status_of(reference) == TicketStatus.ACKNOWLEDGED
    assert audit_count(chat) == audits
    assert chat.deliver() == []


def test_a_responder_of_another_team_cannot_take_the_ticket(chat: Chat) -> None:
    reference = chat.raise_incident("alice")

    refusal = only_refusal(chat.press("erin", button([card_of(chat)], "Take")))

    assert refusal.text == "Only the team that owns this ticket can take it."
    assert audit_count(chat) == 1
    assert chat.status_of(reference) == TicketStatus.NEW


def test_an_empty_comment_is_refused(chat: Chat) -> None:
    reference = chat.raise_incident("alice")

    by_command = only_refusal(chat.command("alice", "comment", f"{reference}    "))
    in_thread = only_refusal(chat.say("alice", "   ", ticket=reference))

    assert by_command.text == in_thread.text == "The comment cannot be empty."
    assert comment_count(chat) == 0
    assert audit_count(chat) == 1


def test_a_comment_without_a_reference_asks_which_ticket(chat: Chat) -> None:
    refusal = only_refusal(chat.command("alice", "comment"))

    assert refusal.text == "Which ticket? Write it like /comment INC-12 the printer is back."


def test_a_comment_from_an_outsider_is_refused(chat: Chat) -> None:
    reference = chat.raise_incident("alice")

    refusal = only_refusal(chat.command("erin", "comment", f"{reference} me too"))

    assert refusal.text == "Only the requester and the owning team can comment on this ticket."
    assert comment_count(chat) == 0


def test_a_comment_on_a_closed_ticket_is_refused(chat: Chat) -> None:
    reference = chat.raise_incident("alice")
    chat.press("bob", button([card_of(chat)], "Acknowledge"))
    chat.press("bob", button([card_of(chat)], "Resolve"))
    chat.press("alice", button([card_of(chat)], "Close"))
    assert chat.status_of(reference) == TicketStatus.CLOSED
    audits = audit_count(chat)

    refusal = only_refusal(chat.command("alice", "comment", f"{reference} still broken"))

    assert refusal.text == "INC-1 is closed; please raise a new ticket."
    assert comment_count(chat) == 0
    assert audit_count(chat) == audits


def test_a_duplicate_delivery_is_handled_once(chat: Chat) -> None:
    reference = chat.raise_incident("alice")
    event = InboundEvent(
        "alice",
        Place(PLATFORM),
        EventKind.COMMAND,
        "comment",
        f"{reference} it dropped again",
        delivery_id="update-41",
    )

    first = chat.send(event)
    second = chat.send(event)

    assert [reply.text for reply in first] == ["Added your comment to INC-1."]
    assert second == []
    assert comment_count(chat) == 1


def test_the_same_delivery_id_on_another_platform_is_not_a_duplicate(chat: Chat) -> None:
    reference = chat.raise_incident("alice")

    def comment(platform: str) -> InboundEvent:
        place = Place(platform)
        text = f"{reference} again"
        return InboundEvent("alice", place, EventKind.COMMAND, "comment", text, "same-id")

    chat.send(comment(PLATFORM))
    replies = chat.send(comment("otherchat"))

    assert [reply.text for reply in replies] == ["Added your comment to INC-1."]
    assert comment_count(chat) == 2


def _exploding(_ctx: HandlerContext, _event: InboundEvent) -> list[Reply]:
    raise RuntimeError("the handler fell over")


def test_an_unexpected_error_without_a_delivery_id_is_reported_and_changes_nothing(
    chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    routes = tuple(Route(r.intent, _exploding) if r.intent == Intent.MINE else r for r in ROUTES)
    router = Router(chat.desk.router.ctx, routes=routes)

    with caplog.at_level(logging.ERROR, logger="handlers.router"):
        replies = router.handle(InboundEvent("alice", Place(PLATFORM), EventKind.COMMAND, "mine"))

    refusal = only_refusal(replies)
    found = re.search(r"reference ([0-9a-f]{8})\)", refusal.text)
    assert found is not None
    assert f"(ref {found.group(1)})" in caplog.text
    assert audit_count(chat) == 0


def test_an_unexpected_error_becomes_a_reply_with_a_logged_reference(
    chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    routes = tuple(Route(r.intent, _exploding) if r.intent == Intent.HELP else r for r in ROUTES)
    router = Router(chat.desk.router.ctx, routes=routes)
    event = InboundEvent("alice", Place(PLATFORM), EventKind.COMMAND, "help", delivery_id="d-9")

    with caplog.at_level(logging.ERROR, logger="handlers.router"):
        replies = router.handle(event)

    refusal = only_refusal(replies)
    found = re.search(r"reference ([0-9a-f]{8})\)", refusal.text)
    assert found is not None
    assert refusal.text.startswith("Something went wrong on our side")
    assert found.group(1) in caplog.text
    assert "the handler fell over" in caplog.text
    with unit_of_work(chat.desk.db) as session:
        remembered = session.scalar(select(func.count()).select_from(InboundDelivery))
    assert remembered == 0
    assert only_refusal(router.handle(event)).text.startswith("Something went wrong")


def test_a_domain_error_keeps_the_delivery_so_a_retry_is_dropped(chat: Chat) -> None:
    event = InboundEvent(
        "alice", Place(PLATFORM), EventKind.COMMAND, "ticket", "INC-999", delivery_id="d-10"
    )

    assert only_refusal(chat.send(event)).text == "No such ticket: INC-999."
    assert chat.send(event) == []


def test_text_when_no_dialog_is_active(chat: Chat) -> None:
    replies = chat.say("alice", "hello?")

    assert replies == [
        Reply(
            text="I am not waiting for an answer from you. /new raises a ticket; "
            "/help lists everything.",
            private=True,
        )
    ]


def test_a_dialog_button_when_no_dialog_is_active(chat: Chat) -> None:
    stale = Button(label="Incident", action="dialog:choose", value="type=incident")

    replies = chat.press("alice", stale)

    assert replies[0].text.startswith("I am not waiting for an answer from you.")
    assert audit_count(chat) == 0


def test_an_unknown_person_gets_a_refusal_not_a_crash(chat: Chat) -> None:
    replies = chat.command("mallory", "mine")

    assert len(replies) == 1
    assert replies[0].problem
    assert not replies[0].text.startswith("Something went wrong")


@pytest.mark.parametrize("reference", ["INC-2147483648", "INC-999999999999"])
def test_a_reference_beyond_any_ticket_id_is_no_such_ticket(chat: Chat, reference: str) -> None:
    shown = chat.command("alice", "ticket", reference)
    commented = chat.command("alice", "comment", f"{reference} hello")

    assert [shown[0].text, commented[0].text] == [f"No such ticket: {reference}."] * 2


def test_a_nul_character_in_text_is_dropped_not_fatal(chat: Chat) -> None:
    reference = chat.raise_incident("alice")

    replies = chat.command("alice", "comment", f"{reference} hello\x00world")

    assert replies[0].text == f"Added your comment to {reference}."
    with unit_of_work(chat.desk.db) as session:
        body = session.scalar(select(Comment.body))
    assert body == "helloworld"
