"""The raise dialog: type, service, title, description, impact, urgency, confirm.

Each answer is stored with the dialog's step in the database, so a dialog survives a restart.
Choices come as buttons (or typed as their label); a bad answer is refused and asked again.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from handlers.cards import raised_reply, when_text
from handlers.context import HandlerContext
from handlers.dialog_state import choice_value, dialog_key
from handlers.events import Button, EventKind, InboundEvent, Reply, problem
from handlers.labels import CHANGE_KIND_LABELS, LEVEL_LABELS, TYPE_LABELS
from handlers.moments import DAY_HINT, parse_day, parse_moment
from storage.enums import ChangeKind, Level, TicketType
from workflows.change_rules import ChangeDetails
from workflows.dialogs import Dialog, save_dialog
from workflows.directory import is_responder, list_services, load_service
from workflows.errors import InvalidInput
from workflows.tickets import DESCRIPTION_MAX, ROLLBACK_MAX, TITLE_MAX, NewTicket, raise_ticket
from workflows.unit_of_work import unit_of_work
from workflows.validation import clean_text

DIALOG = "raise"
CHOOSE = "dialog:choose"
RAISABLE = (TicketType.INCIDENT, TicketType.SERVICE_REQUEST, TicketType.ACCESS_REQUEST)
CONFIRM, CANCEL = "raise", "cancel"
MOMENT_HINT = "YYYY-MM-DD HH:MM, in UTC"
# A change's impact follows its risk, its urgency its kind; nobody is asked for them.
CHANGE_URGENCY = {
    ChangeKind.STANDARD: Level.LOW,
    ChangeKind.NORMAL: Level.MEDIUM,
    ChangeKind.EMERGENCY: Level.HIGH,
}


class WindowRefused(Exception):
    """The change rules refuse the planned window (a freeze, or a window already over)."""


def _types(*types: TicketType) -> Callable[[dict[str, Any]], bool]:
    return lambda data: TicketType(data["type"]) in types


def _not(*types: TicketType) -> Callable[[dict[str, Any]], bool]:
    return lambda data: TicketType(data["type"]) not in types


@dataclass(frozen=True)
class Step:
    """One question; a step with a `text_limit` takes free text, the others offer buttons.

    `applies` says whether the step is asked, given the answers so far.
    """

    name: str
    question: str
    text_limit: int = 0
    required: bool = True
    applies: Callable[[dict[str, Any]], bool] = lambda data: True


STEPS = (
    Step("type", "What would you like to raise?"),
    Step("service", "Which service is it about?"),
    Step("kind", "What kind of change is it?", applies=_types(TicketType.CHANGE)),
    Step(
        "standard",
        "Which of the service's standard changes? (they are pre-approved)",
        applies=lambda data: data.get("kind") == ChangeKind.STANDARD,
    ),
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
        applies=_not(TicketType.ACCESS_REQUEST),
    ),
    Step(
        "justification",
        "Why do you need this access? (your justification)",
        text_limit=DESCRIPTION_MAX,
        applies=_types(TicketType.ACCESS_REQUEST),
    ),
    Step(
        "until",
        f"Until when? Type the last day ({DAY_HINT}), or press No end date.",
        text_limit=len(DAY_HINT),
        required=False,
        applies=_types(TicketType.ACCESS_REQUEST),
    ),
    Step("risk", "How risky is the change?", applies=_types(TicketType.CHANGE)),
    Step(
        "start",
        f"When does it start? ({MOMENT_HINT})",
        text_limit=len(MOMENT_HINT),
        applies=_types(TicketType.CHANGE),
    ),
    Step(
        "end",
        f"When does it end? ({MOMENT_HINT})",
        text_limit=len(MOMENT_HINT),
        applies=_types(TicketType.CHANGE),
    ),
    Step(
        "rollback",
        "If it goes wrong, how will you roll it back?",
        text_limit=ROLLBACK_MAX,
        applies=_types(TicketType.CHANGE),
    ),
    Step("impact", "How many people does it affect? (impact)", applies=_not(TicketType.CHANGE)),
    Step("urgency", "How soon does it hurt? (urgency)", applies=_not(TicketType.CHANGE)),
    Step("confirm", "Shall I raise it?"),
)
_STEPS = {step.name: step for step in STEPS}


def start(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """`/new [title]`: begin the dialog, with the title prefilled when one was given."""
    return _begin(ctx, event, {})


def start_change(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """`/change [title]`: begin the dialog for a change (responders only)."""
    with unit_of_work(ctx.db, read_only=True) as session:
        responder = is_responder(session, event.person)
    if not responder:
        return [problem("Only responders raise changes; /new raises an incident or a request.")]
    return _begin(ctx, event, {"type": TicketType.CHANGE.value})


def _begin(ctx: HandlerContext, event: InboundEvent, data: dict[str, Any]) -> list[Reply]:
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
    """Take the answer to the current question, then ask the next (or raise the ticket).

    The dialog was taken out of the store; asking a question saves it again."""
    step = _STEPS[dialog.step]
    data = dict(dialog.data)
    try:
        answer = _answer(ctx, session, event, step, data)
        if step.name == "end":
            _check_window(ctx, session, data, answer)
    except InvalidInput as refusal:
        return [problem(str(refusal)), *_ask(ctx, session, event, step, data)]
    except WindowRefused as refusal:
        data.pop("start")  # the whole window must move: ask for it again from the start
        return [problem(str(refusal)), *_ask(ctx, session, event, _STEPS["start"], data)]
    if step.name == "confirm":
        return _finish(ctx, session, event, data) if answer == CONFIRM else _cancelled()
    data[step.name] = answer
    if step.name == "standard":
        data["title"] = ctx.settings.changes.standard_changes(data["service"])[int(answer)]
    return _ask(ctx, session, event, _next_step(step, data), data)


def _next_step(current: Step | None, data: dict[str, Any]) -> Step:
    start = 0 if current is None else STEPS.index(current) + 1
    return next(
        step
        for step in STEPS[start:]
        if step.name not in data and ("type" not in data or step.applies(data))
    )


def _options(
    ctx: HandlerContext, session: Session, event: InboundEvent, step: str, data: dict[str, Any]
) -> list[tuple[str, str]]:
    match step:
        case "type":
            types = list(RAISABLE)
            if is_responder(session, event.person):
                types.append(TicketType.CHANGE)
            return [(kind.value, TYPE_LABELS[kind]) for kind in types]
        case "service":
            return [(service.key, service.name) for service in list_services(session)]
        case "kind":
            kinds = list(ChangeKind)
            if not ctx.settings.changes.standard_changes(data["service"]):
                kinds.remove(ChangeKind.STANDARD)
            return [(kind.value, CHANGE_KIND_LABELS[kind]) for kind in kinds]
        case "standard":  # by position: a name may be longer than a platform's button data
            names = ctx.settings.changes.standard_changes(data["service"])
            return [(str(index), name) for index, name in enumerate(names)]
        case "impact" | "urgency" | "risk":
            return [(level.value, LEVEL_LABELS[level]) for level in Level]
        case "confirm":
            return [(CONFIRM, "Raise it"), (CANCEL, "Cancel")]
        case "description":
            return [("", "Skip")]
        case "until":
            return [("", "No end date")]
        case _:
            return []


def _ask(
    ctx: HandlerContext, session: Session, event: InboundEvent, step: Step, data: dict[str, Any]
) -> list[Reply]:
    save_dialog(session, dialog_key(event), Dialog(DIALOG, step.name, data), ctx.clock.now())
    buttons = tuple(
        Button(label=label, action=CHOOSE, value=f"{step.name}={value}")
        for value, label in _options(ctx, session, event, step.name, data)
    )
    if step.name == "confirm":
        service_names = dict(_options(ctx, session, event, "service", data))
        summary = _summary(ctx, data, service_names.get(data["service"], data["service"]))
        return [summary, Reply(text=step.question, buttons=buttons)]
    return [Reply(text=step.question, buttons=buttons)]


def _answer(
    ctx: HandlerContext, session: Session, event: InboundEvent, step: Step, data: dict[str, Any]
) -> str:
    options = _options(ctx, session, event, step.name, data)
    if event.kind == EventKind.BUTTON:
        chosen = choice_value(event, step.name)
        if chosen is None:
            raise InvalidInput(
                "That button belongs to an earlier question; please answer this one."
            )
        matches = [value for value, _ in options if value == chosen]
    else:
        typed = event.text.strip().lower()
        matches = [value for value, label in options if typed and typed in (value, label.lower())]
        if step.text_limit and not matches:  # free text, unless it names a button (Skip)
            return _typed(step, event.text)
    if not matches:
        raise InvalidInput("Please choose one of the options below.")
    return matches[0]


def _typed(step: Step, text: str) -> str:
    """A typed answer, cleaned; days and moments are checked and kept in ISO form."""
    typed = clean_text(text, step.name, step.text_limit, required=step.required)
    if step.name == "until" and typed:
        return parse_day(typed).isoformat()
    if step.name in ("start", "end"):
        return parse_moment(typed).isoformat()
    return typed


def _check_window(ctx: HandlerContext, session: Session, data: dict[str, Any], end: str) -> None:
    """Refuse, before the last questions, a window that ends before it starts, is over, or
    falls in a freeze the change may not enter."""
    if datetime.fromisoformat(end) <= datetime.fromisoformat(data["start"]):
        raise InvalidInput("The end must be later than the start.")
    service = load_service(session, data["service"])
    try:
        ctx.settings.changes.check(
            service.key, service.name, data["title"], _change(data, end), ctx.clock.now()
        )
    except InvalidInput as refusal:
        raise WindowRefused(str(refusal)) from None


def _change(data: dict[str, Any], end: str | None = None) -> ChangeDetails:
    return ChangeDetails(
        kind=ChangeKind(data["kind"]),
        risk=Level(data.get("risk", Level.MEDIUM)),
        planned_start=datetime.fromisoformat(data["start"]),
        planned_end=datetime.fromisoformat(end or data["end"]),
        rollback_plan=data.get("rollback", ""),
    )


def _levels(data: dict[str, Any]) -> tuple[Level, Level]:
    """Impact and urgency: as answered, or for a change from its risk and kind."""
    if TicketType(data["type"]) == TicketType.CHANGE:
        return Level(data["risk"]), CHANGE_URGENCY[ChangeKind(data["kind"])]
    return Level(data["impact"]), Level(data["urgency"])


def _summary(ctx: HandlerContext, data: dict[str, Any], service_name: str) -> Reply:
    impact, urgency = _levels(data)
    priority = ctx.settings.priority_matrix.priority(impact, urgency)
    kind = TicketType(data["type"])
    lines = [f"{TYPE_LABELS[kind]} about {service_name}: {data['title']}"]
    if kind == TicketType.CHANGE:
        change = _change(data)
        lines += [
            f"{CHANGE_KIND_LABELS[change.kind]} change, {change.risk.value} risk: "
            f"priority {priority}.",
            f"Window: {when_text(change.planned_start)} to {when_text(change.planned_end)}.",
            f"Rollback: {change.rollback_plan}",
        ]
    else:
        lines.append(
            f"Impact {LEVEL_LABELS[impact].lower()}, urgency {LEVEL_LABELS[urgency].lower()}: "
            f"priority {priority}."
        )
    if data.get("until"):
        lines.append(f"Access until the end of {data['until']}.")
    text = "\n".join(lines)
    details = data.get("description") or data.get("justification")
    if details:
        text += f"\n\n{details}"
    return Reply(title="Your ticket", text=text)


def _finish(
    ctx: HandlerContext, session: Session, event: InboundEvent, data: dict[str, Any]
) -> list[Reply]:
    kind = TicketType(data["type"])
    impact, urgency = _levels(data)
    new = NewTicket(
        ticket_type=kind,
        service_key=data["service"],
        title=data["title"],
        description=data.get("description") or data.get("justification", ""),
        impact=impact,
        urgency=urgency,
        change=_change(data) if kind == TicketType.CHANGE else None,
        access_until=date.fromisoformat(data["until"]) if data.get("until") else None,
    )
    now = ctx.clock.now()
    ticket = raise_ticket(session, ctx.settings, event.person, new, now)
    return [raised_reply(ticket, now)]


def _cancelled() -> list[Reply]:
    return [Reply(text="Cancelled; nothing was raised.")]
