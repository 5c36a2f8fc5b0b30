"""A person's home: their open tickets, what awaits their approval, their teams' queue."""

from handlers.cards import ticket_line
from handlers.context import HandlerContext
from handlers.events import InboundEvent, Reply
from workflows.queues import awaiting_my_approval, my_teams_queue
from workflows.tickets import my_tickets
from workflows.unit_of_work import unit_of_work
from workflows.views import TicketView


def show_home(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """Three lists, each a reply; an empty list says so."""
    with unit_of_work(ctx.db, read_only=True) as session:
        mine = my_tickets(session, event.person)
        approvals = awaiting_my_approval(session, event.person)
        queue = my_teams_queue(session, event.person)
    return [
        _listing("Your open tickets", mine, "You have no open tickets."),
        _listing("Awaiting your approval", approvals, "Nothing awaits your approval."),
        _listing("Your team's queue", queue, "Your teams' queues are empty."),
    ]


def _listing(title: str, tickets: list[TicketView], empty: str) -> Reply:
    text = "\n".join(ticket_line(ticket) for ticket in tickets)
    return Reply(title=title, text=text or empty, private=True)
