"""Change rules (pure): the catalog's standard changes and the change-freeze windows.

A standard change must be one the service lists, and is pre-approved. No standard or normal
change may be planned to overlap a freeze of its service; an emergency change may, and the
freeze it overlaps is noted on it.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from storage.enums import ChangeKind, Level
from workflows.errors import InvalidInput

MOMENT_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class FreezeWindow:
    """A named period in which a service's changes are frozen."""

    name: str
    start: datetime
    end: datetime

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether a change planned from `start` to `end` falls (partly) inside the freeze."""
        return start < self.end and self.start < end


@dataclass(frozen=True)
class ChangeDetails:
    """What a requester gives for a change beyond any ticket's fields."""

    kind: ChangeKind
    risk: Level
    planned_start: datetime
    planned_end: datetime
    rollback_plan: str


@dataclass(frozen=True)
class ChangeRules:
    """Per service key: its standard changes and its freeze windows."""

    standard: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    freezes: Mapping[str, tuple[FreezeWindow, ...]] = field(default_factory=dict)

    def standard_changes(self, service_key: str) -> tuple[str, ...]:
        """The pre-approved changes the catalog lists for a service."""
        return self.standard.get(service_key, ())

    def check(
        self, service_key: str, service_name: str, title: str, details: ChangeDetails, now: datetime
    ) -> str:
        """Raise InvalidInput for a change the rules refuse; the freeze it overlaps ("" if none).

        `title` is the change's title (a standard change's must be one the catalog lists).
        """
        if details.planned_end <= details.planned_start:
            raise InvalidInput("The planned end must be later than the planned start.")
        if details.planned_end <= now:
            raise InvalidInput("The planned window is already over; please plan it ahead.")
        if details.kind == ChangeKind.STANDARD:
            listed = self.standard_changes(service_key)
            if title.strip().lower() not in {name.lower() for name in listed}:
                names = "; ".join(listed) if listed else "none"
                raise InvalidInput(
                    f"'{title}' is not a standard change of {service_name} "
                    f"(its standard changes: {names}). Raise it as a normal change."
                )
        freeze = self.freeze_over(service_key, details.planned_start, details.planned_end)
        if freeze is None:
            return ""
        if details.kind != ChangeKind.EMERGENCY:
            raise InvalidInput(
                f"{service_name} is in the change freeze '{freeze.name}' from "
                f"{freeze.start:{MOMENT_FORMAT}} to {freeze.end:{MOMENT_FORMAT}} UTC. Plan the "
                "change outside it, or raise it as an emergency change."
            )
        return freeze.name

    def freeze_over(self, service_key: str, start: datetime, end: datetime) -> FreezeWindow | None:
        """The first freeze of the service that a change from `start` to `end` overlaps."""
        return next(
            (window for window in self.freezes.get(service_key, ()) if window.overlaps(start, end)),
            None,
        )
