"""`/link PRB-3 INC-12`, `/unlink PRB-3 INC-12`, and `/problem INC-12 INC-14 title`: a problem
raised from the incidents it causes, linked to them at once."""

from handlers.cards import card_title
from handlers.context import HandlerContext
from handlers.events import InboundEvent, Reply, problem
from storage.enums import Level, TicketType
from workflows.errors import InvalidInput
from workflows.problems import link, unlink
from workflows.references import parse_reference
from workflows.tickets import NewTicket, load_ticket, raise_ticket
from workflows.unit_of_work import unit_of_work

LINK_USAGE = "Write it like /link PRB-3 INC-12."
PROBLEM_USAGE = "Write it like /problem INC-12 INC-14 VPN gateway runs out of memory."


def link_incident(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """Link the incident named second to the problem named first."""
    return _change_link(ctx, event, unlinking=False)


def unlink_incident(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """Undo a link."""
    return _change_link(ctx, event, unlinking=True)


def raise_problem(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """Raise a problem for the named incidents' service and link them to it."""
    words = event.text.split()
    incidents = []
    while words and _is_reference(words[0]):
        incidents.append(words.pop(0))
    title = " ".join(words)
    if not incidents or not title:
        return [problem(PROBLEM_USAGE)]
    now = ctx.clock.now()
    with unit_of_work(ctx.db) as session:
        first = load_ticket(session, incidents[0])
        new = NewTicket(
            TicketType.PROBLEM, first.service.key, title, "", Level(first.impact), Level.MEDIUM
        )
        raised = raise_ticket(session, ctx.settings, event.person, new, now)
        for incident in incidents:
            link(session, ctx.settings, event.person, raised.reference, incident, now)
    text = f"Raised {raised.reference} and linked {', '.join(incidents)} to it."
    return [Reply(title=card_title(raised), text=text, ticket=raised.reference, private=True)]


def _change_link(ctx: HandlerContext, event: InboundEvent, *, unlinking: bool) -> list[Reply]:
    words = event.text.split()
    if len(words) != 2:
        return [problem(LINK_USAGE.replace("/link", "/unlink") if unlinking else LINK_USAGE)]
    problem_ref, incident_ref = words
    change = unlink if unlinking else link
    with unit_of_work(ctx.db) as session:
        change(session, ctx.settings, event.person, problem_ref, incident_ref, ctx.clock.now())
    verb = "Unlinked" if unlinking else "Linked"
    return [Reply(text=f"{verb} {incident_ref.upper()} and {problem_ref.upper()}.", private=True)]


def _is_reference(word: str) -> bool:
    try:
        parse_reference(word)
    except InvalidInput:
        return False
    return True
