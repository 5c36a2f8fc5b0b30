"""The outbox dispatcher through the real desk: exactly-once delivery, retries, threading."""

from datetime import timedelta

from sqlalchemy import select

from bot.platforms.base import Delivery, DeliveryFailed
from handlers.events import Button
from storage.enums import AudienceKind, IntentKind, MessageRole, OutboxStatus
from storage.models import ChatMessage, OutboxIntent
from tests.support.chat import Chat
from tests.support.clock import ManualClock
from workflows.outbox import CLAIM_LEASE, claim_due, renew_claim
from workflows.unit_of_work import unit_of_work


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


def sent(deliveries: list[Delivery]) -> list[tuple[IntentKind, str, str | None]]:
    """What was delivered, to where, and onto which earlier message."""
    return [(d.kind, d.address, d.thread_root) for d in deliveries]


def outbox(chat: Chat) -> list[tuple[IntentKind, OutboxStatus, int]]:
    with unit_of_work(chat.desk.db) as session:
        rows = session.execute(
            select(OutboxIntent.kind, OutboxIntent.status, OutboxIntent.attempts).order_by(
                OutboxIntent.id
            )
        ).all()
    return [(row[0], row[1], row[2]) for row in rows]


def acknowledge(chat: Chat, reference: str, who: str = "bob") -> None:
    replies = chat.press(who, Button("Acknowledge", "ticket:acknowledge", reference))
    assert not any(reply.problem for reply in replies), replies


def test_a_raised_incident_is_delivered_once_to_the_team_and_the_requester(chat: Chat) -> None:
    reference = chat.raise_incident("alice")

    first = chat.deliver()
    second = chat.deliver()

    assert sent(first) == [
        (IntentKind.CARD, "network", None),
        (IntentKind.DIRECT_MESSAGE, "alice", None),
    ]
    assert all(d.reply.ticket == reference for d in first)
    assert second == []
    assert outbox(chat) == [
        (IntentKind.CARD, OutboxStatus.DELIVERED, 1),
        (IntentKind.DIRECT_MESSAGE, OutboxStatus.DELIVERED, 1),
    ]


def test_retry_after_is_honoured_and_nothing_is_lost(chat: Chat, clock: ManualClock) -> None:
    chat.raise_incident("alice")
    chat.sender.failures.append(DeliveryFailed("rate limited", retry_after=30))

    # The card (oldest) hits the rate limit; the DM behind it still goes out.
    assert sent(chat.deliver()) == [(IntentKind.DIRECT_MESSAGE, "alice", None)]
    clock.advance(seconds(29))
    assert chat.deliver() == []
    clock.advance(seconds(2))
    assert sent(chat.deliver()) == [(IntentKind.CARD, "network", None)]
    clock.advance(timedelta(hours=1))
    assert chat.deliver() == []

    assert sorted(d.kind for d in chat.sender.deliveries) == [
        IntentKind.CARD,
        IntentKind.DIRECT_MESSAGE,
    ]
    assert outbox(chat) == [
        (IntentKind.CARD, OutboxStatus.DELIVERED, 2),
        (IntentKind.DIRECT_MESSAGE, OutboxStatus.DELIVERED, 1),
    ]


def test_a_server_error_is_retried_with_growing_backoff(chat: Chat, clock: ManualClock) -> None:
    chat.raise_incident("alice")
    chat.sender.failures.extend(DeliveryFailed("HTTP 500") for _ in range(4))

    assert chat.deliver() == []  # both fail: retry in 2 s
    clock.advance(seconds(1))
    assert chat.deliver() == []
    clock.advance(seconds(1))
    assert chat.deliver() == []  # both fail again: retry in 4 s
    assert outbox(chat) == [
        (IntentKind.CARD, OutboxStatus.PENDING, 2),
        (IntentKind.DIRECT_MESSAGE, OutboxStatus.PENDING, 2),
    ]
    clock.advance(seconds(3))
    assert chat.deliver() == []
    clock.advance(seconds(1))

    assert sent(chat.deliver()) == [
        (IntentKind.CARD, "network", None),
        (IntentKind.DIRECT_MESSAGE, "alice", None),
    ]
    assert chat.deliver() == []
    assert [status for _, status, _ in outbox(chat)] == [OutboxStatus.DELIVERED] * 2


def test_a_failed_attempt_records_its_error_and_retries(chat: Chat, clock: ManualClock) -> None:
    chat.raise_incident("alice")
    chat.sender.failures.append(DeliveryFailed("connection reset"))

    assert len(chat.deliver()) == 1
    with unit_of_work(chat.desk.db) as session:
        card = session.scalars(
            select(OutboxIntent).where(OutboxIntent.kind == IntentKind.CARD)
        ).one()
        assert (card.status, card.last_error) == (OutboxStatus.PENDING, "connection reset")
    clock.advance(seconds(2))
    assert sent(chat.deliver()) == [(IntentKind.CARD, "network", None)]


def test_a_change_edits_the_card_and_threads_its_notes(chat: Chat) -> None:
    reference = chat.raise_incident("alice")
    chat.deliver()
    card_id, dm_id = f"{reference}@network", f"{reference}@alice"

    acknowledge(chat, reference)
    delivered = chat.deliver()

    # Each queue (ticket, platform, audience) goes in order: the team's card before its note;
    # the requester's DM is another queue and goes out in the first round beside the card.
    assert sent(delivered) == [
        (IntentKind.CARD, "network", card_id),
        (IntentKind.DIRECT_MESSAGE, "alice", dm_id),
        (IntentKind.THREAD_NOTE, "network", card_id),
    ]
    edited_card = delivered[0].reply
    assert "Acknowledge" not in [b.label for b in edited_card.buttons]
    with unit_of_work(chat.desk.db) as session:
        remembered = session.execute(
            select(ChatMessage.platform, ChatMessage.address, ChatMessage.role).order_by(
                ChatMessage.id
            )
        ).all()
    assert [tuple(row) for row in remembered] == [
        ("testchat", "network", MessageRole.CARD),
        ("testchat", "alice", MessageRole.DIRECT_THREAD),
    ]


def test_the_card_posted_after_a_retry_is_the_one_later_changes_edit(
    chat: Chat, clock: ManualClock
) -> None:
    reference = chat.raise_incident("alice")
    chat.sender.failures.append(DeliveryFailed("HTTP 502"))
    chat.deliver()
    clock.advance(seconds(2))
    assert sent(chat.deliver()) == [(IntentKind.CARD, "network", None)]

    acknowledge(chat, reference)
    later = chat.deliver()

    team_posts = [d for d in later if d.audience == AudienceKind.TEAM]
    assert sent(team_posts) == [
        (IntentKind.CARD, "network", f"{reference}@network"),
        (IntentKind.THREAD_NOTE, "network", f"{reference}@network"),
    ]
    new_cards = [
        d for d in chat.sender.deliveries if d.kind == IntentKind.CARD and d.thread_root is None
    ]
    assert len(new_cards) == 1


def test_a_note_waits_for_its_card_when_the_card_fails(chat: Chat, clock: ManualClock) -> None:
    reference = chat.raise_incident("alice")
    chat.deliver()
    acknowledge(chat, reference)
    chat.sender.failures.append(DeliveryFailed("HTTP 500"))

    first_try = sent(chat.deliver())
    clock.advance(seconds(2))
    retry = sent(chat.deliver())

    assert first_try == [(IntentKind.DIRECT_MESSAGE, "alice", f"{reference}@alice")]
    assert retry == [
        (IntentKind.CARD, "network", f"{reference}@network"),
        (IntentKind.THREAD_NOTE, "network", f"{reference}@network"),
    ]


def test_a_dispatcher_whose_claim_expired_does_not_send_again(
    chat: Chat, clock: ManualClock
) -> None:
    chat.raise_incident("alice")
    with unit_of_work(chat.desk.db) as session:
        stalled = claim_due(session, clock.now())  # a dispatcher claims, then stalls
    clock.advance(CLAIM_LEASE + seconds(1))

    taken_over = chat.deliver()  # another dispatcher takes the expired claims and sends
    with unit_of_work(chat.desk.db) as session:
        still_ours = [renew_claim(session, i.id, i.claimed_at, clock.now()) for i in stalled]

    assert len(taken_over) == len(stalled) == 2
    assert still_ours == [False, False]
