"""The raise form: the whole raise dialog as one form, for platforms that show forms.

Opening it (`/new [text]` where forms are shown, or the "Raise ticket" button) prefills the
title from the text's first line and, for text of several lines, the description with all of
it. Choosing impact and urgency updates the form in place with the priority they give and, once
a service is chosen, its SLA targets. An access request's justification is its description, and
its last day (optional) an input of its own.
A submitted form is checked input by input; refusals go back to the inputs they concern.
"""

from collections.abc import Callable, Mapping
from datetime import date
from typing import TypeVar

from handlers.cards import raised_reply, span_text
from handlers.context import HandlerContext
from handlers.events import Button, Choice, Form, InboundEvent, Input, InputError, Reply, problem
from handlers.labels import LEVEL_LABELS, TYPE_LABELS
from handlers.moments import DAY_HINT, parse_day
from handlers.raise_ticket import RAISABLE
from storage.enums import Level, TicketType
from workflows.calendars import BusinessCalendar
from workflows.directory import list_services
from workflows.errors import InvalidInput
from workflows.tickets import DESCRIPTION_MAX, TITLE_MAX, NewTicket, raise_ticket
from workflows.unit_of_work import unit_of_work
from workflows.validation import clean_text

FORM = "raise"
OPEN = "form:raise"
OFFER_TEXT_MAX = 1_900  # a button value carries at most 2,000 characters on Slack
_T = TypeVar("_T")


def open_form(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """Open the raise form, prefilled from the event's text."""
    title, description = _prefill(event.text)
    return _form_reply(ctx, {"title": title, "description": description})


def preview(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """The form again, as filled in so far, with the priority its impact and urgency give."""
    if event.name != FORM:
        return [problem("That form is not one I know.")]
    return _form_reply(ctx, dict(event.values))


def submit(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """Raise the ticket the submitted form describes, or refuse the inputs that are wrong."""
    if event.name != FORM:
        return [problem("That form is not one I know.")]
    with unit_of_work(ctx.db) as session:
        services = {service.key for service in list_services(session)}
        new, errors = _parse(dict(event.values), services)
        if new is None:
            wrong = " ".join(f"{error.input.capitalize()}: {error.message}" for error in errors)
            text = f"Nothing was raised. {wrong}"
            return [Reply(text=text, private=True, problem=True, input_errors=errors)]
        now = ctx.clock.now()
        ticket = raise_ticket(session, ctx.settings, event.person, new, now)
    return [raised_reply(ticket, now)]


def form_errors(event: InboundEvent) -> tuple[InputError, ...]:
    """What `submit` would refuse, short of whether the chosen service exists, found without
    the database: a platform can answer it at once, before the slow work of raising."""
    return _parse(dict(event.values), None)[1]


def offer(text: str) -> Reply:
    """Free text that answers no question: offer to raise a ticket about it."""
    return Reply(
        text="Shall I raise a ticket about this?",
        buttons=(Button("Raise ticket", OPEN, text.strip()[:OFFER_TEXT_MAX]),),
        private=True,
    )


def _prefill(text: str) -> tuple[str, str]:
    stripped = text.strip()
    first_line = stripped.split("\n", 1)[0].strip()
    title = first_line if len(first_line) <= TITLE_MAX else first_line[: TITLE_MAX - 1] + "…"
    description = stripped[:DESCRIPTION_MAX] if "\n" in stripped else ""
    return title, description


def _form_reply(ctx: HandlerContext, values: Mapping[str, str]) -> list[Reply]:
    with unit_of_work(ctx.db, read_only=True) as session:
        catalog = list_services(session)
    services = tuple(Choice(s.key, s.name) for s in catalog)
    policies = {s.key: s.sla_policy for s in catalog}
    return [Reply(form=_form(ctx, services, values, policies), private=True)]


def _form(
    ctx: HandlerContext,
    services: tuple[Choice, ...],
    values: Mapping[str, str],
    policies: Mapping[str, str | None],
) -> Form:
    levels = tuple(Choice(level.value, LEVEL_LABELS[level]) for level in Level)
    types = tuple(Choice(kind.value, TYPE_LABELS[kind]) for kind in RAISABLE)
    inputs = (
        Input("type", "Type", types, values.get("type", TicketType.INCIDENT.value)),
        Input("service", "Service", services, values.get("service", "")),
        Input("title", "Title", initial=values.get("title", ""), max_length=TITLE_MAX),
        Input(
            "description",
            "Description (for access: why you need it)",
            initial=values.get("description", ""),
            max_length=DESCRIPTION_MAX,
            multiline=True,
            required=False,
        ),
        Input(
            "until",
            f"Access requests: last day ({DAY_HINT}), empty for no end",
            initial=values.get("until", ""),
            max_length=len(DAY_HINT),
            required=False,
        ),
        Input(
            "impact",
            "Impact: how many people?",
            levels,
            values.get("impact", ""),
            updates_form=True,
        ),
        Input(
            "urgency",
            "Urgency: how soon does it hurt?",
            levels,
            values.get("urgency", ""),
            updates_form=True,
        ),
    )
    return Form(FORM, "Raise a ticket", "Raise", inputs, _priority_note(ctx, values, policies))


def _priority_note(
    ctx: HandlerContext, values: Mapping[str, str], policies: Mapping[str, str | None]
) -> str:
    try:
        impact, urgency = Level(values.get("impact", "")), Level(values.get("urgency", ""))
    except ValueError:
        return "Choose impact and urgency to see the priority."
    priority = ctx.settings.priority_matrix.priority(impact, urgency)
    note = (
        f"Priority {priority} (impact {LEVEL_LABELS[impact].lower()}, "
        f"urgency {LEVEL_LABELS[urgency].lower()})."
    )
    target = ctx.settings.sla.target(policies.get(values.get("service", "")), priority)
    if target is None:
        return note
    return (
        f"{note} Response within {span_text(target.response)}, resolution within "
        f"{span_text(target.resolution)} ({calendar_text(target.resolution_calendar)})."
    )


def _parse(
    values: Mapping[str, str], services: set[str] | None
) -> tuple[NewTicket | None, tuple[InputError, ...]]:
    """The new ticket, or the refusals; `services` None takes any chosen service."""
    errors: list[InputError] = []

    def checked(name: str, check: Callable[[str], _T]) -> _T | None:
        try:
            return check(values.get(name, ""))
        except InvalidInput as refusal:
            errors.append(InputError(name, str(refusal)))
            return None

    ticket_type = checked("type", lambda v: TicketType(_one_of(v, {t.value for t in RAISABLE})))
    service = checked("service", lambda v: _one_of(v, services if services is not None else {v}))

    title = checked("title", lambda v: clean_text(v, "title", TITLE_MAX))
    # An access request's description is its justification, which the approvers must have.
    access = ticket_type == TicketType.ACCESS_REQUEST
    description = checked(
        "description",
        lambda v: clean_text(
            v, "justification" if access else "description", DESCRIPTION_MAX, required=access
        ),
    )
    levels = {level.value for level in Level}
    impact = checked("impact", lambda v: Level(_one_of(v, levels)))
    urgency = checked("urgency", lambda v: Level(_one_of(v, levels)))
    until = checked("until", lambda v: _last_day(v, ticket_type))
    if (
        errors
        or ticket_type is None
        or service is None
        or title is None
        or description is None
        or impact is None
        or urgency is None
    ):
        return None, tuple(errors)
    new = NewTicket(ticket_type, service, title, description, impact, urgency, access_until=until)
    return new, ()


def _last_day(value: str, ticket_type: TicketType | None) -> date | None:
    """An access request's last day, if typed; other types have none (an unknown type is
    refused on its own input)."""
    if not value.strip():
        return None
    if ticket_type not in (None, TicketType.ACCESS_REQUEST):
        raise InvalidInput("Only an access request has a last day; leave it empty.")
    return parse_day(value)


def _one_of(value: str, allowed: set[str]) -> str:
    if not value or value not in allowed:
        raise InvalidInput("Please choose one of the options.")
    return value


def calendar_text(calendar: BusinessCalendar) -> str:
    """`around the clock` or `business hours`, for the form's note."""
    return (
        "around the clock" if calendar == BusinessCalendar.around_the_clock() else "business hours"
    )
