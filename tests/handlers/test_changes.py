"""Changes from the raise dialog: a normal change approved by every approver, a standard one
pre-approved, an emergency one to the emergency group, freeze windows, and the change's
lifecycle through to completion or failure. The demo's Firewall rules service is used: rule
all over carol and grace, two standard changes, a year-end freeze; grace is the emergency
group. The clock starts on 2026-11-23 09:00 UTC."""

import pytest
from sqlalchemy import func, select

from handlers.events import Reply
from storage.enums import AudienceKind, ChangeKind, TicketStatus
from storage.models import ChangePlan
from tests.support.chat import Chat, button
from workflows.unit_of_work import unit_of_work

WINDOW = ("2026-12-01 20:00", "2026-12-01 21:00")
IN_FREEZE = ("2026-12-22 20:00", "2026-12-22 21:00")


def raise_change(
    chat: Chat, kind: str, window: tuple[str, str] = WINDOW, person: str = "bob"
) -> list[Reply]:
    """Walk /change for a Firewall rules change of `kind`; return the last replies."""
    chat.command(person, "change")
    chat.say(person, "Firewall rules")
    chat.say(person, kind)
    standard = kind == "Standard (pre-approved)"
    chat.say(person, "Open a port for an approved vendor" if standard else "Allow the backup net")
    chat.say(person, "Skip")  # the description
    chat.say(person, "Medium")
    chat.say(person, window[0])
    chat.say(person, window[1])
    return chat.say(person, "Remove the rule again")


def raised(chat: Chat, replies: list[Reply], person: str = "bob") -> str:
    reference = chat.say(person, "Raise it")[0].ticket
    assert reference is not None, replies
    return reference


def approver_requests(chat: Chat) -> dict[str, Reply]:
    return {
        d.address: d.reply
        for d in chat.deliver()
        if d.audience == AudienceKind.PERSON and d.reply.buttons
    }


def change_count(chat: Chat) -> int:
    with unit_of_work(chat.desk.db) as session:
        return session.scalar(select(func.count()).select_from(ChangePlan)) or 0


def test_a_normal_change_needs_every_approver_and_every_request_shows_the_outcome(
    chat: Chat,
) -> None:
    summary = raise_change(chat, "Normal")
    assert summary[0].text.splitlines()[1:3] == [
        "Normal change, medium risk: priority P3.",
        "Window: 2026-12-01 20:00 UTC to 2026-12-01 21:00 UTC.",
    ]
    reference = raised(chat, summary)
    requests = approver_requests(chat)
    assert set(requests) == {"carol", "grace"}
    fields = {field.label: field.value for field in requests["carol"].fields}
    assert fields["Change"] == "Normal, medium risk"
    assert fields["Window"] == "2026-12-01 20:00 UTC to 2026-12-01 21:00 UTC"
    assert fields["Rollback plan"] == "Remove the rule again"

    first = chat.press("carol", button([requests["carol"]], "Approve"))
    assert first[0].text == f"Your vote is counted; {reference} still awaits approval."
    assert chat.status_of(reference) == TicketStatus.AWAITING_APPROVAL
    chat.deliver()
    chat.press("grace", button([requests["grace"]], "Approve"))

    assert chat.status_of(reference) == TicketStatus.APPROVED
    edited = {
        d.address: d.reply
        for d in chat.deliver()
        if d.audience == AudienceKind.PERSON and d.address != "bob"
    }
    for approver in ("carol", "grace"):
        assert edited[approver].buttons == ()
        assert edited[approver].text.startswith(
            f"{reference} was approved; Grace Hopper cast the deciding vote."
        )


def test_the_approved_change_is_scheduled_implemented_and_completed_from_its_card(
    chat: Chat,
) -> None:
    reference = raised(chat, raise_change(chat, "Normal"))
    requests = approver_requests(chat)
    for approver in ("carol", "grace"):
        chat.press(approver, button([requests[approver]], "Approve"))

    for label, status in (
        ("Schedule", TicketStatus.SCHEDULED),
        ("Implement", TicketStatus.IMPLEMENTING),
        ("Complete", TicketStatus.COMPLETED),
        ("Close", TicketStatus.CLOSED),
    ):
        chat.press("dave", button(chat.command("dave", "ticket", reference), label))
        assert chat.status_of(reference) == status


def test_a_failed_change_records_its_rollback(chat: Chat) -> None:
    reference = raised(chat, raise_change(chat, "Normal"))
    requests = approver_requests(chat)
    for approver in ("carol", "grace"):
        chat.press(approver, button([requests[approver]], "Approve"))
    for label in ("Schedule", "Implement"):
        chat.press("dave", button(chat.command("dave", "ticket", reference), label))

    asked = chat.press("dave", button(chat.command("dave", "ticket", reference), "Mark failed"))
    assert "please type the reason" in asked[0].text
    chat.say("dave", "Rule broke the VPN; removed it again at 20:40")

    assert chat.status_of(reference) == TicketStatus.FAILED
    history = chat.command("dave", "ticket", reference)[0].text
    assert "Rule broke the VPN; removed it again at 20:40" in history


def test_a_standard_change_from_the_catalog_is_pre_approved(chat: Chat) -> None:
    chat.command("bob", "change")
    chat.say("bob", "Firewall rules")
    kinds = chat.say("bob", "Standard (pre-approved)")
    assert [b.label for b in kinds[-1].buttons] == [
        "Open a port for an approved vendor",
        "Renew the VPN certificate",
    ]

    reference = raised(chat, raise_change(chat, "Standard (pre-approved)"))

    assert chat.status_of(reference) == TicketStatus.APPROVED
    assert approver_requests(chat) == {}


def test_a_service_without_standard_changes_offers_none(chat: Chat) -> None:
    chat.command("bob", "change")
    kinds = chat.say("bob", "VPN")

    assert [b.label for b in kinds[-1].buttons] == ["Normal", "Emergency"]


def test_an_emergency_change_goes_to_the_emergency_group_even_in_a_freeze(chat: Chat) -> None:
    reference = raised(chat, raise_change(chat, "Emergency", IN_FREEZE))

    requests = approver_requests(chat)
    assert set(requests) == {"grace"}
    fields = {field.label: field.value for field in requests["grace"].fields}
    assert fields["Change freeze"] == "planned inside 'Year-end freeze' (emergency)"
    chat.press("grace", button([requests["grace"]], "Approve"))
    assert chat.status_of(reference) == TicketStatus.APPROVED
    with unit_of_work(chat.desk.db) as session:
        plan = session.scalars(select(ChangePlan)).one()
    assert (plan.kind, plan.freeze) == (ChangeKind.EMERGENCY, "Year-end freeze")


@pytest.mark.parametrize("kind", ["Normal", "Standard (pre-approved)"])
def test_a_change_planned_in_a_freeze_is_refused_with_the_window_named(
    chat: Chat, kind: str
) -> None:
    title = "Renew the VPN certificate" if kind != "Normal" else "Allow the backup net"
    chat.command("bob", "change")
    for answer in ("Firewall rules", kind, title, "Skip", "Low", IN_FREEZE[0]):
        chat.say("bob", answer)

    refused = chat.say("bob", IN_FREEZE[1])

    assert refused[0].problem
    assert refused[0].text.startswith(
        # The freeze is configured in the desk's time zone (Europe/Berlin), shown in UTC.
        "Firewall rules is in the change freeze 'Year-end freeze' from 2026-12-20 23:00 to "
        "2027-01-03 23:00 UTC."
    )
    assert refused[-1].text == "When does it start? (YYYY-MM-DD HH:MM, in UTC)"
    # A window outside the freeze is taken, and the change raised.
    chat.say("bob", WINDOW[0])
    chat.say("bob", WINDOW[1])
    chat.say("bob", "Remove the rule again")
    assert raised(chat, []).startswith("CHG-")
    assert change_count(chat) == 1


def test_only_responders_raise_changes(chat: Chat) -> None:
    replies = chat.command("alice", "change")

    assert replies[0].problem
    assert replies[0].text == (
        "Only responders raise changes; /new raises an incident or a request."
    )


def test_a_typed_moment_that_is_no_moment_is_asked_again(chat: Chat) -> None:
    chat.command("bob", "change")
    for answer in ("Firewall rules", "Normal", "Allow the backup subnet", "Skip", "Low"):
        chat.say("bob", answer)

    replies = chat.say("bob", "tomorrow evening")

    assert replies[0].text == (
        "Please type the moment as YYYY-MM-DD HH:MM (UTC), e.g. 2026-12-01 14:30."
    )
    assert replies[-1].text == "When does it start? (YYYY-MM-DD HH:MM, in UTC)"
    chat.say("bob", WINDOW[1])
    ended_first = chat.say("bob", WINDOW[0])
    assert ended_first[0].text == "The end must be later than the start."
