"""Free text and choices go to the dialog the person is in; `/cancel` leaves it."""

from collections.abc import Callable

from sqlalchemy.orm import Session

from handlers import raise_form, raise_ticket, ticket_actions
from handlers.context import HandlerContext
from handlers.dialog_state import dialog_key
from handlers.events import InboundEvent, Reply, problem
from workflows.dialogs import Dialog, end_dialog, load_dialog, take_dialog
from workflows.unit_of_work import unit_of_work

DialogHandler = Callable[[HandlerContext, Session, InboundEvent, Dialog], list[Reply]]
CROSSED = "Two of your answers crossed; I took the other one. Please answer the latest question."

DIALOGS: dict[str, DialogHandler] = {
    raise_ticket.DIALOG: raise_ticket.on_reply,
    ticket_actions.DIALOG: ticket_actions.on_reason,
}


def continue_dialog(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """Hand the answer to the dialog in progress, taken out of the store (its handler saves
    it again to go on), or explain there is none (where forms are shown, offer to raise a
    ticket about the text instead)."""
    with unit_of_work(ctx.db) as session:
        dialog = take_dialog(session, dialog_key(event))
        if dialog is None and load_dialog(session, dialog_key(event)) is not None:
            return [problem(CROSSED)]  # PostgreSQL: another answer took it and saved it again
        if dialog is None and event.place.forms and event.text.strip():
            return [raise_form.offer(event.text)]
        if dialog is None:
            return [
                Reply(
                    text="I am not waiting for an answer from you. /new raises a ticket; "
                    "/help lists everything.",
                    private=True,
                )
            ]
        return DIALOGS[dialog.name](ctx, session, event, dialog)


def cancel(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """Leave the dialog in progress."""
    with unit_of_work(ctx.db) as session:
        ended = end_dialog(session, dialog_key(event))
    return [Reply(text="Cancelled." if ended else "There was nothing to cancel.", private=True)]
