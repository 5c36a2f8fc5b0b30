"""The ticket card: what a team channel and `/ticket INC-12` show of one ticket."""

from datetime import datetime, timedelta

from handlers.events import Button, Field, Reply
from handlers.labels import (
    ACTION_LABELS,
    CHANGE_KIND_LABELS,
    ESCALATE_LABEL,
    LEVEL_LABELS,
    TAKE_LABEL,
    TYPE_LABELS,
    status_label,
)
from storage.enums import TicketStatus
from workflows.lifecycle import Actor, Who, available_actions, moves_from
from workflows.views import TicketView

TICKET_ACTION = "ticket"
TAKE_ACTION = "take"
ESCALATE_ACTION = "escalate"
RESOLVE_LINKED_ACTION = "resolve_linked"


def action_button(action: str, label: str, reference: str) -> Button:
    """A button whose press comes back as `ticket:<action>` with the reference as its value."""
    return Button(label=label, action=f"{TICKET_ACTION}:{action}", value=reference)


def card_title(ticket: TicketView) -> str:
    """`INC-12 · P2 · VPN drops every hour`."""
    return f"{ticket.reference} · {ticket.priority} · {ticket.title}"


def card_fields(ticket: TicketView, now: datetime) -> tuple[Field, ...]:
    """The ticket's facts as labelled fields, with the time left on its SLA clocks at `now`."""
    fields = [
        Field("Type", TYPE_LABELS[ticket.ticket_type]),
        Field("Status", status_label(ticket.status)),
        Field(
            "Priority",
            f"{ticket.priority} (impact {LEVEL_LABELS[ticket.impact].lower()}, "
            f"urgency {LEVEL_LABELS[ticket.urgency].lower()})",
        ),
        Field("Service", f"{ticket.service} ({ticket.team_name})"),
        Field("Requester", ticket.requester.name),
        Field("Assignee", ticket.assignee.name if ticket.assignee else "nobody yet"),
    ]
    fields += change_fields(ticket) + access_fields(ticket)
    if ticket.response_due_at and ticket.acknowledged_at is None and ticket.closed_at is None:
        fields.append(Field("Response due", due_text(ticket.response_due_at, now)))
    if ticket.resolution_due_at and ticket.resolved_at is None and ticket.closed_at is None:
        text = "paused" if ticket.sla_paused else due_text(ticket.resolution_due_at, now)
        fields.append(Field("Resolution due", text))
    return tuple(fields)


def change_fields(ticket: TicketView) -> list[Field]:
    """A change's kind, risk, planned window, freeze and rollback plan."""
    change = ticket.change
    if change is None:
        return []
    fields = [
        Field("Change", f"{CHANGE_KIND_LABELS[change.kind]}, {change.risk.value} risk"),
        Field("Window", f"{when_text(change.planned_start)} to {when_text(change.planned_end)}"),
    ]
    if change.freeze:
        fields.append(Field("Change freeze", f"planned inside '{change.freeze}' (emergency)"))
    if change.rollback_plan:
        fields.append(Field("Rollback plan", change.rollback_plan))
    return fields


def access_fields(ticket: TicketView) -> list[Field]:
    """An access request's end and, while it awaits approval, whose approval."""
    access = ticket.access
    if access is None:
        return []
    # Stored as the moment it ends (00:00 UTC after the last day); shown as the last day.
    last_day = access.ends_at - timedelta(days=1) if access.ends_at else None
    ends = f"the end of {last_day:%Y-%m-%d} (UTC)" if last_day else "no end date"
    fields = [Field("Access until", ends)]
    if access.stage and ticket.status == TicketStatus.AWAITING_APPROVAL:
        fields.append(Field("Awaiting", f"the {access.stage}'s approval"))
    return fields


def due_text(due: datetime, now: datetime) -> str:
    """`2026-11-24 14:30 UTC (in 1 h 5 min)`, or `(breached 20 min ago)` once past."""
    if due > now:
        return f"{when_text(due)} (in {span_text(due - now)})"
    return f"{when_text(due)} (breached {span_text(now - due)} ago)"


def span_text(span: timedelta) -> str:
    """A short human duration: `2 d 3 h`, `1 h 5 min`, `under a minute`."""
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else ""]
    if not days:
        parts.append(f"{minutes} min" if minutes else "")
    text = " ".join(part for part in parts if part)
    return text or "under a minute"


def card_buttons(ticket: TicketView, actor: Actor | None, *, may_take: bool) -> tuple[Button, ...]:
    """Buttons for the moves open to `actor` (or to the owning team when None)."""
    buttons = [
        action_button(row.action.value, ACTION_LABELS[row.action], ticket.reference)
        for row in available_actions(ticket.facts, actor)
    ]
    if may_take:
        buttons.append(action_button(TAKE_ACTION, TAKE_LABEL, ticket.reference))
    if may_escalate(ticket) and (actor is None or ticket.facts.team_id in actor.team_ids):
        buttons.append(action_button(ESCALATE_ACTION, ESCALATE_LABEL, ticket.reference))
    return tuple(buttons)


def may_escalate(ticket: TicketView) -> bool:
    """An open, unresolved ticket of a service with an escalation policy."""
    return (
        ticket.escalation_policy is not None
        and ticket.resolved_at is None
        and ticket.closed_at is None
    )


def approval_buttons(ticket: TicketView) -> tuple[Button, ...]:
    """Approve and Reject, while the ticket awaits approval (none once it is decided)."""
    return tuple(
        action_button(row.action.value, ACTION_LABELS[row.action], ticket.reference)
        for row in moves_from(ticket.facts)
        if row.who == Who.APPROVER
    )


def ticket_line(ticket: TicketView) -> str:
    """One line of a list: `INC-12 · P2 · new · VPN drops every hour (with Bob)`."""
    status = status_label(ticket.status)
    line = f"{ticket.reference} · {ticket.priority} · {status} · {ticket.title}"
    return line + (f" (with {ticket.assignee.name})" if ticket.assignee else "")


def raised_reply(ticket: TicketView, now: datetime) -> Reply:
    """What the requester is told when their ticket was raised."""
    text = f"Raised {ticket.reference}. {ticket.team_name} has it; I will tell you when it changes."
    return Reply(
        title=card_title(ticket),
        text=text,
        fields=card_fields(ticket, now),
        ticket=ticket.reference,
    )


def ticket_card(ticket: TicketView, now: datetime) -> Reply:
    """The card posted to the owning team's channel and edited as the ticket changes."""
    may_take = ticket.closed_at is None
    return Reply(
        title=card_title(ticket),
        text=ticket.description,
        fields=card_fields(ticket, now),
        buttons=card_buttons(ticket, None, may_take=may_take),
        ticket=ticket.reference,
    )


def when_text(moment: datetime) -> str:
    """`2026-11-24 14:30 UTC`."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")
