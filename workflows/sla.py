"""SLA rules (pure): targets per priority, how a clock runs, and its ladder of warnings.

A ticket has two clocks. The response clock runs from creation until an incident is
acknowledged. The resolution clock runs from creation while the ticket is being worked and
pauses while it waits on someone else (its requester, an approval) or sits resolved; paused
business time is added to its due moment. Each clock announces a ladder of thresholds,
fractions of its target (75 % and 90 % by default), and then its breach at 100 %.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from storage.enums import Priority, TicketStatus, TicketType
from workflows.calendars import BusinessCalendar, add_business_time

DEFAULT_LADDER = (0.75, 0.9)
BREACH = 1.0

RESPONSE_TYPES = frozenset({TicketType.INCIDENT})
RESOLUTION_TYPES = frozenset(
    {TicketType.INCIDENT, TicketType.SERVICE_REQUEST, TicketType.ACCESS_REQUEST}
)
# The resolution clock runs in these statuses and is paused in every other one.
RUNNING_STATUSES = frozenset(
    {
        TicketStatus.NEW,
        TicketStatus.ACKNOWLEDGED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.APPROVED,
    }
)


class SlaClock(StrEnum):
    """The two clocks of a ticket."""

    RESPONSE = "response"
    RESOLUTION = "resolution"


@dataclass(frozen=True)
class SlaTarget:
    """How long responding and resolving may take, each counted on its own calendar."""

    response: timedelta
    resolution: timedelta
    response_calendar: BusinessCalendar
    resolution_calendar: BusinessCalendar


@dataclass(frozen=True)
class SlaPolicy:
    """Targets per priority and the fractions of a target at which to warn."""

    targets: Mapping[Priority, SlaTarget]
    ladder: tuple[float, ...] = DEFAULT_LADDER

    @property
    def thresholds(self) -> tuple[float, ...]:
        """The warning fractions followed by the breach."""
        return (*self.ladder, BREACH)


@dataclass(frozen=True)
class SlaBook:
    """Every SLA policy of the desk, by key."""

    policies: Mapping[str, SlaPolicy] = field(default_factory=dict)

    def policy(self, key: str | None) -> SlaPolicy | None:
        """The policy called `key`, or None when the service has none."""
        return self.policies.get(key) if key else None

    def target(self, policy_key: str | None, priority: Priority) -> SlaTarget | None:
        """The targets a ticket of `priority` gets under policy `policy_key`, if any."""
        policy = self.policy(policy_key)
        return policy.targets.get(priority) if policy else None


@dataclass(frozen=True)
class ClockRun:
    """How one clock has run: from when, for how long a budget, paused for how much."""

    started_at: datetime
    budget: timedelta
    calendar: BusinessCalendar
    paused_for: timedelta = timedelta(0)
    paused_since: datetime | None = None

    def moment(self, fraction: float) -> datetime | None:
        """When `fraction` of the budget is used up; None while the clock is paused."""
        if self.paused_since is not None:
            return None
        return _moment(self, fraction)


@lru_cache(maxsize=4096)
def _moment(run: ClockRun, fraction: float) -> datetime:
    # One ticket's check asks for the same moments several times (crossed, next, due): a
    # run is a value, so the calendar arithmetic is done once.
    used = run.budget * fraction + run.paused_for
    return add_business_time(run.calendar, run.started_at, used)


def crossed(run: ClockRun, thresholds: tuple[float, ...], stage: int, now: datetime) -> int:
    """How many thresholds have been reached by `now` (never fewer than `stage`)."""
    reached = stage
    for index in range(stage, len(thresholds)):
        moment = run.moment(thresholds[index])
        if moment is None or moment > now:
            break
        reached = index + 1
    return reached


def next_moment(run: ClockRun, thresholds: tuple[float, ...], stage: int) -> datetime | None:
    """When the first threshold not yet announced falls; None when all were or it is paused."""
    if stage >= len(thresholds):
        return None
    return run.moment(thresholds[stage])
