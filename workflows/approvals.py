"""Approval votes: record one approver's vote and count where the votes leave the ticket.

The caller holds the ticket's row lock (FOR UPDATE on PostgreSQL; SQLite has one writer), so
two approvers voting at the same moment are counted one after the other, each exactly once.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.enums import Vote
from storage.models import ApprovalVote, Person, Ticket
from workflows.approval_policy import ApprovalPolicy, Outcome, outcome
from workflows.approvers import approver_people
from workflows.errors import InvalidInput

VOTED = {Vote.APPROVE: "approved", Vote.REJECT: "rejected"}


@dataclass(frozen=True)
class Tally:
    """The votes counted after one more: approvals, rejections, of how many, and the outcome."""

    approvals: int
    rejections: int
    approvers: int
    outcome: Outcome


@dataclass(frozen=True)
class ApprovalState:
    """Who voted what, and who has not voted yet, under which rule."""

    rule: str
    votes: tuple[tuple[str, Vote, str], ...]
    pending: tuple[str, ...]
    stage: str = ""  # whose approval an access request awaits: "manager", "service owner"


def refuse_second_vote(session: Session, ticket: Ticket, approver: Person) -> None:
    """Raise InvalidInput when `approver` already voted on `ticket` (at any stage)."""
    earlier = session.scalar(
        select(ApprovalVote.vote).where(
            ApprovalVote.ticket_id == ticket.id, ApprovalVote.approver_id == approver.id
        )
    )
    if earlier is not None:
        raise InvalidInput(f"You already {VOTED[earlier]} {ticket.reference}; a vote is final.")


def cast_vote(
    session: Session,
    ticket: Ticket,
    approver: Person,
    vote: Vote,
    note: str,
    policy: ApprovalPolicy,
    approver_ids: frozenset[int],
    now: datetime,
) -> Tally:
    """Record `approver`'s vote (once per ticket) and count the current approvers' votes."""
    refuse_second_vote(session, ticket, approver)
    session.add(
        ApprovalVote(
            ticket_id=ticket.id,
            approver_id=approver.id,
            vote=vote,
            note=note,
            created_at=now,
        )
    )
    session.flush()
    counts = dict(
        session.execute(
            select(ApprovalVote.vote, func.count())
            .where(
                ApprovalVote.ticket_id == ticket.id,
                ApprovalVote.approver_id.in_(approver_ids),
            )
            .group_by(ApprovalVote.vote)
        ).all()
    )
    approvals, rejections = counts.get(Vote.APPROVE, 0), counts.get(Vote.REJECT, 0)
    decided = outcome(policy, len(approver_ids), approvals, rejections)
    return Tally(approvals, rejections, len(approver_ids), decided)


def approval_state(
    session: Session,
    ticket_id: int,
    policy: ApprovalPolicy,
    approvers: list[Person],
    stage: str = "",
) -> ApprovalState:
    """The votes cast on a ticket and the approvers (of its current stage) still to vote."""
    votes = session.scalars(
        select(ApprovalVote).where(ApprovalVote.ticket_id == ticket_id).order_by(ApprovalVote.id)
    ).all()
    voted = {vote.approver_id for vote in votes}
    return ApprovalState(
        rule=policy.describe(len(approvers)),
        votes=tuple((vote.approver.name, vote.vote, vote.note) for vote in votes),
        pending=tuple(person.name for person in approvers if person.id not in voted),
        stage=stage,
    )


def pending_approvers(session: Session, ticket: Ticket) -> list[str]:
    """Keys of the people who approve `ticket` now and have not voted on it yet."""
    voted = set(
        session.scalars(select(ApprovalVote.approver_id).where(ApprovalVote.ticket_id == ticket.id))
    )
    return [person.key for person in approver_people(session, ticket) if person.id not in voted]
