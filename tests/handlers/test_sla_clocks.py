"""SLA clocks through the real router, sweep and dispatcher, with a moved clock.

The demo desk: VPN is on the `standard` policy (business hours 09:00-17:00 Europe/Berlin,
P1 around the clock) and the `network-oncall` escalation policy (15 min: the team, 30 min: the
on-call person, 1 h: carol). The clock starts on Monday 2026-11-23 09:00 UTC = 10:00 in Berlin.
"""

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.app import build_desk
from bot.config import Config
from bot.platforms.base import Delivery
from handlers.events import Reply
from storage.database import Database
from storage.enums import AudienceKind, IntentKind
from storage.models import OutboxIntent, Ticket
from tests.support.chat import Chat, RecordingSender, button
from tests.support.clock import ManualClock
from workflows.unit_of_work import unit_of_work


def notes(deliveries: list[Delivery]) -> list[str]:
    """What went into the tickets' threads in the team channel."""
    return [d.reply.text for d in deliveries if d.kind == IntentKind.THREAD_NOTE]


def direct(deliveries: list[Delivery]) -> list[tuple[str, str]]:
    """(person, text) of each direct message."""
    return [(d.address, d.reply.text) for d in deliveries if d.audience == AudienceKind.PERSON]


def fields(reply: Reply) -> dict[str, str]:
    return {field.label: field.value for field in reply.fields}


def shown(chat: Chat, person: str, reference: str) -> Reply:
    return chat.command(person, "ticket", reference)[0]


def move_to(clock: ManualClock, moment: datetime) -> None:
    clock.advance(moment - clock.now())


def utc(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def raised_and_delivered(chat: Chat, **answers: str) -> str:
    reference = chat.raise_incident(**answers)
    chat.deliver()
    return reference


def test_the_card_shows_due_times_and_time_left(chat: Chat) -> None:
    reference = chat.raise_incident()  # P2: 30 min to respond, 8 business hours to resolve

    card = next(d.reply for d in chat.deliver() if d.kind == IntentKind.CARD)

    # Resolution: 7 h on Monday (10:00-17:00 Berlin) and 1 h on Tuesday: 10:00 Berlin.
    assert fields(card)["Response due"] == "2026-11-23 09:30 UTC (in 30 min)"
    assert fields(card)["Resolution due"] == "2026-11-24 09:00 UTC (in 1 d)"
    assert fields(shown(chat, "bob", reference))["Response due"].endswith("(in 30 min)")


def test_warnings_breach_and_escalation_are_each_posted_once(
    chat: Chat, clock: ManualClock
) -> None:
    raised_and_delivered(chat)

    move_to(clock, utc(23, 9, 14))
    assert chat.sweep() == []
    move_to(clock, utc(23, 9, 15))
    assert notes(chat.sweep()) == ["INC-1 was escalated to level 1 (not acknowledged)."]
    move_to(clock, utc(23, 9, 22, 30))
    assert notes(chat.sweep()) == [
        "INC-1 has used 75 % of its response time (due 2026-11-23 09:30 UTC)."
    ]
    assert chat.sweep() == []
    move_to(clock, utc(23, 9, 27))
    assert notes(chat.sweep()) == [
        "INC-1 has used 90 % of its response time (due 2026-11-23 09:30 UTC)."
    ]
    move_to(clock, utc(23, 9, 30))
    breach = chat.sweep()
    assert notes(breach) == [
        "INC-1 breached its response target (due 2026-11-23 09:30 UTC).",
        "INC-1 was escalated to level 2 (response target breached).",
    ]
    # 46 whole weeks since the rotation began on 2026-01-05: dave's turn again.
    assert direct(breach) == [
        ("dave", "INC-1 was escalated to level 2 (response target breached).")
    ]
    card = next(d.reply for d in breach if d.kind == IntentKind.CARD)
    assert fields(card)["Response due"] == "2026-11-23 09:30 UTC (breached under a minute ago)"
    assert chat.sweep() == []
    move_to(clock, utc(23, 10, 0))
    assert direct(chat.sweep()) == [("carol", "INC-1 was escalated to level 3 (not acknowledged).")]
    move_to(clock, utc(23, 12, 0))
    assert chat.sweep() == []


def test_thresholds_missed_while_down_announce_only_the_highest(
    chat: Chat, clock: ManualClock
) -> None:
    raised_and_delivered(chat)
    move_to(clock, utc(23, 9, 31))

    assert notes(chat.sweep()) == [
        "INC-1 breached its response target (due 2026-11-23 09:30 UTC).",
        "INC-1 was escalated to level 2 (response target breached).",
    ]


def test_an_acknowledged_incident_warns_its_assignee_about_resolution_only(
    chat: Chat, clock: ManualClock
) -> None:
    reference = raised_and_delivered(chat)
    move_to(clock, utc(23, 9, 5))
    chat.press("bob", button([shown(chat, "bob", reference)], "Acknowledge"))
    chat.deliver()

    # 75 % of 8 business hours is 6 h: Monday 10:00 -> 16:00 Berlin = 15:00 UTC.
    move_to(clock, utc(23, 14, 59))
    assert chat.sweep() == []
    move_to(clock, utc(23, 15, 0))
    warned = chat.sweep()

    line = "INC-1 has used 75 % of its resolution time (due 2026-11-24 09:00 UTC)."
    assert notes(warned) == [line]
    assert direct(warned) == [("bob", line)]


def test_waiting_on_the_requester_pauses_the_resolution_clock(
    chat: Chat, clock: ManualClock
) -> None:
    reference = raised_and_delivered(chat)
    chat.press("bob", button([shown(chat, "bob", reference)], "Acknowledge"))
    chat.press("bob", button([shown(chat, "bob", reference)], "Start work"))
    move_to(clock, utc(23, 10, 0))
    chat.press("bob", button([shown(chat, "bob", reference)], "Wait on requester"))
    chat.say("bob", "Which laptop?")

    assert fields(shown(chat, "bob", reference))["Resolution due"] == "paused"

    move_to(clock, utc(23, 12, 0))  # two business hours later the requester answers
    chat.command("alice", "comment", f"{reference} A ThinkPad")

    assert fields(shown(chat, "bob", reference))["Resolution due"] == (
        "2026-11-24 11:00 UTC (in 23 h)"
    )


def test_a_weekend_does_not_count(chat: Chat, clock: ManualClock) -> None:
    move_to(clock, utc(27, 15, 0))  # Friday 16:00 in Berlin
    reference = chat.raise_incident(impact="Medium", urgency="Medium")  # P3: 4 h to respond

    # One hour on Friday, three on Monday from 09:00 Berlin: 12:00 Berlin = 11:00 UTC.
    assert fields(shown(chat, "bob", reference))["Response due"] == (
        "2026-11-30 11:00 UTC (in 2 d 20 h)"
    )


def test_p1_runs_around_the_clock(chat: Chat, clock: ManualClock) -> None:
    move_to(clock, utc(28, 12, 0))  # a Saturday
    reference = chat.raise_incident(impact="High", urgency="High")

    shown_fields = fields(shown(chat, "bob", reference))
    assert shown_fields["Response due"] == "2026-11-28 12:15 UTC (in 15 min)"
    assert shown_fields["Resolution due"] == "2026-11-28 16:00 UTC (in 4 h)"


def test_a_restart_between_sweep_and_delivery_loses_and_repeats_nothing(
    chat: Chat, clock: ManualClock, database_url: str, demo_config: Config
) -> None:
    raised_and_delivered(chat)
    move_to(clock, utc(23, 9, 22, 30))
    sweep_without_delivery(chat)

    restarted_db = Database.from_url(database_url)
    try:
        sender = RecordingSender()
        second = Chat(build_desk(demo_config, restarted_db, [sender], clock), sender)
        again = second.sweep()
    finally:
        restarted_db.dispose()

    assert notes(again) == [
        "INC-1 has used 75 % of its response time (due 2026-11-23 09:30 UTC).",
        "INC-1 was escalated to level 1 (not acknowledged).",
    ]
    with unit_of_work(chat.desk.db) as session:
        sla_intents = session.scalar(
            select(func.count())
            .select_from(OutboxIntent)
            .where(OutboxIntent.idempotency_key.like("sla:%"))
        )
    assert sla_intents == 1


def test_an_idle_sweep_checks_nothing(chat: Chat, clock: ManualClock) -> None:
    reference = raised_and_delivered(chat)
    with unit_of_work(chat.desk.db) as session:
        next_check = session.scalar(
            select(Ticket.next_check_at).where(Ticket.reference == reference)
        )
    assert next_check == utc(23, 9, 15)

    assert sweep_without_delivery(chat) == 0


def sweep_without_delivery(chat: Chat) -> int:
    """Sweep (writing intents) without delivering them, as if the process died right after."""
    return asyncio.run(chat.desk.sweeper.run_once())


def test_escalate_moves_to_the_next_level_and_notifies_it(chat: Chat) -> None:
    reference = raised_and_delivered(chat)

    first = chat.press("bob", button([shown(chat, "bob", reference)], "Escalate"))
    assert first[0].text == "Escalated INC-1 to level 1."
    assert notes(chat.deliver()) == ["INC-1 was escalated to level 1 (by Bob Okafor)."]
    chat.press("bob", button([shown(chat, "bob", reference)], "Escalate"))
    assert direct(chat.deliver()) == [("dave", "INC-1 was escalated to level 2 (by Bob Okafor).")]
    chat.press("bob", button([shown(chat, "bob", reference)], "Escalate"))
    chat.deliver()

    last = chat.press("bob", button([shown(chat, "bob", reference)], "Escalate"))
    assert last[0].problem
    assert last[0].text == "INC-1 is already at the last escalation level."


def test_escalate_is_refused_to_other_teams_and_changes_nothing(chat: Chat) -> None:
    reference = raised_and_delivered(chat)
    card_button = button([shown(chat, "bob", reference)], "Escalate")

    refused = chat.press("erin", card_button)

    assert refused[0].problem
    assert refused[0].text == "Only Network team can escalate INC-1."
    assert chat.deliver() == []
    assert chat.sweep() == []


def test_a_new_priority_recomputes_the_targets_and_starts_a_new_ladder(
    chat: Chat, clock: ManualClock
) -> None:
    reference = raised_and_delivered(chat)  # P2: response due 09:30
    move_to(clock, utc(23, 9, 23))
    assert notes(chat.sweep())[0].startswith("INC-1 has used 75 % of its response time")

    changed = chat.command("bob", "priority", f"{reference} high high")

    assert changed[0].text == "INC-1 is now P1."
    # P1: 15 minutes around the clock from 09:00, so already breached: only that is posted.
    assert fields(changed[0])["Response due"] == "2026-11-23 09:15 UTC (breached 8 min ago)"
    swept = notes(chat.sweep())
    assert swept[0] == "Bob Okafor changed the priority of INC-1 from P2 to P1."
    assert swept[1] == "INC-1 breached its response target (due 2026-11-23 09:15 UTC)."
    assert chat.sweep() == []


def test_only_the_owning_team_changes_a_priority(chat: Chat) -> None:
    reference = raised_and_delivered(chat)

    refused = chat.command("alice", "priority", f"{reference} low low")
    malformed = chat.command("bob", "priority", f"{reference} urgent")

    assert refused[0].problem
    assert refused[0].text == "Only Network team can change the priority of INC-1."
    assert malformed[0].problem and malformed[0].text.startswith("Write it like /priority")
    assert chat.deliver() == []
