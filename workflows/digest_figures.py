"""Compute a digest's figures for a scope and period, in one read-only unit of work."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from workflows import digest_queries as queries
from workflows.digest import DayFigures, DigestFigures, Period, Scope

DAY = timedelta(days=1)


def compute_digest(
    session: Session, *, name: str, scope: Scope, period: Period, timezone: str, now: datetime
) -> DigestFigures:
    """Every figure of the digest `name` over `period`, days counted in `timezone`."""
    bounds = day_bounds(period, ZoneInfo(timezone))
    figures = queries.period_figures(session, scope, period, now)
    return DigestFigures(
        name=name,
        timezone=timezone,
        period=period,
        by_priority=tuple(figures.by_priority),
        sla=figures.sla,
        oldest_open=tuple(queries.oldest_open(session, scope)),
        changes_awaiting_approval=figures.changes_awaiting_approval,
        changes_failed=figures.changes_failed,
        top_services=tuple(queries.top_services(session, scope, period)),
        top_categories=tuple(queries.top_categories(session, scope, period)),
        days=_days(queries.daily_counts(session, scope, bounds), bounds, ZoneInfo(timezone)),
    )


def day_bounds(period: Period, zone: ZoneInfo) -> list[datetime]:
    """The period's start, each local midnight strictly inside it, and its end (UTC)."""
    bounds = [period.start]
    day = period.start.astimezone(zone).date() + DAY
    while (midnight := datetime.combine(day, time(0), zone).astimezone(UTC)) < period.end:
        bounds.append(midnight)
        day += DAY
    bounds.append(period.end)
    return bounds


def _days(
    counts: dict[int, tuple[int, int, int]], bounds: list[datetime], zone: ZoneInfo
) -> tuple[DayFigures, ...]:
    backlog = counts.get(queries.BEFORE, (0, 0, 0))[0]
    days = []
    for index, start in enumerate(bounds[:-1]):
        opened, closed, missed = counts.get(index, (0, 0, 0))
        backlog += opened - closed
        days.append(DayFigures(start.astimezone(zone).date(), backlog, missed))
    return tuple(days)
