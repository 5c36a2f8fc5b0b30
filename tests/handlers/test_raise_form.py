"""The raise form (for platforms with forms) and the home lists, through the real router."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from handlers import raise_form
from handlers.events import EventKind, Form, InboundEvent, Place, Reply
from handlers.router import Intent, classify
from storage.enums import TicketStatus
from storage.models import AccessGrant
from tests.support.chat import PLATFORM, Chat, button
from workflows.unit_of_work import unit_of_work

FORMS = Place(PLATFORM, forms=True)
GOOD = (
    ("type", "incident"),
    ("service", "vpn"),
    ("title", "VPN drops every hour"),
    ("description", "It disconnects on the hour"),
    ("impact", "high"),
    ("urgency", "medium"),
)


def form_of(replies: list[Reply]) -> Form:
    forms = [reply.form for reply in replies if reply.form is not None]
    assert len(forms) == 1, replies
    return forms[0]


def initial(form: Form) -> dict[str, str]:
    return {item.name: item.initial for item in form.inputs}


def event(
    kind: EventKind, values: tuple[tuple[str, str], ...], person: str = "alice"
) -> InboundEvent:
    return InboundEvent(person, FORMS, kind, raise_form.FORM, values=values)


def test_new_opens_the_form_where_forms_are_shown_and_the_dialog_elsewhere() -> None:
    assert classify(InboundEvent("alice", FORMS, EventKind.COMMAND, "new")) == Intent.RAISE_FORM
    plain = InboundEvent("alice", Place(PLATFORM), EventKind.COMMAND, "new")
    assert classify(plain) == Intent.NEW


def test_the_form_offers_the_catalog_and_prefills_a_one_line_title(chat: Chat) -> None:
    form = form_of(chat.send(InboundEvent("alice", FORMS, EventKind.COMMAND, "new", "VPN down")))

    services = next(item for item in form.inputs if item.name == "service")
    assert [choice.value for choice in services.choices] == [
        "erp-access",
        "email",
        "firewall",
        "laptops",
        "wifi",
        "vpn",
    ]
    assert initial(form)["title"] == "VPN down"
    assert initial(form)["description"] == ""
    assert form.note == "Choose impact and urgency to see the priority."


def test_several_lines_prefill_the_description_with_all_of_them(chat: Chat) -> None:
    text = "Printer jams\non floor 3\nhttps://example.slack.com/archives/C1/p1"
    form = form_of(chat.send(InboundEvent("alice", FORMS, EventKind.COMMAND, "new", text)))

    assert initial(form)["title"] == "Printer jams"
    assert initial(form)["description"] == text


def test_choosing_impact_and_urgency_previews_the_priority(chat: Chat) -> None:
    values = (("impact", "high"), ("urgency", "medium"), ("title", "kept"))
    form = form_of(chat.send(event(EventKind.FORM_CHANGE, values)))

    assert form.note == "Priority P2 (impact high, urgency medium)."
    assert initial(form)["title"] == "kept"


@pytest.mark.parametrize(
    ("impact", "expected"),
    [
        (
            "medium",
            "Priority P3 (impact medium, urgency medium). Response within 4 h, "
            "resolution within 3 d (business hours).",
        ),
        (
            "high",
            "Priority P1 (impact high, urgency high). Response within 15 min, "
            "resolution within 4 h (around the clock).",
        ),
    ],
)
def test_with_a_service_chosen_the_preview_shows_its_sla_targets(
    chat: Chat, impact: str, expected: str
) -> None:
    urgency = "high" if impact == "high" else "medium"
    values = (("service", "vpn"), ("impact", impact), ("urgency", urgency))
    form = form_of(chat.send(event(EventKind.FORM_CHANGE, values)))

    assert form.note == expected


def test_a_good_submission_raises_the_ticket(chat: Chat) -> None:
    replies = chat.send(event(EventKind.FORM_SUBMIT, GOOD))

    assert replies[0].ticket == "INC-1"
    assert replies[0].text.startswith("Raised INC-1. Network team has it")
    assert chat.status_of("INC-1") == TicketStatus.NEW


def test_each_bad_input_is_refused_by_name_and_nothing_is_raised(chat: Chat) -> None:
    bad = (
        ("type", "change"),
        ("service", "nope"),
        ("title", "   "),
        ("description", "x" * 20_001),
        ("impact", "huge"),
        ("urgency", "medium"),
    )
    replies = chat.send(event(EventKind.FORM_SUBMIT, bad))

    errors = {error.input: error.message for error in replies[0].input_errors}
    assert set(errors) == {"type", "service", "title", "description", "impact"}
    assert errors["title"] == "The title cannot be empty."
    assert "20,000" in errors["description"]
    assert chat.status_of("INC-1") is None


def test_an_access_request_takes_the_description_as_justification_and_a_last_day(
    chat: Chat,
) -> None:
    access = dict(GOOD) | {"type": "access_request", "service": "erp-access", "until": "2027-03-31"}

    replies = chat.send(event(EventKind.FORM_SUBMIT, tuple(access.items())))

    assert replies[0].ticket == "ACC-1"
    assert chat.status_of("ACC-1") == TicketStatus.AWAITING_APPROVAL
    with unit_of_work(chat.desk.db) as session:
        grant = session.scalars(select(AccessGrant)).one()
        ends_at = grant.ends_at
    assert ends_at == datetime(2027, 4, 1, tzinfo=UTC)


def test_only_an_access_request_has_a_last_day_and_it_needs_a_justification() -> None:
    incident = dict(GOOD) | {"until": "2027-03-31"}
    access = dict(GOOD) | {"type": "access_request", "description": " ", "until": "31.3.2027"}

    refused = raise_form.form_errors(event(EventKind.FORM_SUBMIT, tuple(incident.items())))
    errors = raise_form.form_errors(event(EventKind.FORM_SUBMIT, tuple(access.items())))

    assert [(error.input, error.message) for error in refused] == [
        ("until", "Only an access request has a last day; leave it empty.")
    ]
    assert {error.input: error.message for error in errors} == {
        "description": "The justification cannot be empty.",
        "until": "Please type the day as YYYY-MM-DD, e.g. 2026-12-31.",
    }


def test_form_errors_refuse_what_needs_no_lookup_and_take_any_chosen_service() -> None:
    bad = (("type", "change"), ("service", "no-such-service"), ("title", ""), ("impact", "high"))

    errors = raise_form.form_errors(event(EventKind.FORM_SUBMIT, bad))

    assert [error.input for error in errors] == ["type", "title", "urgency"]
    assert raise_form.form_errors(event(EventKind.FORM_SUBMIT, GOOD)) == ()


def test_a_submission_naming_no_service_of_the_catalog_raises_nothing(chat: Chat) -> None:
    values = (*GOOD[:1], ("service", "no-such-service"), *GOOD[2:])

    replies = chat.send(event(EventKind.FORM_SUBMIT, values))

    assert [error.input for error in replies[0].input_errors] == ["service"]
    assert chat.status_of("INC-1") is None


def test_text_to_the_bot_with_no_dialog_offers_a_raise_where_forms_are_shown(chat: Chat) -> None:
    replies = chat.send(InboundEvent("alice", FORMS, EventKind.TEXT, text="My laptop is dead"))
    offered = button(replies, "Raise ticket")

    form = form_of(chat.press("alice", offered))
    assert initial(form)["title"] == "My laptop is dead"


def test_where_forms_are_shown_a_move_that_needs_a_reason_asks_in_a_form(chat: Chat) -> None:
    reference = chat.raise_incident("alice")
    bob = Place(PLATFORM, "C0NETWORK", forms=True)
    for action in ("acknowledge", "start"):
        chat.send(InboundEvent("bob", bob, EventKind.BUTTON, f"ticket:{action}", reference))

    asked = chat.send(InboundEvent("bob", bob, EventKind.BUTTON, "ticket:wait", reference))
    form = form_of(asked)
    reason = (("reason", "Which laptop model?"),)
    given = InboundEvent("bob", bob, EventKind.FORM_SUBMIT, form.name, values=reason)
    again = chat.send(given)

    assert (form.title, [item.name for item in form.inputs]) == (
        f"Wait on requester {reference}",
        ["reason"],
    )
    assert classify(given) == Intent.REASON_FORM
    assert chat.status_of(reference) == TicketStatus.WAITING_ON_REQUESTER
    assert again[0].text == f"{reference} is now waiting on requester."
    assert chat.send(given)[0].text == (
        "That reason was already given or cancelled; nothing was changed."
    )


def test_home_lists_mine_approvals_and_the_team_queue(chat: Chat) -> None:
    reference = chat.raise_incident("alice")
    access = dict(GOOD) | {"type": "access_request", "service": "erp-access", "title": "ERP"}
    chat.send(event(EventKind.FORM_SUBMIT, tuple(access.items())))

    alice = chat.command("alice", "home")
    bob = chat.command("bob", "home")
    carol = chat.command("carol", "home")

    assert [reply.title for reply in alice] == [
        "Your open tickets",
        "Awaiting your approval",
        "Your team's queue",
    ]
    assert alice[0].text.splitlines() == [
        "ACC-2 · P2 · awaiting approval · ERP",
        f"{reference} · P2 · new · VPN drops every hour",
    ]
    assert bob[2].text.startswith(f"{reference} · P2 · new")
    assert alice[2].text == "Your teams' queues are empty."
    assert carol[1].text.startswith("ACC-2 · P2 · awaiting approval · ERP")
    assert bob[1].text == "Nothing awaits your approval."
