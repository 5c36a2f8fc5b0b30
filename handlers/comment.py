"""Comments: `/comment INC-12 text`, or a reply in the ticket's thread."""

from handlers.context import HandlerContext
from handlers.events import InboundEvent, Reply, problem
from workflows.tickets import add_comment
from workflows.unit_of_work import unit_of_work


def comment(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """Add the event's text as a comment on its ticket (from the thread, or the first word)."""
    reference, body = event.place.ticket, event.text
    if reference is None:
        reference, _, body = event.text.strip().partition(" ")
    if not reference:
        return [problem("Which ticket? Write it like /comment INC-12 the printer is back.")]
    with unit_of_work(ctx.db) as session:
        ticket = add_comment(session, ctx.settings, event.person, reference, body, ctx.clock.now())
    return [
        Reply(
            text=f"Added your comment to {ticket.reference}.", ticket=ticket.reference, private=True
        )
    ]
