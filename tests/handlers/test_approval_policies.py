"""Approval policies (any, all, quorum; rejections), separation of duties, and simultaneous
votes counted once each on SQLite and PostgreSQL. The demo's ERP access service is used with
its approvers and rule replaced per test, and without managers, so the service's rule alone
decides (the manager's stage is tested in test_approval.py)."""

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.app import build_desk
from bot.config import Config, ServiceConfig
from bot.directory import directory_spec
from bot.platforms.base import Delivery
from handlers.events import EventKind, InboundEvent, Place, Reply
from storage.database import Database
from storage.enums import AudienceKind, IntentKind, TicketStatus
from storage.models import ApprovalVote, AuditEvent
from tests.support.chat import PLATFORM, Chat, RecordingSender, button
from tests.support.clock import ManualClock
from workflows.approval_policy import ApprovalPolicy, Outcome, Rule, outcome
from workflows.directory import sync_directory
from workflows.unit_of_work import unit_of_work

PolicyChat = Callable[..., Chat]


def with_approval(config: Config, approvers: list[str], **approval: object) -> Config:
    services = [
        ServiceConfig.model_validate(
            {**s.model_dump(), "approvers": approvers, "approval": approval}
        )
        if s.id == "erp-access"
        else s
        for s in config.services
    ]
    people = [person.model_copy(update={"manager": None}) for person in config.people]
    return config.model_copy(update={"services": services, "people": people})


@pytest.fixture
def policy_chat(database: Database, demo_config: Config, clock: ManualClock) -> PolicyChat:
    """A chat whose ERP access service has the given approvers and approval rule."""

    def make(approvers: list[str], **approval: object) -> Chat:
        config = with_approval(demo_config, approvers, **approval)
        with unit_of_work(database) as session:
            sync_directory(session, directory_spec(config))
        sender = RecordingSender()
        return Chat(build_desk(config, database, [sender], clock), sender)

    return make


def raise_access_request(chat: Chat, requester: str = "alice") -> str:
    chat.command(requester, "new", "ERP read access for the audit")
    for answer in ("Access request", "ERP access", "-", "No end date", "Low", "Medium", "Raise it"):
        replies = chat.say(requester, answer)
    assert replies[0].ticket is not None
    return replies[0].ticket


def approval_dm(chat: Chat, approver: str) -> Reply:
    return next(
        d.reply
        for d in chat.sender.deliveries
        if d.audience == AudienceKind.PERSON and d.address == approver and d.reply.buttons
    )


def vote(chat: Chat, approver: str, label: str, reason: str = "") -> list[Reply]:
    replies = chat.press(approver, button([approval_dm(chat, approver)], label))
    return chat.say(approver, reason) if reason else replies


def shown_lines(chat: Chat, reference: str) -> list[str]:
    return chat.command("erin", "ticket", reference)[0].text.splitlines()


def votes_stored(chat: Chat) -> int:
    with unit_of_work(chat.desk.db) as session:
        return session.scalar(select(func.count()).select_from(ApprovalVote)) or 0


def test_all_waits_for_every_approver(policy_chat: PolicyChat) -> None:
    chat = policy_chat(["carol", "grace"], rule="all")
    reference = raise_access_request(chat)
    chat.deliver()

    first = vote(chat, "carol", "Approve")

    assert first[0].text == f"Your vote is counted; {reference} still awaits approval."
    assert chat.status_of(reference) == TicketStatus.AWAITING_APPROVAL
    thread = [d.reply.text for d in chat.deliver() if d.audience == AudienceKind.TEAM]
    assert f"Carol Nguyen approved {reference} (1 of 2 approvals so far)." in thread
    lines = shown_lines(chat, reference)
    assert lines[lines.index("Approval (2 of 2 approvals needed):") + 1 :][:2] == [
        "• Carol Nguyen approved",
        "• waiting for Grace Hopper",
    ]

    vote(chat, "grace", "Approve")

    assert chat.status_of(reference) == TicketStatus.APPROVED


def test_one_rejection_rejects_by_default(policy_chat: PolicyChat) -> None:
    chat = policy_chat(["carol", "grace", "frank"], rule="quorum", quorum=2)
    reference = raise_access_request(chat)
    chat.deliver()

    vote(chat, "carol", "Approve")
    rejected = vote(chat, "grace", "Reject", "No audit is planned this quarter")

    assert rejected[0].text == f"{reference} is now rejected."
    assert chat.status_of(reference) == TicketStatus.REJECTED
    assert "• Grace Hopper rejected: No audit is planned this quarter" in shown_lines(
        chat, reference
    )


def test_a_policy_may_need_more_rejections(policy_chat: PolicyChat) -> None:
    chat = policy_chat(["carol", "grace", "frank"], rule="quorum", quorum=2, rejections=2)
    reference = raise_access_request(chat)
    chat.deliver()

    vote(chat, "grace", "Reject", "Not needed")
    assert chat.status_of(reference) == TicketStatus.AWAITING_APPROVAL
    vote(chat, "carol", "Approve")
    vote(chat, "frank", "Approve")

    assert chat.status_of(reference) == TicketStatus.APPROVED


def test_a_second_vote_by_the_same_approver_is_refused(policy_chat: PolicyChat) -> None:
    chat = policy_chat(["carol", "grace"], rule="all")
    reference = raise_access_request(chat)
    chat.deliver()
    vote(chat, "carol", "Approve")

    again = vote(chat, "carol", "Approve")

    assert again[0].problem
    assert again[0].text == f"You already approved {reference}; a vote is final."
    assert votes_stored(chat) == 1


def test_a_vote_after_the_decision_changes_nothing(policy_chat: PolicyChat) -> None:
    chat = policy_chat(["carol", "grace"], rule="any")
    reference = raise_access_request(chat)
    chat.deliver()
    vote(chat, "carol", "Approve")

    stale = vote(chat, "grace", "Reject")

    assert stale[0].problem
    assert stale[0].text == f"{reference} was already decided: it is approved. Nothing was changed."
    assert chat.status_of(reference) == TicketStatus.APPROVED
    assert votes_stored(chat) == 1


def test_every_approvers_request_shows_the_outcome_once_decided(policy_chat: PolicyChat) -> None:
    chat = policy_chat(["carol", "grace"], rule="any")
    reference = raise_access_request(chat)
    delivered = chat.deliver()
    asked = {d.address for d in delivered if d.audience == AudienceKind.PERSON and d.reply.buttons}
    vote(chat, "carol", "Approve")

    edits = {
        d.address: d
        for d in chat.deliver()
        if d.audience == AudienceKind.PERSON and d.kind == IntentKind.CARD
    }

    assert asked == set(edits) == {"carol", "grace"}
    for approver, edit in edits.items():
        assert edit.thread_root is not None  # the request message itself is edited
        assert edit.reply.buttons == ()
        assert edit.reply.text.startswith(
            f"{reference} was approved; Carol Nguyen cast the deciding vote."
        ), approver


def test_nobody_approves_their_own_request_and_outsiders_cannot_vote(
    policy_chat: PolicyChat,
) -> None:
    chat = policy_chat(["alice", "carol"], rule="all")
    reference = raise_access_request(chat, requester="alice")
    asked = {
        d.address for d in chat.deliver() if d.audience == AudienceKind.PERSON and d.reply.buttons
    }
    assert asked == {"carol"}  # the requester is not asked to approve their own request
    carol_dm = approval_dm(chat, "carol")

    own = chat.press("alice", button([carol_dm], "Approve"))
    outsider = chat.press("dave", button([carol_dm], "Approve"))

    assert own[0].problem and outsider[0].problem
    assert chat.status_of(reference) == TicketStatus.AWAITING_APPROVAL
    assert votes_stored(chat) == 0
    # alice cannot vote, so 'all' means carol alone decides.
    vote(chat, "carol", "Approve")
    assert chat.status_of(reference) == TicketStatus.APPROVED


def test_simultaneous_votes_on_a_quorum_are_each_counted_once(
    policy_chat: PolicyChat, database_url: str, demo_config: Config, clock: ManualClock
) -> None:
    chat = policy_chat(["carol", "grace", "frank"], rule="quorum", quorum=2)
    reference = raise_access_request(chat)
    chat.deliver()
    config = with_approval(demo_config, ["carol", "grace", "frank"], rule="quorum", quorum=2)
    other_replica = Database.from_url(database_url)
    routers = [
        chat.desk.router,
        build_desk(config, other_replica, [RecordingSender()], clock).router,
    ]
    presses = {
        approver: button([approval_dm(chat, approver)], "Approve")
        for approver in ("carol", "grace")
    }
    both_ready = threading.Barrier(2)
    replies: dict[str, list[Reply]] = {}

    def press(index: int, approver: str) -> None:
        both_ready.wait()
        pressed = presses[approver]
        event = InboundEvent(
            approver, Place(PLATFORM), EventKind.BUTTON, pressed.action, pressed.value
        )
        replies[approver] = routers[index].handle(event)

    threads = [
        threading.Thread(target=press, args=(index, approver))
        for index, approver in enumerate(("carol", "grace"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    other_replica.dispose()

    assert not any(reply[0].problem for reply in replies.values()), replies
    assert chat.status_of(reference) == TicketStatus.APPROVED
    assert votes_stored(chat) == 2
    with unit_of_work(chat.desk.db) as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert sorted(actions[-3:-1]) == ["vote approve", "vote approve"]
    assert actions[-1] == "approve"


@pytest.mark.parametrize(
    ("policy", "approvers", "votes", "expected"),
    [
        (ApprovalPolicy(Rule.ANY), 3, (1, 0), Outcome.APPROVED),
        (ApprovalPolicy(Rule.ANY), 3, (0, 1), Outcome.REJECTED),
        (ApprovalPolicy(Rule.ALL), 3, (2, 0), Outcome.PENDING),
        (ApprovalPolicy(Rule.ALL), 3, (3, 0), Outcome.APPROVED),
        (ApprovalPolicy(Rule.QUORUM, quorum=2), 3, (1, 0), Outcome.PENDING),
        (ApprovalPolicy(Rule.QUORUM, quorum=2), 3, (2, 1), Outcome.APPROVED),
        (ApprovalPolicy(Rule.QUORUM, quorum=2, rejections=3), 3, (0, 2), Outcome.REJECTED),
        (ApprovalPolicy(Rule.QUORUM, quorum=2, rejections=3), 4, (1, 2), Outcome.PENDING),
    ],
)
def test_outcomes(
    policy: ApprovalPolicy, approvers: int, votes: tuple[int, int], expected: Outcome
) -> None:
    assert outcome(policy, approvers, *votes) == expected


def test_pending_approvers_are_reminded_and_the_approval_expires(
    policy_chat: PolicyChat, clock: ManualClock
) -> None:
    chat = policy_chat(["carol", "grace"], rule="all", remind_after="1d", expire_after="3d")
    reference = raise_access_request(chat)
    chat.deliver()
    vote(chat, "carol", "Approve")
    chat.deliver()

    clock.advance(timedelta(hours=23))
    assert direct_texts(chat.sweep()) == []
    clock.advance(timedelta(hours=1))
    reminded = direct_texts(chat.sweep())
    assert reminded == [
        ("grace", f"Reminder: {reference} still awaits your approval since 2026-11-23 09:00 UTC.")
    ]
    assert direct_texts(chat.sweep()) == []

    clock.advance(timedelta(days=2))
    expired = chat.sweep()

    assert chat.status_of(reference) == TicketStatus.REJECTED
    assert (
        "alice",
        f"The desk expired the approval of {reference} (now rejected). "
        "Reason: no decision before the approval's time ran out",
    ) in direct_texts(expired)
    edited = {d.address: d.reply.text for d in expired if d.kind == IntentKind.CARD}
    assert edited["grace"].startswith(f"{reference} expired without a decision.")
    assert chat.sweep() == []


def direct_texts(deliveries: list[Delivery]) -> list[tuple[str, str]]:
    return [
        (d.address, d.reply.text)
        for d in deliveries
        if d.audience == AudienceKind.PERSON and d.kind == IntentKind.DIRECT_MESSAGE
    ]
