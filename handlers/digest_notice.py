"""A digest as a neutral reply (its headline figures), and the wording every rendering shares.

Platforms that know digests render the whole of it from templates (bot/digest_rendering.py);
the neutral reply is what any other platform shows, and the notification text where one is
needed.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.events import Field, Reply
from handlers.labels import TYPE_LABELS
from storage.enums import TicketType
from workflows.digest import DigestFigures

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def digest_reply(figures: DigestFigures) -> Reply:
    """The digest's title and headline figures."""
    return Reply(
        title=digest_title(figures),
        fields=(
            Field("New", str(figures.total("new"))),
            Field("Resolved", str(figures.total("resolved"))),
            Field("Open", str(figures.total("open"))),
            Field("SLA breaches", str(figures.sla.breaches)),
            Field("At risk now", str(figures.sla.at_risk)),
            Field("SLA compliance", percent(figures.sla.compliance)),
            Field("Changes awaiting approval", str(figures.changes_awaiting_approval)),
            Field("Failed changes", str(figures.changes_failed)),
        ),
    )


def digest_title(figures: DigestFigures) -> str:
    """`Digest weekly-managers · Mon 16 Nov 08:00 to Mon 23 Nov 08:00 (Europe/Berlin)`."""
    return f"Digest {figures.name} · {period_label(figures)}"


def period_label(figures: DigestFigures) -> str:
    """The period in the digest's time zone."""
    zone = ZoneInfo(figures.timezone)
    start, end = (moment.astimezone(zone) for moment in (figures.period.start, figures.period.end))
    return f"{_moment(start)} to {_moment(end)} ({figures.timezone})"


def local_time(moment: datetime, timezone: str) -> str:
    """A moment as `Mon 16 Nov 08:00` in `timezone`."""
    return _moment(moment.astimezone(ZoneInfo(timezone)))


def _moment(moment: datetime) -> str:
    return moment.strftime("%a %d %b %H:%M")


def duration(seconds: float | None) -> str:
    """`2d 3h`, `4h 10m`, `25m`, `40s`; `n/a` when there is nothing to measure."""
    if seconds is None:
        return "n/a"
    whole = round(seconds)
    days, hours, minutes = whole // DAY, whole % DAY // HOUR, whole % HOUR // MINUTE
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m" if minutes else f"{whole}s"


def versus(now: float | None, before: float | None) -> str:
    """A mean time and how it moved: `2h (was 3h 30m)`."""
    if before is None:
        return duration(now)
    return f"{duration(now)} (was {duration(before)})"


def percent(value: float | None) -> str:
    """`93.5 %`; `n/a` when nothing was due."""
    return "n/a" if value is None else f"{value:.1f} %"


def category(name: str) -> str:
    """A ticket type's label (`Service request`) from its stored value."""
    return TYPE_LABELS[TicketType(name)]
