"""The raise dialog: type, service, title, description, impact, urgency, confirm.

Each answer is stored with the dialog's step in the database, so a dialog survives a restart.
Choices come as buttons (or typed as their label); a bad answer is refused and asked again.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from handlers.cards import raised_reply
from handlers.context import HandlerContext
from handlers.dialog_state import choice_value, dialog_key
from handlers.events import Button, EventKind, InboundEvent, Reply, problem
from handlers.labels import LEVEL_LABELS, TYPE_LABELS
from storage.enums import Level, TicketType
from workflows.dialogs import Dialog, end_dialog, save_dialog
from workflows.directory import list_services
from workflows.errors import ConcurrentChange, InvalidInput
from workflows.tickets import DESCRIPTION_MAX, TITLE_MAX, NewTicket, raise_ticket
from workflows.unit_of_work import unit_of_work
from workflows.validation import clean_text

DIALOG = "raise"
CHOOSE = "dialog:choose"
RAISABLE = (TicketType.INCIDENT, TicketType.SERVICE_REQUEST, TicketType.ACCESS_REQUEST)
CONFIRM, CANCEL = "raise", "cancel"


@dataclass(frozen=True)
class Step:
    """One question; a step with a `text_limit` takes free text, the others offer buttons."""

    name: str
    question: str
    text_limit: int = 0
    required: bool = True


STEPS = (
    Step("type", "What would you like to raise?"),
    Step("service", "Which service is it about?"),
    Step(
        "title",
        f"In one line, what is wrong or what do you need? (up to {TITLE_MAX} characters)",
        text_limit=TITLE_MAX,
    ),
    Step(
        "description",
        "Any details that help? Type them, or press Skip.",
        text_limit=DESCRIPTION_MAX,
        required=False,
    ),
    Step("impact", "How many people does it affect? (impact)"),
    Step("urgency", "How soon does it hurt? (urgency)"),
    Step("confirm", "Shall I raise it?"),
)
_STEPS = {step.name: step for step in STEPS}


def start(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """`/new [title]`: begin the dialog, with the title prefilled when one was given."""
    data: dict[str, Any] = {}
    replies: list[Reply] = []
    if event.text.strip():
        try:
            data["title"] = _typed(_STEPS["title"], event.text)
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
        answer = _answer(session, step, event)
    except InvalidInput as refusal:
        return [problem(str(refusal)), *_ask(ctx, session, event, step, data)]
    if step.name == "confirm":
        return _finish(ctx, session, event, data) if answer == CONFIRM else _cancel(session, event)
    data[step.name] = answer
    return _ask(ctx, session, event, _next_step(step, data), data)


def _next_step(current: Step | None, data: dict[str, Any]) -> Step:
    start = 0 if current is None else STEPS.index(current) + 1
    return next(step for step in STEPS[start:] if step.name not in data)


def _options(session: Session, step: str) -> list[tuple[str, str]]:
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
        for value, label in _options(session, step.name)
    )
    if step.name == "confirm":
        service_names = dict(_options(session, "service"))
        summary = _summary(ctx, data, service_names.get(data["service"], data["service"]))
        return [summary, Reply(text=step.question, buttons=buttons)]
    return [Reply(text=step.question, buttons=buttons)]


def _answer(session: Session, step: Step, event: InboundEvent) -> str:
    options = _options(session, step.name)
    if event.kind == EventKind.BUTTON:
        chosen = choice_value(event, step.name)
        if chosen is None:
            raise InvalidInput(
                "That button belongs to an earlier question; please answer this one."
            )
        matches = [value for value, _ in options if value == chosen]
    elif step.text_limit:
        return _typed(step, event.text)
    else:
        typed = event.text.strip().lower()
        matches = [value for value, label in options if typed and typed in (value, label.lower())]
    if not matches:
        raise InvalidInput("Please choose one of the options below.")
    return matches[0]


def _typed(step: Step, text: str) -> str:
    return clean_text(text, step.name, step.text_limit, required=step.required)


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
    # Ending the dialog first makes a second, simultaneous "Raise it" find nothing to end
    # (on PostgreSQL it waits for the first to commit) and roll back instead of raising twice.
    if not end_dialog(session, dialog_key(event)):
        raise ConcurrentChange("This ticket was already raised; nothing more was done.")
    now = ctx.clock.now()
    ticket = raise_ticket(session, ctx.settings, event.person, new, now)
    return [raised_reply(ticket, now)]


def _cancel(session: Session, event: InboundEvent) -> list[Reply]:
    end_dialog(session, dialog_key(event))
    return [Reply(text="Cancelled; nothing was raised.")]
