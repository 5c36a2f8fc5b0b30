"""Ticket buttons: lifecycle moves (Acknowledge, Resolve, Reopen, …), Take and Escalate.

A button press names its action and carries the ticket reference; everything is checked again
by the domain, so a stale or forged press changes nothing. A move that needs a reason asks for
it first (typed, or in a form where the platform shows forms), holding the question as a
dialog so it survives a restart.
"""

from dataclasses import replace

from sqlalchemy.orm import Session

from handlers.cards import (
    ESCALATE_ACTION,
    RESOLVE_LINKED_ACTION,
    TAKE_ACTION,
    TICKET_ACTION,
    card_title,
)
from handlers.context import HandlerContext
from handlers.dialog_state import dialog_key
from handlers.events import EventKind, Form, InboundEvent, Input, Reply, problem
from handlers.labels import ACTION_LABELS, status_label
from storage.enums import TicketStatus
from workflows.dialogs import Dialog, load_dialog, save_dialog, take_dialog
from workflows.errors import DomainError, InvalidInput
from workflows.lifecycle import TRANSITIONS, Action
from workflows.problems import resolve_linked
from workflows.references import parse_reference
from workflows.tickets import NOTE_MAX, act, check_allowed, escalate, take
from workflows.unit_of_work import unit_of_work
from workflows.views import TicketView

DIALOG = "reason"
REASON_FORM = "reason"
_NEEDS_NOTE = frozenset(
    row.action for rows in TRANSITIONS.values() for row in rows if row.needs_note
)


def is_ticket_button(name: str) -> bool:
    """Whether a button's action is one of ours: `ticket:<lifecycle action, take, escalate>`."""
    kind, _, action = name.partition(":")
    return kind == TICKET_ACTION and (
        action in (TAKE_ACTION, ESCALATE_ACTION, RESOLVE_LINKED_ACTION)
        or action in Action.__members__.values()
    )


def press(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """Apply the pressed button's move to the ticket in its value."""
    action = event.name.partition(":")[2]
    reference = str(parse_reference(event.text))
    now = ctx.clock.now()
    with unit_of_work(ctx.db) as session:
        if action == TAKE_ACTION:
            ticket = take(session, ctx.settings, event.person, reference, now)
            return [_done(ticket, f"You took {ticket.reference}.")]
        if action == RESOLVE_LINKED_ACTION:
            return [
                _resolved_linked(
                    *resolve_linked(session, ctx.settings, event.person, reference, now)
                )
            ]
        if action == ESCALATE_ACTION:
            ticket, level = escalate(session, ctx.settings, event.person, reference, now)
            return [_done(ticket, f"Escalated {ticket.reference} to level {level}.")]
        move = Action(action)
        if move in _NEEDS_NOTE:
            return _ask_reason(ctx, session, event, move, reference)
        return [_moved(act(session, ctx.settings, event.person, reference, move, now))]


def on_reason(
    ctx: HandlerContext, session: Session, event: InboundEvent, dialog: Dialog
) -> list[Reply]:
    """Apply the held move with the reason just typed (the dialog was taken out of the
    store); a refused move ends the question, a missing or too long reason is asked for again
    (the question is saved again)."""
    if event.kind != EventKind.TEXT or not event.text.strip():
        return _ask_again(ctx, session, event, dialog, "Please type the reason, or /cancel.")
    move, reference = Action(dialog.data["action"]), dialog.data["reference"]
    try:
        with session.begin_nested():
            ticket = act(
                session,
                ctx.settings,
                event.person,
                reference,
                move,
                ctx.clock.now(),
                note=event.text,
            )
    except InvalidInput as refusal:
        again = f"{refusal} Please type it again, or /cancel."
        return _ask_again(ctx, session, event, dialog, again)
    except DomainError as refusal:
        return [problem(str(refusal))]
    return [_moved(ticket)]


def _ask_again(
    ctx: HandlerContext, session: Session, event: InboundEvent, dialog: Dialog, text: str
) -> list[Reply]:
    save_dialog(session, dialog_key(event), dialog, ctx.clock.now())
    return [problem(text)]


def _ask_reason(
    ctx: HandlerContext, session: Session, event: InboundEvent, move: Action, reference: str
) -> list[Reply]:
    check_allowed(session, event.person, reference, move)
    current = load_dialog(session, dialog_key(event))
    if current is not None and current.name != DIALOG:
        return [
            problem("Please finish what you are doing first (or /cancel it), then press again.")
        ]
    data = {"action": move.value, "reference": reference}
    save_dialog(session, dialog_key(event), Dialog(DIALOG, "reason", data), ctx.clock.now())
    if event.place.forms:
        return [Reply(form=_reason_form(move, reference), private=True)]
    return [Reply(text=f"{ACTION_LABELS[move]} {reference}: please type the reason (or /cancel).")]


def submit_reason(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """The reason form: apply the held move with the reason given (as if typed)."""
    typed = replace(event, kind=EventKind.TEXT, text=dict(event.values).get("reason", ""))
    with unit_of_work(ctx.db) as session:
        dialog = take_dialog(session, dialog_key(typed))
        if dialog is not None and dialog.name != DIALOG:  # another dialog: put it back
            save_dialog(session, dialog_key(typed), dialog, ctx.clock.now())
        if dialog is None or dialog.name != DIALOG:
            return [problem("That reason was already given or cancelled; nothing was changed.")]
        return on_reason(ctx, session, typed, dialog)


def _reason_form(move: Action, reference: str) -> Form:
    reason = Input("reason", "Reason", max_length=NOTE_MAX, multiline=True)
    return Form(REASON_FORM, f"{ACTION_LABELS[move]} {reference}", "Save", (reason,))


def _resolved_linked(resolved: list[TicketView], refused: list[str]) -> Reply:
    done = ", ".join(ticket.reference for ticket in resolved)
    if not done:
        done = "none" if refused else "none (all were done already)"
    text = f"Resolved the linked incidents: {done}."
    if refused:
        text += " Not resolved: " + "; ".join(refused)
    return Reply(text=text, private=True, problem=bool(refused) and not resolved)


def _moved(ticket: TicketView) -> Reply:
    if ticket.status == TicketStatus.AWAITING_APPROVAL:  # a vote that did not decide yet
        return _done(ticket, f"Your vote is counted; {ticket.reference} still awaits approval.")
    return _done(ticket, f"{ticket.reference} is now {status_label(ticket.status)}.")


def _done(ticket: TicketView, text: str) -> Reply:
    return Reply(title=card_title(ticket), text=text, ticket=ticket.reference, private=True)
