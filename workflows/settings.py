"""The desk-wide settings use cases need: plain values, built once from config by the bot."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from workflows.approval_policy import ApprovalPolicy
from workflows.change_rules import ChangeRules
from workflows.escalation_policy import EscalationBook
from workflows.priority import PriorityMatrix
from workflows.sla import SlaBook


@dataclass(frozen=True)
class PlatformReach:
    """A platform the desk delivers on; `reaches_everyone` when it needs no stored address."""

    name: str
    reaches_everyone: bool = False


@dataclass(frozen=True)
class DeskSettings:
    """What the domain needs to know of the deployment."""

    platforms: tuple[PlatformReach, ...]
    priority_matrix: PriorityMatrix = field(default_factory=PriorityMatrix)
    sla: SlaBook = field(default_factory=SlaBook)
    # service key -> its approval rule (services not named approve on any one approval)
    approvals: Mapping[str, ApprovalPolicy] = field(default_factory=dict)
    # team key -> the platform whose channel is kept for notices overdue elsewhere
    fallbacks: Mapping[str, str] = field(default_factory=dict)
    escalation: EscalationBook = field(default_factory=EscalationBook)
    changes: ChangeRules = field(default_factory=ChangeRules)
