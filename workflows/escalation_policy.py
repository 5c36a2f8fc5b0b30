"""Escalation rules (pure): levels, whom each notifies, and simple on-call rotations.

A level is reached when an incident stays unacknowledged for the level's time after it was
raised, when its response target is breached (at least the first level), or when a
responder presses Escalate. Targets are written `team:<id>`, `person:<id>` or `oncall:<team>`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from workflows.audiences import Audience, person, team


@dataclass(frozen=True)
class Rotation:
    """People taking turns on call, each for `shift`, starting with the first at `start`."""

    people: tuple[str, ...]
    start: datetime
    shift: timedelta

    def on_call(self, now: datetime) -> str:
        """Who is on call at `now` (before `start`, the first person)."""
        turns = max(0, int((now - self.start) / self.shift))
        return self.people[turns % len(self.people)]


@dataclass(frozen=True)
class EscalationLevel:
    """One level: after how long without acknowledgement, and whom to notify."""

    after: timedelta
    notify: tuple[str, ...]


@dataclass(frozen=True)
class EscalationPolicy:
    """Levels in order; level 1 is the first."""

    levels: tuple[EscalationLevel, ...]

    def level(self, number: int) -> EscalationLevel:
        """Level `number` (1-based)."""
        return self.levels[number - 1]

    def timed_level(self, created_at: datetime, now: datetime) -> int:
        """The highest level whose time since `created_at` has run out by `now` (0 if none)."""
        return sum(1 for level in self.levels if created_at + level.after <= now)

    def next_moment(self, created_at: datetime, reached: int) -> datetime | None:
        """When the level after `reached` falls due by time; None past the last level."""
        if reached >= len(self.levels):
            return None
        return created_at + self.levels[reached].after


@dataclass(frozen=True)
class EscalationBook:
    """Every escalation policy and on-call rotation of the desk."""

    policies: Mapping[str, EscalationPolicy] = field(default_factory=dict)
    rotations: Mapping[str, Rotation] = field(default_factory=dict)

    def policy(self, key: str | None) -> EscalationPolicy | None:
        """The policy called `key`, or None when the service has none."""
        return self.policies.get(key) if key else None

    def audiences(self, level: EscalationLevel, now: datetime) -> list[Audience]:
        """Whom a level notifies at `now`; `oncall:<team>` without a rotation is the team."""
        audiences = []
        for target in level.notify:
            kind, _, key = target.partition(":")
            if kind == "person":
                audiences.append(person(key))
            elif kind == "oncall" and key in self.rotations:
                audiences.append(person(self.rotations[key].on_call(now)))
            else:
                audiences.append(team(key))
        return audiences
