"""A digest's figures: plain values, computed from SQL aggregates, carried in the outbox as JSON.

The period is `[start, end)`; the previous period is the one of equal length just before it,
for comparing MTTA and MTTR. Day boundaries are local midnights in the digest's time zone.
"""

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from storage.enums import Priority


@dataclass(frozen=True)
class Period:
    """`[start, end)`, aware UTC moments."""

    start: datetime
    end: datetime

    @property
    def previous(self) -> "Period":
        """The period of equal length that ends where this one starts."""
        return Period(self.start - (self.end - self.start), self.start)

    @property
    def length(self) -> timedelta:
        """How long the period lasts."""
        return self.end - self.start


@dataclass(frozen=True)
class Scope:
    """Which tickets count: those of these teams or these services; all when both are empty."""

    teams: tuple[str, ...] = ()
    services: tuple[str, ...] = ()


@dataclass(frozen=True)
class PriorityFigures:
    """One priority's tickets: new and resolved in the period, open at its end, and the mean
    times to acknowledge and to resolve (seconds) in it and in the previous period."""

    priority: Priority
    new: int
    resolved: int
    open: int
    mtta: float | None
    mtta_before: float | None
    mttr: float | None
    mttr_before: float | None


@dataclass(frozen=True)
class SlaFigures:
    """SLA targets missed (due in the period, not met by then) and met (in the period), and
    open tickets at risk now: warned of, not yet past due."""

    breaches: int
    met: int
    at_risk: int

    @property
    def compliance(self) -> float | None:
        """The share of targets decided in the period that were met, in percent."""
        decided = self.met + self.breaches
        return 100.0 * self.met / decided if decided else None


@dataclass(frozen=True)
class OpenTicket:
    """An open ticket, for the list of the oldest."""

    reference: str
    title: str
    priority: Priority
    team: str
    created_at: datetime


@dataclass(frozen=True)
class Tally:
    """A name and how many tickets it had."""

    name: str
    count: int


@dataclass(frozen=True)
class DayFigures:
    """One local day of the period: the backlog at its end and the breaches in it."""

    day: date
    backlog: int
    breaches: int


@dataclass(frozen=True)
class DigestFigures:
    """Everything a digest shows."""

    name: str
    timezone: str
    period: Period
    by_priority: tuple[PriorityFigures, ...]
    sla: SlaFigures
    oldest_open: tuple[OpenTicket, ...]
    changes_awaiting_approval: int
    changes_failed: int
    top_services: tuple[Tally, ...]
    top_categories: tuple[Tally, ...]
    days: tuple[DayFigures, ...]

    def total(self, figure: str) -> int:
        """The sum over priorities of `new`, `resolved` or `open`."""
        return sum(int(getattr(row, figure)) for row in self.by_priority)


def to_payload(figures: DigestFigures) -> dict[str, Any]:
    """The figures as JSON-ready values (ISO 8601 moments and dates)."""
    payload: dict[str, Any] = _jsonable(asdict(figures))
    return payload


def from_payload(payload: dict[str, Any]) -> DigestFigures:
    """The figures back from `to_payload`'s values."""
    period = payload["period"]
    return DigestFigures(
        name=payload["name"],
        timezone=payload["timezone"],
        period=Period(_moment(period["start"]), _moment(period["end"])),
        by_priority=tuple(
            PriorityFigures(**{**row, "priority": Priority(row["priority"])})
            for row in payload["by_priority"]
        ),
        sla=SlaFigures(**payload["sla"]),
        oldest_open=tuple(
            OpenTicket(
                **{
                    **row,
                    "priority": Priority(row["priority"]),
                    "created_at": _moment(row["created_at"]),
                }
            )
            for row in payload["oldest_open"]
        ),
        changes_awaiting_approval=payload["changes_awaiting_approval"],
        changes_failed=payload["changes_failed"],
        top_services=tuple(Tally(**row) for row in payload["top_services"]),
        top_categories=tuple(Tally(**row) for row in payload["top_categories"]),
        days=tuple(
            DayFigures(**{**row, "day": date.fromisoformat(row["day"])}) for row in payload["days"]
        ),
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)
