"""`/ticket INC-12`: one ticket, its latest comments and history, and the viewer's buttons."""

from handlers.cards import card_buttons, card_fields, card_title
from handlers.context import HandlerContext
from handlers.events import InboundEvent, Reply, problem
from handlers.labels import status_label
from storage.enums import TicketType, Vote
from workflows.approvals import ApprovalState
from workflows.directory import actor_for, load_person
from workflows.tickets import ticket_detail
from workflows.unit_of_work import unit_of_work
from workflows.views import HistoryEntry

SHOWN_COMMENTS = 5
SHOWN_HISTORY = 8


def show(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """Show the ticket named in the command's text."""
    if not event.text.strip():
        return [problem("Which ticket? Write it like /ticket INC-12.")]
    with unit_of_work(ctx.db, read_only=True) as session:
        detail = ticket_detail(session, ctx.settings, event.text.split()[0])
        actor = actor_for(session, load_person(session, event.person))
    ticket = detail.ticket
    lines = [ticket.description] if ticket.description else []
    if detail.comments:
        lines.append("\nComments:")
        lines += [f"• {c.author.name}: {c.body}" for c in detail.comments[-SHOWN_COMMENTS:]]
    if detail.linked:
        label = "Linked incidents" if ticket.ticket_type == TicketType.PROBLEM else "Problem"
        lines.append(f"\n{label}: {', '.join(detail.linked)}")
    if detail.approval is not None:
        lines += approval_lines(detail.approval)
    lines.append("\nHistory:")
    lines += [_history_line(entry) for entry in detail.history[-SHOWN_HISTORY:]]
    may_take = (
        ticket.facts.team_id in actor.team_ids
        and ticket.closed_at is None
        and (ticket.assignee is None or ticket.assignee.key != event.person)
    )
    return [
        Reply(
            title=card_title(ticket),
            text="\n".join(lines),
            fields=card_fields(ticket, ctx.clock.now()),
            buttons=card_buttons(ticket, actor, may_take=may_take),
            ticket=ticket.reference,
            private=True,
        )
    ]


def approval_lines(state: ApprovalState) -> list[str]:
    """`Approval (2 of 3 approvals needed):` then each vote and who is still to vote; an access
    request names its stage: `Approval, service owner stage (1 of 1 approvals needed):`."""
    stage = f", {state.stage} stage" if state.stage else ""
    lines = [f"\nApproval{stage} ({state.rule}):"]
    for name, vote, note in state.votes:
        verb = "approved" if vote == Vote.APPROVE else "rejected"
        lines.append(f"• {name} {verb}" + (f": {note}" if note else ""))
    if state.pending:
        lines.append(f"• waiting for {', '.join(state.pending)}")
    return lines


def _history_line(entry: HistoryEntry) -> str:
    who = entry.actor.name if entry.actor else "Deskbot"
    when = entry.created_at.strftime("%Y-%m-%d %H:%M")
    move = f" -> {status_label(entry.to_status)}" if entry.to_status else ""
    detail = f" ({entry.detail})" if entry.detail else ""
    return f"• {when} {who}: {entry.action.replace('_', ' ')}{move}{detail}"
