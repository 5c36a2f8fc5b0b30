"""The raise dialog: type, service, title, description, impact, urgency, confirm.

Each answer is stored with the dialog's step in the database, so a dialog survives a restart.
Choices come as buttons (or typed as their label); a bad answer is refused and asked again.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from handlers.cards import card_fields, card_title
from handlers.context import HandlerContext
from handlers.dialog_state import choice_value, dialog_key
from handlers.events import Button, EventKind, InboundEvent, Reply, problem
from handlers.labels import LEVEL_LABELS, TYPE_LABELS
from storage.enums import Level, TicketType
from workflows.dialogs import Dialog, end_dialog, save_dialog
from workflows.directory import list_services
from workflows.errors import InvalidInput
from workflows.tickets import DESCRIPTION_MAX, TITLE_MAX, NewTicket, raise_ticket
from workflows.unit_of_work import unit_of_work
from workflows.validation import clean_text

DIALOG = "raise"
CHOOSE = "dialog:choose"
RAISABLE = (TicketType.INCIDENT, TicketType.SERVICE_REQUEST, TicketType.ACCESS_REQUEST)
CONFIRM, CANCEL = "raise", "cancel"


@dataclass(frozen=True)
class Step:
    """One question of the dialog; `choice` steps offer buttons, the others take text."""

    name: str
    question: str
    choice: bool


STEPS = (
    Step("type", "What would you like to raise?", choice=True),
    Step("service", "Which service is it about?", choice=True),
    Step(
        "title",
        f"In one line, what is wrong or what do you need? (up to {TITLE_MAX} characters)",
        choice=False,
    ),
    Step("description", "Any details that help? Type them, or press Skip.", choice=False),
    Step("impact", "How many people does it affect? (impact)", choice=True),
    Step("urgency", "How soon does it hurt? (urgency)", choice=True),
    Step("confirm", "Shall I raise it?", choice=True),
)
_STEPS = {step.name: step for step in STEPS}


def start(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """`/new [title]`: begin the dialog, with the title prefilled when one was given."""
    data: dict[str, Any] = {}
    replies: list[Reply] = []
    if event.text.strip():
        try:
            data["title"] = clean_text(event.text, "title", TITLE_MAX)
        except InvalidInput as refusal:
            replies.append(problem(str(refusal)))
    with unit_of_work(ctx.db) as session:
        return [*replies, *_ask(ctx, session, event, _next_step(None, data), data)]


def on_reply(
    ctx: HandlerContext, session: Session, event: InboundEvent, dialog: Dialog
) -> list[Reply]:
    """Take the answer to the current question, then ask the next (or raise the ticket)."""
    step = _STEPS[dialog.step]
    data = dict(dialog.data)
    try:
        answer = _answer(ctx, session, step, event, data)
    except InvalidInput as refusal:
        return [problem(str(refusal)), *_ask(ctx, session, event, step, data)]
    if step.name == "confirm":
        return _finish(ctx, session, event, data) if answer == CONFIRM else _cancel(session, event)
    data[step.name] = answer
    return _ask(ctx, session, event, _next_step(step, data), data)


def _next_step(current: Step | None, data: dict[str, Any]) -> Step:
    start = 0 if current is None else STEPS.index(current) + 1
    return next(step for step in STEPS[start:] if step.name not in data)


def _options(
    ctx: HandlerContext, session: Session, step: str, data: dict[str, Any]
) -> list[tuple[str, str]]:
    match step:
        case "type":
            return [(kind.value, TYPE_LABELS[kind]) for kind in RAISABLE]
        case "service":
            return [(service.key, service.name) for service in list_services(session)]
        case "impact" | "urgency":
            return [(level.value, LEVEL_LABELS[level]) for level in Level]
        case "confirm":
            return [(CONFIRM, "Raise it"), (CANCEL, "Cancel")]
        case "description":
            return [("", "Skip")]
        case _:
            return []


def _ask(
    ctx: HandlerContext, session: Session, event: InboundEvent, step: Step, data: dict[str, Any]
) -> list[Reply]:
    save_dialog(session, dialog_key(event), Dialog(DIALOG, step.name, data), ctx.clock.now())
    buttons = tuple(
        Button(label=label, action=CHOOSE, value=f"{step.name}={value}")
        for value, label in _options(ctx, session, step.name, data)
    )
    if step.name == "confirm":
        service_names = dict(_options(ctx, session, "service", data))
        summary = _summary(ctx, data, service_names.get(data["service"], data["service"]))
        return [summary, Reply(text=step.question, buttons=buttons)]
    return [Reply(text=step.question, buttons=buttons)]


def _answer(
    ctx: HandlerContext, session: Session, step: Step, event: InboundEvent, data: dict[str, Any]
) -> str:
    if event.kind == EventKind.BUTTON:
        value = choice_value(event, step.name)
        if value is None:
            raise InvalidInput(
                "That button belongs to an earlier question; please answer this one."
            )
        typed = None
    else:
        value, typed = None, event.text
    options = _options(ctx, session, step.name, data)
    if step.name == "title" and typed is not None:
        return clean_text(typed, "title", TITLE_MAX)
    if step.name == "description" and typed is not None:
        return clean_text(typed, "description", DESCRIPTION_MAX, required=False)
    matches = [
        v
        for v, label in options
        if value == v or (typed or "").strip().lower() in (v, label.lower())
    ]
    if typed is not None and not typed.strip():
        matches = []
    if not matches:
        raise InvalidInput("Please choose one of the options below.")
    return matches[0]


def _summary(ctx: HandlerContext, data: dict[str, Any], service_name: str) -> Reply:
    impact, urgency = Level(data["impact"]), Level(data["urgency"])
    priority = ctx.settings.priority_matrix.priority(impact, urgency)
    text = (
        f"{TYPE_LABELS[TicketType(data['type'])]} about {service_name}: {data['title']}\n"
        f"Impact {LEVEL_LABELS[impact].lower()}, urgency {LEVEL_LABELS[urgency].lower()}: "
        f"priority {priority}."
    )
    if data.get("description"):
        text += f"\n\n{data['description']}"
    return Reply(title="Your ticket", text=text)


def _finish(
    ctx: HandlerContext, session: Session, event: InboundEvent, data: dict[str, Any]
) -> list[Reply]:
    new = NewTicket(
        ticket_type=TicketType(data["type"]),
        service_key=data["service"],
        title=data["title"],
        description=data.get("description", ""),
        impact=Level(data["impact"]),
        urgency=Level(data["urgency"]),
    )
    ticket = raise_ticket(session, ctx.settings, event.person, new, ctx.clock.now())
    end_dialog(session, dialog_key(event))
    text = f"Raised {ticket.reference}. {ticket.team_name} has it; I will tell you when it changes."
    return [
        Reply(
            title=card_title(ticket), text=text, fields=card_fields(ticket), ticket=ticket.reference
        )
    ]


def _cancel(session: Session, event: InboundEvent) -> list[Reply]:
    end_dialog(session, dialog_key(event))
    return [Reply(text="Cancelled; nothing was raised.")]
