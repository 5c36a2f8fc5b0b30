"""Typed days and moments (`2026-12-01`, `2026-12-01 14:30`, UTC) -> dates and aware datetimes."""

from datetime import UTC, date, datetime

from workflows.errors import InvalidInput

DAY_HINT = "YYYY-MM-DD"
MOMENT_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")


def parse_day(text: str) -> date:
    """A day typed as YYYY-MM-DD."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"Please type the day as {DAY_HINT}, e.g. 2026-12-31.") from None


def parse_moment(text: str) -> datetime:
    """A moment typed as YYYY-MM-DD HH:MM, taken as UTC."""
    for layout in MOMENT_FORMATS:
        try:
            return datetime.strptime(text.strip(), layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise InvalidInput("Please type the moment as YYYY-MM-DD HH:MM (UTC), e.g. 2026-12-01 14:30.")
