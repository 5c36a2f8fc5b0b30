"""Approval rules (pure): when the votes on a ticket approve it, reject it, or wait for more.

`any` needs one approval, `all` every approver's, `quorum` N of them. By default one rejection
rejects; a policy may ask for more. A ticket is also rejected once too few approvers are left
to reach what is needed.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Rule(StrEnum):
    """How many approvals a ticket needs."""

    ANY = "any"
    ALL = "all"
    QUORUM = "quorum"


class Outcome(StrEnum):
    """Where the votes leave a ticket."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ApprovalPolicy:
    """A service's approval rule: `quorum` approvals for QUORUM; `rejections` that reject."""

    rule: Rule = Rule.ANY
    quorum: int = 1
    rejections: int = 1
    remind_after: timedelta | None = timedelta(days=1)
    expire_after: timedelta | None = timedelta(days=7)

    def needed(self, approvers: int) -> int:
        """How many approvals decide, out of `approvers` (never more than there are)."""
        match self.rule:
            case Rule.ANY:
                wanted = 1
            case Rule.ALL:
                wanted = approvers
            case Rule.QUORUM:
                wanted = self.quorum
        return max(1, min(wanted, approvers))

    def describe(self, approvers: int) -> str:
        """`2 of 3 approvals needed`."""
        return f"{self.needed(approvers)} of {approvers} approvals needed"


def next_timer(policy: ApprovalPolicy, requested_at: datetime, reminders: int) -> datetime | None:
    """When the next reminder (every `remind_after`) or the expiry falls, whichever is first."""
    moments = []
    if policy.remind_after is not None:
        moments.append(requested_at + policy.remind_after * (reminders + 1))
    if policy.expire_after is not None:
        moments.append(requested_at + policy.expire_after)
    return min(moments) if moments else None


def reminders_due(policy: ApprovalPolicy, requested_at: datetime, now: datetime) -> int:
    """How many reminders are due by `now` (all that fell before the expiry)."""
    if policy.remind_after is None:
        return 0
    end = now if policy.expire_after is None else min(now, requested_at + policy.expire_after)
    if end <= requested_at:
        return 0
    return int((end - requested_at) / policy.remind_after)


def expired(policy: ApprovalPolicy, requested_at: datetime, now: datetime) -> bool:
    """Whether the approval ran out of time by `now`."""
    return policy.expire_after is not None and requested_at + policy.expire_after <= now


def outcome(policy: ApprovalPolicy, approvers: int, approvals: int, rejections: int) -> Outcome:
    """What `approvals` and `rejections` from `approvers` eligible people decide."""
    needed = policy.needed(approvers)
    if approvals >= needed:
        return Outcome.APPROVED
    if rejections >= policy.rejections or approvers - rejections < needed:
        return Outcome.REJECTED
    return Outcome.PENDING
