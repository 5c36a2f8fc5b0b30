"""`/priority INC-12 high low`: set a ticket's impact and urgency; its priority and SLA follow."""

from handlers.cards import card_fields, card_title
from handlers.context import HandlerContext
from handlers.events import InboundEvent, Reply, problem
from storage.enums import Level
from workflows.tickets import reprioritise
from workflows.unit_of_work import unit_of_work

USAGE = "Write it like /priority INC-12 high low (impact, then urgency: high, medium or low)."


def set_priority(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """Apply the impact and urgency named after the reference."""
    words = event.text.lower().split()
    levels = {level.value for level in Level}
    if len(words) != 3 or not {words[1], words[2]} <= levels:
        return [problem(USAGE)]
    now = ctx.clock.now()
    with unit_of_work(ctx.db) as session:
        ticket = reprioritise(
            session, ctx.settings, event.person, words[0], Level(words[1]), Level(words[2]), now
        )
    return [
        Reply(
            title=card_title(ticket),
            text=f"{ticket.reference} is now {ticket.priority}.",
            fields=card_fields(ticket, now),
            ticket=ticket.reference,
            private=True,
        )
    ]
