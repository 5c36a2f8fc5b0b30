"""A clock that moves only when told to."""

from datetime import UTC, datetime, timedelta


class ManualClock:
    """Starts at a fixed moment; `advance` moves it."""

    def __init__(self, start: datetime = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)) -> None:
        self._now = start

    def now(self) -> datetime:
        """The clock's current moment."""
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self._now += delta
