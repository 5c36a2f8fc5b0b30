"""The router: every intent has one route, in one table.

`classify` decides which intent an event is (pure); `Router.handle` runs its handler inside
the error policy: a domain error becomes a friendly reply, anything unexpected a reply with a
short reference that is also in the log, and a delivery seen before changes nothing.
"""

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from handlers import (
    assign,
    comment,
    dialogs,
    guide,
    home,
    my_tickets,
    priority,
    problems,
    raise_form,
    raise_ticket,
    show_ticket,
    ticket_actions,
)
from handlers.context import HandlerContext
from handlers.events import EventKind, InboundEvent, Reply, problem
from workflows.deliveries import first_delivery, forget_delivery
from workflows.errors import DomainError
from workflows.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

Handler = Callable[[HandlerContext, InboundEvent], list[Reply]]


class Intent(StrEnum):
    """What an inbound event asks for."""

    START = "start"
    HELP = "help"
    NEW = "new"
    NEW_CHANGE = "new_change"
    RAISE_FORM = "raise_form"
    FORM_PREVIEW = "form_preview"
    FORM_SUBMIT = "form_submit"
    REASON_FORM = "reason_form"
    HOME = "home"
    MINE = "mine"
    SHOW = "show"
    COMMENT = "comment"
    ASSIGN = "assign"
    PRIORITY = "priority"
    LINK = "link"
    UNLINK = "unlink"
    PROBLEM = "problem"
    CANCEL = "cancel"
    DIALOG_ANSWER = "dialog_answer"
    TICKET_BUTTON = "ticket_button"
    UNKNOWN_COMMAND = "unknown_command"
    UNKNOWN_BUTTON = "unknown_button"


@dataclass(frozen=True)
class Route:
    """One intent and the handler that serves it."""

    intent: Intent
    handler: Handler


ROUTES: tuple[Route, ...] = (
    Route(Intent.START, guide.greet),
    Route(Intent.HELP, guide.show_help),
    Route(Intent.NEW, raise_ticket.start),
    Route(Intent.NEW_CHANGE, raise_ticket.start_change),
    Route(Intent.RAISE_FORM, raise_form.open_form),
    Route(Intent.FORM_PREVIEW, raise_form.preview),
    Route(Intent.FORM_SUBMIT, raise_form.submit),
    Route(Intent.REASON_FORM, ticket_actions.submit_reason),
    Route(Intent.HOME, home.show_home),
    Route(Intent.MINE, my_tickets.list_mine),
    Route(Intent.SHOW, show_ticket.show),
    Route(Intent.COMMENT, comment.comment),
    Route(Intent.ASSIGN, assign.assign_ticket),
    Route(Intent.PRIORITY, priority.set_priority),
    Route(Intent.LINK, problems.link_incident),
    Route(Intent.UNLINK, problems.unlink_incident),
    Route(Intent.PROBLEM, problems.raise_problem),
    Route(Intent.CANCEL, dialogs.cancel),
    Route(Intent.DIALOG_ANSWER, dialogs.continue_dialog),
    Route(Intent.TICKET_BUTTON, ticket_actions.press),
    Route(Intent.UNKNOWN_COMMAND, guide.unknown_command),
    Route(Intent.UNKNOWN_BUTTON, guide.unknown_button),
)

COMMANDS: dict[str, Intent] = {
    "start": Intent.START,
    "help": Intent.HELP,
    "new": Intent.NEW,
    "change": Intent.NEW_CHANGE,
    "mine": Intent.MINE,
    "ticket": Intent.SHOW,
    "comment": Intent.COMMENT,
    "assign": Intent.ASSIGN,
    "priority": Intent.PRIORITY,
    "link": Intent.LINK,
    "unlink": Intent.UNLINK,
    "problem": Intent.PROBLEM,
    "cancel": Intent.CANCEL,
    "home": Intent.HOME,
}


def classify(event: InboundEvent) -> Intent:
    """Which intent an event expresses."""
    match event.kind:
        case EventKind.COMMAND:
            intent = COMMANDS.get(event.name.lower(), Intent.UNKNOWN_COMMAND)
            return Intent.RAISE_FORM if intent == Intent.NEW and event.place.forms else intent
        case EventKind.BUTTON:
            if event.name == raise_form.OPEN:
                return Intent.RAISE_FORM
            if event.name == raise_ticket.CHOOSE:
                return Intent.DIALOG_ANSWER
            if ticket_actions.is_ticket_button(event.name):
                return Intent.TICKET_BUTTON
            return Intent.UNKNOWN_BUTTON
        case EventKind.TEXT:
            return Intent.COMMENT if event.place.ticket else Intent.DIALOG_ANSWER
        case EventKind.FORM_CHANGE:
            return Intent.FORM_PREVIEW
        case EventKind.FORM_SUBMIT:
            if event.name == ticket_actions.REASON_FORM:
                return Intent.REASON_FORM
            return Intent.FORM_SUBMIT


class Router:
    """Dispatches events to their routes under the error policy."""

    def __init__(
        self,
        ctx: HandlerContext,
        on_handled: Callable[[str, float], None] | None = None,
        routes: tuple[Route, ...] = ROUTES,
    ) -> None:
        self.ctx = ctx
        self._on_handled = on_handled
        self._routes = {route.intent: route.handler for route in routes}

    def handle(self, event: InboundEvent) -> list[Reply]:
        """Handle one event and return the replies for the person who sent it."""
        started = time.perf_counter()
        intent = classify(event)
        try:
            return self._handle(intent, event)
        finally:
            if self._on_handled is not None:
                self._on_handled(intent.value, time.perf_counter() - started)

    def _handle(self, intent: Intent, event: InboundEvent) -> list[Reply]:
        try:
            if event.delivery_id is not None and not self._first_time(event):
                return []
            return self._routes[intent](self.ctx, event)
        except DomainError as refusal:
            return [problem(str(refusal))]
        except Exception:
            reference = secrets.token_hex(4)
            log.exception("unexpected error handling %s event (ref %s)", event.kind, reference)
            self._forget(event)
            return [
                problem(
                    f"Something went wrong on our side (reference {reference}). Nothing was "
                    "changed; please try again, and give the reference to your admins if it "
                    "happens again."
                )
            ]

    def _first_time(self, event: InboundEvent) -> bool:
        assert event.delivery_id is not None
        with unit_of_work(self.ctx.db) as session:
            now = self.ctx.clock.now()
            return first_delivery(session, event.place.platform, event.delivery_id, now)

    def _forget(self, event: InboundEvent) -> None:
        if event.delivery_id is None:
            return
        try:
            with unit_of_work(self.ctx.db) as session:
                forget_delivery(session, event.place.platform, event.delivery_id)
        except DomainError:
            log.warning("could not forget delivery %s after an error", event.delivery_id)
