"""Business-time arithmetic for SLA clocks: working hours in a time zone, minus holidays.

Pure functions over timezone-aware datetimes; every result is an aware datetime in UTC.

Working hours are local wall-clock hours. Each working, non-holiday local day contributes one
window, from its opening to its closing time, each turned into a real instant with zoneinfo
and ``fold=0`` (the same rule as java.time's ``ZonedDateTime.of``):

* an ambiguous local time (a fall-back fold) is its first occurrence, the earlier instant;
* a non-existent local time (a spring-forward gap) is read with the offset in force before the
  change, so it lands the gap's length later on the new wall clock (02:30 -> 03:30 CEST);
* a window that this makes empty or inverted (opening inside the gap, closing shortly after
  it) has no working time that day.

A day's working time is therefore the real time between those two instants: 09:00-17:00 stays
8 h across a DST change at 02:00, while 00:00-06:00 is 5 h in spring and 7 h in autumn.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

MIDNIGHT = time(0, 0)
ALL_DAYS = frozenset(range(7))
MAX_IDLE_DAYS = 3653  # ten years without any working time: the calendar never opens
_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)

Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days and hours in a time zone, minus holidays; or around the clock."""

    zone: ZoneInfo
    working_days: frozenset[int]  # date.weekday(): 0 = Monday ... 6 = Sunday
    opens: time  # local wall-clock time the working day starts
    closes: time  # local time it ends; time(0, 0) means midnight at the end of the day (24:00)
    holidays: frozenset[date] = frozenset()  # local dates with no working hours

    def __post_init__(self) -> None:
        """Reject calendars that cannot describe a working week."""
        if not self.working_days:
            raise ValueError("a business calendar needs at least one working day")
        if not self.working_days <= ALL_DAYS:
            days = sorted(self.working_days - ALL_DAYS)
            raise ValueError(f"working days are 0 (Monday) to 6 (Sunday), not {days}")
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("opening and closing are local wall-clock times, without tzinfo")
        if self.closes != MIDNIGHT and self.opens >= self.closes:
            raise ValueError(
                f"opening time {self.opens} must be before closing time {self.closes} "
                "(use time(0, 0) as the closing time for midnight at the end of the day)"
            )

    @classmethod
    def around_the_clock(cls) -> "BusinessCalendar":
        """Every instant counts: 24x7 in UTC with no holidays."""
        return cls(zone=ZoneInfo("UTC"), working_days=ALL_DAYS, opens=MIDNIGHT, closes=MIDNIGHT)


def add_business_time(calendar: BusinessCalendar, start: datetime, amount: timedelta) -> datetime:
    """The earliest moment t >= start at which `amount` of business time has passed since start."""
    since = _as_utc(start, "start")
    if amount < _ZERO:
        raise ValueError(f"business time to add must not be negative, got {amount}")
    if amount == _ZERO or _is_around_the_clock(calendar):
        return since + amount
    remaining = amount
    try:
        for opening, closing in _windows(calendar, since, last_day=None):
            if remaining <= closing - opening:
                return opening + remaining
            remaining -= closing - opening
    except OverflowError as error:
        raise ValueError("the result is beyond the range of datetime") from error
    raise ValueError("the result is beyond the range of datetime")


def business_time_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Business time inside [start, end); zero when end <= start."""
    since, until = _as_utc(start, "start"), _as_utc(end, "end")
    if until <= since:
        return _ZERO
    if _is_around_the_clock(calendar):
        return until - since
    try:
        last_day = until.astimezone(calendar.zone).date() + _ONE_DAY
        return _sum_windows(_windows(calendar, since, last_day), until)
    except OverflowError as error:
        raise ValueError("the span reaches beyond the range of datetime") from error


def _sum_windows(windows: Iterator[Window], until: datetime) -> timedelta:
    """Total length of the ordered windows, cut off at `until`."""
    total = _ZERO
    for opening, closing in windows:
        if opening >= until:
            break
        total += min(closing, until) - opening
    return total


def _as_utc(moment: datetime, name: str) -> datetime:
    """The same instant in UTC; naive datetimes are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {moment}")
    return moment.astimezone(UTC)


def _is_around_the_clock(calendar: BusinessCalendar) -> bool:
    """Whether every instant is business time, so plain arithmetic is exact."""
    return (
        calendar.working_days == ALL_DAYS
        and calendar.opens == MIDNIGHT
        and calendar.closes == MIDNIGHT
        and not calendar.holidays
    )


def _windows(
    calendar: BusinessCalendar, since: datetime, last_day: date | None
) -> Iterator[Window]:
    """Working windows in order, clipped to start no earlier than `since` and never to overlap.

    Stops after the local date `last_day`; without one, raises ValueError once MAX_IDLE_DAYS
    days in a row have passed without working time.
    """
    day = since.astimezone(calendar.zone).date() - _ONE_DAY
    cursor, idle_days = since, 0
    while (last_day is None or day <= last_day) and day < date.max:
        window = _day_window(calendar, day)
        if window is not None and window[1] > cursor:
            yield max(window[0], cursor), window[1]
            cursor, idle_days = window[1], 0
        elif last_day is None:
            idle_days += 1
            if idle_days > MAX_IDLE_DAYS:
                raise ValueError(f"the calendar has no working time in {MAX_IDLE_DAYS} days")
        day += _ONE_DAY


@lru_cache(maxsize=4096)
def _day_window(calendar: BusinessCalendar, day: date) -> Window | None:
    """The UTC window of one local day's working hours, or None if it has none (kept: every
    new ticket's clocks walk the same few days)."""
    if day.weekday() not in calendar.working_days or day in calendar.holidays:
        return None
    opening = _instant(calendar.zone, day, calendar.opens)
    if calendar.closes == MIDNIGHT:
        closing = _instant(calendar.zone, day + _ONE_DAY, MIDNIGHT)
    else:
        closing = _instant(calendar.zone, day, calendar.closes)
    return (opening, closing) if opening < closing else None


def _instant(zone: ZoneInfo, day: date, wall: time) -> datetime:
    """The UTC instant of a local wall-clock time, read with fold=0."""
    return datetime.combine(day, wall.replace(fold=0), tzinfo=zone).astimezone(UTC)
