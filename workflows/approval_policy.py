"""Approval rules (pure): when the votes on a ticket approve it, reject it, or wait for more.

`any` needs one approval, `all` every approver's, `quorum` N of them. By default one rejection
rejects; a policy may ask for more. A ticket is also rejected once too few approvers are left
to reach what is needed.
"""

from dataclasses import dataclass
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


def outcome(policy: ApprovalPolicy, approvers: int, approvals: int, rejections: int) -> Outcome:
    """What `approvals` and `rejections` from `approvers` eligible people decide."""
    needed = policy.needed(approvers)
    if approvals >= needed:
        return Outcome.APPROVED
    if rejections >= policy.rejections or approvers - rejections < needed:
        return Outcome.REJECTED
    return Outcome.PENDING
