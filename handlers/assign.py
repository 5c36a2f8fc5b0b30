"""`/assign INC-12 dave`: give a ticket to a member of its owning team."""

from handlers.cards import card_title
from handlers.context import HandlerContext
from handlers.events import InboundEvent, Reply, problem
from workflows.tickets import assign
from workflows.unit_of_work import unit_of_work


def assign_ticket(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """Assign the ticket named first in the text to the person named second."""
    words = event.text.split()
    if len(words) != 2:
        return [problem("Write it like /assign INC-12 dave.")]
    reference, assignee = words[0], words[1].lower()
    with unit_of_work(ctx.db) as session:
        ticket = assign(session, ctx.settings, event.person, reference, assignee, ctx.clock.now())
    name = ticket.assignee.name if ticket.assignee else assignee
    text = f"{ticket.reference} is now assigned to {name}."
    return [Reply(title=card_title(ticket), text=text, ticket=ticket.reference, private=True)]
