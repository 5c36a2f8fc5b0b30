"""The route table and `classify`: every intent has one route, every event one intent."""

from collections import Counter

import pytest

from handlers import raise_ticket
from handlers.cards import TAKE_ACTION, TICKET_ACTION
from handlers.context import HandlerContext
from handlers.events import EventKind, InboundEvent, Place, Reply
from handlers.router import COMMANDS, ROUTES, Intent, Route, Router, classify
from tests.support.chat import Chat
from workflows.lifecycle import Action

PLATFORM = "testchat"


def command(name: str, text: str = "") -> InboundEvent:
    return InboundEvent("alice", Place(PLATFORM), EventKind.COMMAND, name, text)


def press(action: str, value: str = "INC-1") -> InboundEvent:
    return InboundEvent("alice", Place(PLATFORM), EventKind.BUTTON, action, value)


def text(words: str, ticket: str | None = None) -> InboundEvent:
    return InboundEvent("alice", Place(PLATFORM, ticket=ticket), EventKind.TEXT, text=words)


def test_every_intent_has_exactly_one_route() -> None:
    counts = Counter(route.intent for route in ROUTES)

    assert counts == Counter(set(Intent))


def test_every_route_has_a_distinct_handler() -> None:
    handlers = [route.handler for route in ROUTES]

    assert len(set(handlers)) == len(handlers)


def test_every_command_names_an_intent_with_a_route() -> None:
    routed = {route.intent for route in ROUTES}

    assert set(COMMANDS.values()) <= routed
    assert Intent.UNKNOWN_COMMAND not in COMMANDS.values()


@pytest.mark.parametrize(
    ("name", "intent"),
    [
        ("start", Intent.START),
        ("help", Intent.HELP),
        ("new", Intent.NEW),
        ("mine", Intent.MINE),
        ("ticket", Intent.SHOW),
        ("comment", Intent.COMMENT),
        ("cancel", Intent.CANCEL),
        ("NEW", Intent.NEW),
        ("Help", Intent.HELP),
    ],
)
def test_commands_are_classified_by_name(name: str, intent: Intent) -> None:
    assert classify(command(name, "some text")) == intent


@pytest.mark.parametrize("name", ["frobnicate", "", "new2", "tickets", "as", "quit"])
def test_unknown_commands_are_classified_as_unknown(name: str) -> None:
    assert classify(command(name)) == Intent.UNKNOWN_COMMAND


def test_a_dialog_choice_button_answers_the_dialog() -> None:
    assert classify(press(raise_ticket.CHOOSE, "type=incident")) == Intent.DIALOG_ANSWER


@pytest.mark.parametrize("action", [*(a.value for a in Action), TAKE_ACTION])
def test_ticket_buttons_of_every_lifecycle_action_and_take(action: str) -> None:
    assert classify(press(f"{TICKET_ACTION}:{action}")) == Intent.TICKET_BUTTON


@pytest.mark.parametrize(
    "action",
    [
        "ticket:explode",
        "ticket:",
        "ticket",
        "ticket:ACKNOWLEDGE",
        "ticket:acknowledge:now",
        "evil:thing",
        "evil:acknowledge",
        "dialog:choose2",
        "",
    ],
)
def test_unknown_button_actions_are_classified_as_unknown(action: str) -> None:
    assert classify(press(action)) == Intent.UNKNOWN_BUTTON


def test_text_in_a_direct_conversation_answers_the_dialog() -> None:
    assert classify(text("VPN drops every hour")) == Intent.DIALOG_ANSWER


def test_text_in_a_ticket_thread_is_a_comment() -> None:
    assert classify(text("it is back", ticket="INC-1")) == Intent.COMMENT


def test_text_that_looks_like_a_command_in_a_thread_is_still_a_comment() -> None:
    assert classify(text("/resolve please", ticket="INC-1")) == Intent.COMMENT


def _recording_routes(seen: list[Intent]) -> tuple[Route, ...]:
    def route_for(intent: Intent) -> Route:
        def handler(_ctx: HandlerContext, _event: InboundEvent) -> list[Reply]:
            seen.append(intent)
            return [Reply(text=intent.value)]

        return Route(intent, handler)

    return tuple(route_for(intent) for intent in Intent)


@pytest.mark.parametrize(
    ("event", "intent"),
    [
        (command("help"), Intent.HELP),
        (command("nope"), Intent.UNKNOWN_COMMAND),
        (press("ticket:resolve"), Intent.TICKET_BUTTON),
        (press("evil:thing"), Intent.UNKNOWN_BUTTON),
        (text("hello"), Intent.DIALOG_ANSWER),
        (text("hello", ticket="INC-1"), Intent.COMMENT),
    ],
)
def test_the_router_runs_the_route_of_the_classified_intent(
    chat: Chat, event: InboundEvent, intent: Intent
) -> None:
    seen: list[Intent] = []
    router = Router(chat.desk.router.ctx, routes=_recording_routes(seen))

    replies = router.handle(event)

    assert seen == [intent]
    assert replies == [Reply(text=intent.value)]
