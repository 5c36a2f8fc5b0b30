"""`/mine`: the person's open tickets, raised by or assigned to them."""

from handlers.cards import ticket_line
from handlers.context import HandlerContext
from handlers.events import InboundEvent, Reply
from workflows.tickets import my_tickets
from workflows.unit_of_work import unit_of_work


def list_mine(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """List the person's open tickets, newest first."""
    with unit_of_work(ctx.db, read_only=True) as session:
        tickets = my_tickets(session, event.person)
    if not tickets:
        return [Reply(text="You have no open tickets. /new raises one.", private=True)]
    lines = [ticket_line(ticket) for ticket in tickets]
    return [Reply(title="Your open tickets", text="\n".join(lines), private=True)]
