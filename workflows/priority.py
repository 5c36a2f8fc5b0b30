"""Priority from impact x urgency through a matrix; config may override any cell."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from storage.enums import Level, Priority

ITIL_DEFAULT: Mapping[Level, Mapping[Level, Priority]] = {
    Level.HIGH: {Level.HIGH: Priority.P1, Level.MEDIUM: Priority.P2, Level.LOW: Priority.P3},
    Level.MEDIUM: {Level.HIGH: Priority.P2, Level.MEDIUM: Priority.P3, Level.LOW: Priority.P4},
    Level.LOW: {Level.HIGH: Priority.P3, Level.MEDIUM: Priority.P4, Level.LOW: Priority.P5},
}


@dataclass(frozen=True)
class PriorityMatrix:
    """Rows are impact, columns urgency."""

    overrides: Mapping[Level, Mapping[Level, Priority]] = field(default_factory=dict)

    def priority(self, impact: Level, urgency: Level) -> Priority:
        """The priority of a ticket with this impact and urgency."""
        override = self.overrides.get(impact, {}).get(urgency)
        return override if override is not None else ITIL_DEFAULT[impact][urgency]
