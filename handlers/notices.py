"""What a delivered notification intent says: a card, a line in the ticket's thread, or a DM."""

from datetime import datetime
from typing import Any

from handlers.cards import (
    RESOLVE_LINKED_ACTION,
    access_fields,
    action_button,
    approval_buttons,
    card_title,
    change_fields,
    ticket_card,
    when_text,
)
from handlers.events import Reply
from handlers.labels import ACTION_PAST_TENSE, RESOLVE_LINKED_LABEL, TYPE_LABELS, status_label
from storage.enums import IntentKind, TicketStatus
from workflows.lifecycle import Action
from workflows.views import TicketView

BREACH_PERCENT = 100
APPROVAL_EVENTS = frozenset({"approval_requested", "approval_decided"})


def notice_reply(
    kind: IntentKind, payload: dict[str, Any], ticket: TicketView, now: datetime
) -> Reply:
    """The reply an outbox intent of `kind` delivers, rendered from the ticket's state at `now`."""
    match kind:
        case IntentKind.CARD if payload.get("event") in APPROVAL_EVENTS or payload.get("voted"):
            return _approval_request(payload, ticket)
        case IntentKind.CARD:
            return ticket_card(ticket, now)
        case IntentKind.THREAD_NOTE if payload.get("offer_resolve_linked"):
            button = action_button(RESOLVE_LINKED_ACTION, RESOLVE_LINKED_LABEL, ticket.reference)
            text = _history_line(payload, ticket)
            return Reply(text=text, buttons=(button,), ticket=ticket.reference)
        case IntentKind.THREAD_NOTE:
            return Reply(text=_history_line(payload, ticket), ticket=ticket.reference)
        case IntentKind.DIRECT_MESSAGE:
            return _direct_message(payload, ticket)
        case IntentKind.DIGEST:
            raise ValueError("a digest is about no one ticket: handlers.digest_notice renders it")


def _history_line(payload: dict[str, Any], ticket: TicketView) -> str:
    actor = payload.get("actor", "Someone")
    match payload.get("event"):
        case "transition":
            verb = ACTION_PAST_TENSE[Action(payload["action"])]
            line = f"{actor} {verb} {ticket.reference} (now {_status(payload)})."
            note = payload.get("note")
            return f"{line} Reason: {note}" if note else line
        case "assigned" if payload.get("assignee_key") == payload.get("actor_key"):
            return f"{actor} took {ticket.reference}."
        case "assigned":
            return f"{actor} assigned {ticket.reference} to {payload.get('assignee')}."
        case "comment":
            return f"{actor} commented: {payload.get('text', '')}"
        case "vote" | "approval_reminder" | "approval_stage":
            return _approval_line(payload, ticket)
        case "linked" | "unlinked" as verb:
            return f"{actor} {verb} {ticket.reference} and {payload.get('other')}."
        case "problem_resolved":
            incidents = ", ".join(payload.get("incidents", []))
            return (
                f"{ticket.reference} ({ticket.title}), the problem behind your incident "
                f"{incidents}, is resolved; the team will resolve the incident or tell you more."
            )
        case "reprioritised":
            before, after = payload.get("before"), payload.get("priority")
            return f"{actor} changed the priority of {ticket.reference} from {before} to {after}."
        case "sla":
            return _sla_line(payload, ticket)
        case "access_ended":
            return (
                f"Your access has ended: {ticket.team_name} will remove it ({ticket.reference}, "
                f"{ticket.title})."
            )
        case "escalated":
            reason = payload.get("reason", "")
            return f"{ticket.reference} was escalated to level {payload.get('level')} ({reason})."
        case other:
            return f"{ticket.reference}: {other}"


def _approval_line(payload: dict[str, Any], ticket: TicketView) -> str:
    match payload.get("event"):
        case "vote":
            verb = "approved" if payload.get("vote") == "approve" else "rejected"
            count = f"{payload.get('approvals')} of {payload.get('needed')} approvals so far"
            line = f"{payload.get('actor')} {verb} {ticket.reference} ({count})."
            note = payload.get("note")
            return f"{line} Reason: {note}" if note else line
        case "approval_reminder":
            since = payload.get("since")
            asked = f" since {_when(since)}" if since else ""
            return f"Reminder: {ticket.reference} still awaits your approval{asked}."
        case _:
            return (
                f"The manager approved {ticket.reference}; it now awaits the "
                f"{payload.get('stage')}'s approval."
            )


def _direct_message(payload: dict[str, Any], ticket: TicketView) -> Reply:
    if payload.get("event") == "raised":
        kind = TYPE_LABELS[ticket.ticket_type].lower()
        text = (
            f"Your {kind} {ticket.reference} was raised with priority {ticket.priority}. "
            f"{ticket.team_name} will pick it up; you will hear here when it changes."
        )
    else:
        text = _history_line(payload, ticket)
    return Reply(title=card_title(ticket), text=text, ticket=ticket.reference)


def _approval_request(payload: dict[str, Any], ticket: TicketView) -> Reply:
    """The approver's message: the request with Approve and Reject, edited once decided."""
    decided = payload.get("event") == "approval_decided" or bool(payload.get("voted"))
    outcome, actor, stage = payload.get("outcome"), payload.get("actor"), payload.get("stage")
    if payload.get("voted"):
        text = f"{_approval_line(payload, ticket)} The outcome will show here."
    elif not decided:
        text = f"{actor} asks for your approval of {ticket.reference}."
    elif outcome == "expired":
        text = f"{ticket.reference} expired without a decision."
    elif stage:
        text = f"{actor} {outcome} {ticket.reference} as the {stage}."
    else:
        text = f"{ticket.reference} was {outcome}; {actor} cast the deciding vote."
    if ticket.description:
        text += f"\n\n{ticket.description}"
    # A decided request keeps no buttons, even while a later stage still awaits others.
    buttons = () if decided else approval_buttons(ticket)
    if not buttons and not decided:
        text += f"\nIt has been decided already: it is {status_label(ticket.status)}."
    fields = (*change_fields(ticket), *access_fields(ticket))
    return Reply(
        title=card_title(ticket),
        text=text,
        fields=fields,
        buttons=buttons,
        ticket=ticket.reference,
    )


def _when(moment: str) -> str:
    return when_text(datetime.fromisoformat(moment))


def _sla_line(payload: dict[str, Any], ticket: TicketView) -> str:
    clock = payload.get("clock", "")
    due = payload.get("due_at")
    when = f" (due {_when(due)})" if due else ""
    if payload.get("percent") == BREACH_PERCENT:
        return f"{ticket.reference} breached its {clock} target{when}."
    return f"{ticket.reference} has used {payload.get('percent')} % of its {clock} time{when}."


def _status(payload: dict[str, Any]) -> str:
    return status_label(TicketStatus(payload["status"]))
