"""Approval votes: record one approver's vote and count where the votes leave the ticket.

The caller holds the ticket's row lock (FOR UPDATE on PostgreSQL; SQLite has one writer), so
two approvers voting at the same moment are counted one after the other, each exactly once.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.enums import Vote
from storage.models import ApprovalVote, Person, ServiceApprover, Ticket
from workflows.approval_policy import ApprovalPolicy, Outcome, outcome
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
    earlier = session.scalar(
        select(ApprovalVote.vote).where(
            ApprovalVote.ticket_id == ticket.id, ApprovalVote.approver_id == approver.id
        )
    )
    if earlier is not None:
        raise InvalidInput(f"You already {VOTED[earlier]} {ticket.reference}; a vote is final.")
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
    session: Session, ticket_id: int, policy: ApprovalPolicy, approvers: list[Person]
) -> ApprovalState:
    """The votes cast on a ticket and the approvers still to vote."""
    votes = session.scalars(
        select(ApprovalVote).where(ApprovalVote.ticket_id == ticket_id).order_by(ApprovalVote.id)
    ).all()
    voted = {vote.approver_id for vote in votes}
    return ApprovalState(
        rule=policy.describe(len(approvers)),
        votes=tuple((vote.approver.name, vote.vote, vote.note) for vote in votes),
        pending=tuple(person.name for person in approvers if person.id not in voted),
    )


def pending_approvers(session: Session, ticket: Ticket) -> list[str]:
    """Keys of the eligible approvers who have not voted on `ticket` yet."""
    voted = select(ApprovalVote.approver_id).where(ApprovalVote.ticket_id == ticket.id)
    return list(
        session.scalars(
            select(Person.key)
            .join(ServiceApprover, ServiceApprover.person_id == Person.id)
            .where(
                ServiceApprover.service_id == ticket.service_id,
                Person.id != ticket.requester_id,
                Person.active.is_(True),
                Person.id.not_in(voted),
            )
            .order_by(Person.key)
        )
    )
