"""The raise dialog, one question at a time: buttons, typed labels, refusals, restarts."""

import pytest
from sqlalchemy import func, select

from bot.app import build_desk
from bot.config import Config
from handlers.dialogs import CROSSED
from handlers.events import Button, Reply
from handlers.raise_ticket import CHOOSE
from storage.database import Database
from storage.enums import Level, TicketStatus, TicketType
from storage.models import AuditEvent, Service, Ticket
from tests.support.chat import PLATFORM, Chat, RecordingSender, button
from tests.support.clock import ManualClock
from tests.support.crossing import while_an_answer_holds
from workflows.dialogs import DialogKey, load_dialog
from workflows.unit_of_work import unit_of_work

TYPE_Q = "What would you like to raise?"
SERVICE_Q = "Which service is it about?"
TITLE_Q = "In one line, what is wrong or what do you need? (up to 200 characters)"
DESCRIPTION_Q = "Any details that help? Type them, or press Skip."
IMPACT_Q = "How many people does it affect? (impact)"
URGENCY_Q = "How soon does it hurt? (urgency)"
CONFIRM_Q = "Shall I raise it?"


def question(replies: list[Reply]) -> str:
    """The question the desk asked last."""
    return replies[-1].text


def labels(replies: list[Reply]) -> list[str]:
    return [b.label for b in replies[-1].buttons]


def step_of(chat: Chat, person: str = "alice") -> str | None:
    """The step the person's raise dialog is stored at, or None when there is no dialog."""
    with unit_of_work(chat.desk.db) as session:
        dialog = load_dialog(session, DialogKey(person, PLATFORM, "direct"))
    return dialog.step if dialog else None


def ticket_count(chat: Chat) -> int:
    with unit_of_work(chat.desk.db) as session:
        return session.scalar(select(func.count()).select_from(Ticket)) or 0


def stored_ticket(chat: Chat, reference: str) -> tuple[TicketType, str, str, str, TicketStatus]:
    """Type, service key, title, description and status of a ticket, read from the database."""
    with unit_of_work(chat.desk.db) as session:
        row = session.execute(
            select(Ticket.type, Service.key, Ticket.title, Ticket.description, Ticket.status)
            .join(Service, Service.id == Ticket.service_id)
            .where(Ticket.reference == reference)
        ).one()
    return row.type, row.key, row.title, row.description, row.status


def test_the_dialog_step_by_step_with_buttons(chat: Chat) -> None:
    asked = chat.command("alice", "new")
    assert question(asked) == TYPE_Q
    assert labels(asked) == ["Incident", "Service request", "Access request"]

    asked = chat.press("alice", button(asked, "Incident"))
    assert question(asked) == SERVICE_Q
    assert "VPN" in labels(asked)

    asked = chat.press("alice", button(asked, "VPN"))
    assert question(asked) == TITLE_Q
    assert labels(asked) == []

    asked = chat.say("alice", "VPN drops every hour")
    assert question(asked) == DESCRIPTION_Q
    assert labels(asked) == ["Skip"]

    asked = chat.say("alice", "It disconnects on the hour")
    assert question(asked) == IMPACT_Q
    assert labels(asked) == ["High", "Medium", "Low"]

    asked = chat.press("alice", button(asked, "High"))
    assert question(asked) == URGENCY_Q

    asked = chat.press("alice", button(asked, "Medium"))
    summary, confirm = asked
    assert summary.title == "Your ticket"
    assert summary.text == (
        "Incident about VPN: VPN drops every hour\n"
        "Impact high, urgency medium: priority P2.\n\n"
        "It disconnects on the hour"
    )
    assert confirm.text == CONFIRM_Q
    assert labels(asked) == ["Raise it", "Cancel"]

    raised = chat.press("alice", button(asked, "Raise it"))

    assert raised[0].ticket == "INC-1"
    assert raised[0].text.startswith("Raised INC-1. Network team has it")
    assert stored_ticket(chat, "INC-1") == (
        TicketType.INCIDENT,
        "vpn",
        "VPN drops every hour",
        "It disconnects on the hour",
        TicketStatus.NEW,
    )
    assert step_of(chat) is None


def test_the_dialog_with_typed_labels_in_any_case(chat: Chat) -> None:
    chat.command("alice", "new")
    assert question(chat.say("alice", "  incident ")) == SERVICE_Q
    assert question(chat.say("alice", "office wi-fi")) == TITLE_Q
    assert question(chat.say("alice", "Wi-Fi is slow on floor 3")) == DESCRIPTION_Q
    assert question(chat.say("alice", "Since Monday")) == IMPACT_Q
    assert question(chat.say("alice", "LOW")) == URGENCY_Q
    assert question(chat.say("alice", "low")) == CONFIRM_Q

    raised = chat.say("alice", "raise it")

    assert raised[0].ticket == "INC-1"
    with unit_of_work(chat.desk.db) as session:
        impact, urgency, priority = session.execute(
            select(Ticket.impact, Ticket.urgency, Ticket.priority)
        ).one()
    assert (impact, urgency, priority) == (Level.LOW, Level.LOW, "P5")
    assert stored_ticket(chat, "INC-1")[:3] == (
        TicketType.INCIDENT,
        "wifi",
        "Wi-Fi is slow on floor 3",
    )


def test_a_typed_answer_that_is_no_option_is_refused_and_asked_again(chat: Chat) -> None:
    chat.command("alice", "new")

    replies = chat.say("alice", "a pony")

    assert replies[0].problem
    assert replies[0].text == "Please choose one of the options below."
    assert question(replies) == TYPE_Q
    assert step_of(chat) == "type"


def test_an_empty_title_is_asked_again(chat: Chat) -> None:
    chat.command("alice", "new")
    chat.say("alice", "Incident")
    chat.say("alice", "VPN")

    replies = chat.say("alice", "   ")

    assert replies[0].problem
    assert replies[0].text == "The title cannot be empty."
    assert question(replies) == TITLE_Q
    assert step_of(chat) == "title"
    assert question(chat.say("alice", "VPN drops")) == DESCRIPTION_Q


def test_a_huge_title_is_refused_naming_the_limit_and_the_dialog_stays(chat: Chat) -> None:
    chat.command("alice", "new")
    chat.say("alice", "Incident")
    chat.say("alice", "VPN")

    replies = chat.say("alice", "x" * 10_000)

    assert replies[0].problem
    assert "200" in replies[0].text
    assert replies[0].text == "The title is limited to 200 characters; yours has 10,000."
    assert question(replies) == TITLE_Q
    assert step_of(chat) == "title"


def test_a_title_of_exactly_the_limit_is_taken(chat: Chat) -> None:
    chat.command("alice", "new")
    chat.say("alice", "Incident")
    chat.say("alice", "VPN")

    replies = chat.say("alice", "y" * 200)

    assert question(replies) == DESCRIPTION_Q
    assert not replies[0].problem


def test_new_with_text_prefills_the_title_and_skips_its_question(chat: Chat) -> None:
    asked = chat.command("alice", "new", "Printer on floor 2 jams")
    assert question(asked) == TYPE_Q
    assert question(chat.say("alice", "Incident")) == SERVICE_Q

    asked = chat.say("alice", "Laptops and peripherals")

    assert question(asked) == DESCRIPTION_Q
    chat.press("alice", button(asked, "Skip"))
    chat.say("alice", "Medium")
    summary = chat.say("alice", "Medium")[0]
    assert summary.text.startswith(
        "Incident about Laptops and peripherals: Printer on floor 2 jams\n"
    )
    reference = chat.say("alice", "Raise it")[0].ticket
    assert reference == "INC-1"
    assert stored_ticket(chat, reference)[2] == "Printer on floor 2 jams"


def test_new_with_a_huge_title_says_so_and_asks_for_the_title_later(chat: Chat) -> None:
    replies = chat.command("alice", "new", "z" * 10_000)

    assert replies[0].problem and "200" in replies[0].text
    assert question(replies) == TYPE_Q
    chat.say("alice", "Incident")
    assert question(chat.say("alice", "VPN")) == TITLE_Q


def test_a_button_from_an_earlier_step_is_refused_and_the_question_asked_again(
    chat: Chat,
) -> None:
    first = chat.command("alice", "new")
    asked = chat.press("alice", button(first, "Incident"))
    assert question(asked) == SERVICE_Q

    replies = chat.press("alice", button(first, "Service request"))

    assert replies[0].problem
    assert replies[0].text == "That button belongs to an earlier question; please answer this one."
    assert question(replies) == SERVICE_Q
    assert step_of(chat) == "service"
    chat.press("alice", button(replies, "VPN"))
    chat.say("alice", "VPN drops")
    chat.say("alice", "")
    assert question(chat.say("alice", "High")) == URGENCY_Q


def test_a_forged_choice_for_the_current_step_is_refused(chat: Chat) -> None:
    chat.command("alice", "new")
    forged = Button(label="Change", action=CHOOSE, value="type=change")

    replies = chat.press("alice", forged)

    assert replies[0].problem
    assert question(replies) == TYPE_Q
    assert step_of(chat) == "type"


def test_skip_leaves_the_description_empty(chat: Chat) -> None:
    chat.command("alice", "new")
    chat.say("alice", "Incident")
    chat.say("alice", "Email and calendar")
    asked = chat.say("alice", "Calendar invites vanish")

    after_skip = chat.press("alice", button(asked, "Skip"))

    assert question(after_skip) == IMPACT_Q
    chat.say("alice", "Low")
    summary = chat.say("alice", "Medium")[0]
    assert summary.text == (
        "Incident about Email and calendar: Calendar invites vanish\n"
        "Impact low, urgency medium: priority P4."
    )
    reference = chat.say("alice", "Raise it")[0].ticket
    assert reference is not None
    assert stored_ticket(chat, reference)[3] == ""


def test_cancel_at_confirm_raises_nothing(chat: Chat) -> None:
    chat.command("alice", "new")
    for answer in ("Incident", "VPN", "VPN drops", "Skip", "High", "High"):
        chat.say("alice", answer)
    assert step_of(chat) == "confirm"

    replies = chat.press("alice", Button(label="Cancel", action=CHOOSE, value="confirm=cancel"))

    assert replies == [Reply(text="Cancelled; nothing was raised.")]
    assert ticket_count(chat) == 0
    assert step_of(chat) is None
    assert chat.deliver() == []


def test_slash_cancel_mid_dialog_raises_nothing(chat: Chat) -> None:
    chat.command("alice", "new")
    chat.say("alice", "Incident")
    chat.say("alice", "VPN")

    replies = chat.command("alice", "cancel")

    assert replies[0].text == "Cancelled."
    assert ticket_count(chat) == 0
    assert step_of(chat) is None
    assert chat.say("alice", "VPN drops")[0].text.startswith("I am not waiting for an answer")
    assert chat.command("alice", "cancel")[0].text == "There was nothing to cancel."


def test_dialogs_of_different_people_do_not_mix(chat: Chat) -> None:
    chat.command("alice", "new")
    chat.say("alice", "Incident")
    chat.command("erin", "new")

    assert question(chat.say("erin", "Service request")) == SERVICE_Q
    assert question(chat.say("alice", "VPN")) == TITLE_Q
    assert (step_of(chat, "alice"), step_of(chat, "erin")) == ("title", "service")


def test_the_dialog_survives_a_restart(
    chat: Chat, database_url: str, demo_config: Config, clock: ManualClock
) -> None:
    chat.command("alice", "new")
    chat.say("alice", "Incident")
    chat.say("alice", "VPN")

    restarted_db = Database.from_url(database_url)
    try:
        sender = RecordingSender()
        second = Chat(build_desk(demo_config, restarted_db, [sender], clock), sender)
        assert second.desk.router is not chat.desk.router

        asked = second.say("alice", "VPN drops after the restart")
        assert question(asked) == DESCRIPTION_Q
        second.press("alice", button(asked, "Skip"))
        second.say("alice", "High")
        second.say("alice", "Low")
        raised = second.say("alice", "Raise it")
        assert raised[0].ticket == "INC-1"
        assert stored_ticket(second, "INC-1")[:3] == (
            TicketType.INCIDENT,
            "vpn",
            "VPN drops after the restart",
        )
    finally:
        restarted_db.dispose()


def test_a_service_request_for_a_service_with_approvers_awaits_approval(chat: Chat) -> None:
    chat.command("alice", "new")
    chat.say("alice", "Service request")
    chat.say("alice", "ERP access")
    chat.say("alice", "Read access to the finance ledger")
    chat.say("alice", "Skip")
    chat.say("alice", "Low")
    chat.say("alice", "Low")

    raised = chat.say("alice", "Raise it")

    assert raised[0].ticket == "REQ-1"
    status = {f.label: f.value for f in raised[0].fields}["Status"]
    assert status == "awaiting approval"
    assert stored_ticket(chat, "REQ-1")[4] == TicketStatus.AWAITING_APPROVAL
    with unit_of_work(chat.desk.db) as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["raised", "submit"]


def test_a_service_request_for_a_service_without_approvers_is_new(chat: Chat) -> None:
    chat.command("alice", "new")
    for answer in ("Service request", "Laptops and peripherals", "A second screen", "Skip"):
        chat.say("alice", answer)
    chat.say("alice", "Low")
    chat.say("alice", "Low")

    reference = chat.say("alice", "Raise it")[0].ticket

    assert reference == "REQ-1"
    assert stored_ticket(chat, reference)[4] == TicketStatus.NEW


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_answer_that_crosses_another_is_told_so_and_changes_nothing(
    chat: Chat, clock: ManualClock
) -> None:
    chat.command("alice", "new")
    chat.say("alice", "Incident")
    chat.say("alice", "VPN")
    key = DialogKey("alice", PLATFORM, "direct")

    replies = while_an_answer_holds(
        chat.desk.db, key, "description", clock.now(), lambda: chat.say("alice", "VPN drops")
    )

    assert [reply.text for reply in replies] == [CROSSED]
    assert step_of(chat) == "description"  # as the answer that was first left it
