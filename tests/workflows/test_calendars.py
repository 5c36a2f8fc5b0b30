"""Business-time arithmetic: worked examples checked by hand, then properties over a few fixed
calendars (round trip, monotonicity, additivity, and plain arithmetic around the clock)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.calendars import BusinessCalendar, add_business_time, business_time_between

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
UTC_ZONE = ZoneInfo("UTC")
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
H = timedelta(hours=1)

OFFICE_UTC = BusinessCalendar(UTC_ZONE, WEEKDAYS, time(9), time(17))
EASTER_2026 = frozenset({date(2026, 4, 3), date(2026, 4, 6)})  # Good Friday, Easter Monday
OFFICE_UTC_EASTER = BusinessCalendar(UTC_ZONE, WEEKDAYS, time(9), time(17), EASTER_2026)
BERLIN_DAYS = BusinessCalendar(BERLIN, EVERY_DAY, time(9), time(17))
BERLIN_NIGHTS = BusinessCalendar(BERLIN, EVERY_DAY, time(0), time(6))
BERLIN_EVENINGS = BusinessCalendar(BERLIN, EVERY_DAY, time(18), time(0))
NEW_YORK_OFFICE = BusinessCalendar(NEW_YORK, WEEKDAYS, time(9), time(17))
LATE_SHIFT = BusinessCalendar(UTC_ZONE, WEEKDAYS, time(20), time(0))
WEEKDAYS_ALL_DAY = BusinessCalendar(UTC_ZONE, WEEKDAYS, time(0), time(0))
ALWAYS = BusinessCalendar.around_the_clock()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Berlin wall-clock datetime (fold=0)."""
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def new_york(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A New York wall-clock datetime (fold=0)."""
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def in_utc(moment: datetime) -> datetime:
    """The same instant in UTC, so comparison and arithmetic use real time, not wall time."""
    return moment.astimezone(UTC)


# --- worked examples: a 09-17 Mon-Fri office in UTC ---------------------------------------------


def test_friday_afternoon_plus_two_hours_lands_on_monday_morning() -> None:
    # Fri 2026-03-06 16:00: 1 h left on Friday (to 17:00); the weekend is closed;
    # the 2nd hour runs Mon 2026-03-09 09:00-10:00.
    assert add_business_time(OFFICE_UTC, utc(2026, 3, 6, 16), 2 * H) == utc(2026, 3, 9, 10)
    assert business_time_between(OFFICE_UTC, utc(2026, 3, 6, 16), utc(2026, 3, 9, 10)) == 2 * H


def test_holidays_are_skipped() -> None:
    # Thu 2026-04-02 16:00: 1 h on Thursday; Fri 3 (Good Friday), Sat, Sun and Mon 6 (Easter
    # Monday) are closed; the 2nd hour runs Tue 2026-04-07 09:00-10:00.
    start = utc(2026, 4, 2, 16)
    assert add_business_time(OFFICE_UTC_EASTER, start, 2 * H) == utc(2026, 4, 7, 10)
    # Without the holidays the 2nd hour is on Good Friday.
    assert add_business_time(OFFICE_UTC, start, 2 * H) == utc(2026, 4, 3, 10)
    # The whole Easter stretch Thu 17:00 -> Tue 09:00 holds no business time.
    assert business_time_between(OFFICE_UTC_EASTER, utc(2026, 4, 2, 17), utc(2026, 4, 7, 9)) == (
        timedelta(0)
    )


def test_before_opening_the_clock_starts_at_opening() -> None:
    # Tue 2026-03-10 07:00 is before 09:00; one hour from 09:00 is 10:00.
    assert add_business_time(OFFICE_UTC, utc(2026, 3, 10, 7), H) == utc(2026, 3, 10, 10)
    assert business_time_between(OFFICE_UTC, utc(2026, 3, 10, 7), utc(2026, 3, 10, 10)) == H


def test_after_closing_the_clock_starts_next_morning() -> None:
    # Tue 2026-03-10 18:00 is after 17:00; next opening Wed 09:00, plus 1 h = 10:00.
    assert add_business_time(OFFICE_UTC, utc(2026, 3, 10, 18), H) == utc(2026, 3, 11, 10)


def test_on_a_weekend_the_clock_starts_on_monday() -> None:
    # Sat 2026-03-07 12:00: nothing until Mon 2026-03-09 09:00, plus 1 h 30 min = 10:30.
    start = utc(2026, 3, 7, 12)
    assert add_business_time(OFFICE_UTC, start, 90 * timedelta(minutes=1)) == utc(
        2026, 3, 9, 10, 30
    )


def test_landing_exactly_on_closing_stays_there() -> None:
    # Tue 16:00 + 1 h = Tue 17:00, the closing instant itself, not Wed 09:00.
    assert add_business_time(OFFICE_UTC, utc(2026, 3, 10, 16), H) == utc(2026, 3, 10, 17)


def test_zero_amount_is_the_start_even_outside_hours() -> None:
    saturday_in_berlin = berlin(2026, 3, 7, 12)  # 11:00 UTC in winter
    assert add_business_time(OFFICE_UTC, saturday_in_berlin, timedelta(0)) == utc(2026, 3, 7, 11)


def test_results_are_in_utc() -> None:
    result = add_business_time(OFFICE_UTC, berlin(2026, 3, 10, 10), H)
    # 10:00 CET = 09:00 UTC, plus 1 h = 10:00 UTC.
    assert result == utc(2026, 3, 10, 10)
    assert result.tzinfo is UTC


def test_between_is_zero_when_end_is_not_after_start() -> None:
    assert business_time_between(OFFICE_UTC, utc(2026, 3, 10, 12), utc(2026, 3, 10, 12)) == (
        timedelta(0)
    )
    assert business_time_between(OFFICE_UTC, utc(2026, 3, 10, 12), utc(2026, 3, 10, 10)) == (
        timedelta(0)
    )


def test_multi_week_amounts() -> None:
    # 40 business hours a week. From Mon 2026-03-09 09:00, 6 weeks = 240 h ends on the 6th
    # Friday, 2026-04-17, at 17:00 (and stays on that closing instant).
    start = utc(2026, 3, 9, 9)
    assert add_business_time(OFFICE_UTC, start, 240 * H) == utc(2026, 4, 17, 17)
    # One more hour is Mon 2026-04-20 10:00.
    assert add_business_time(OFFICE_UTC, start, 241 * H) == utc(2026, 4, 20, 10)
    # With Good Friday and Easter Monday off, 16 h more are needed: Tue 2026-04-21 17:00.
    assert add_business_time(OFFICE_UTC_EASTER, start, 240 * H) == utc(2026, 4, 21, 17)
    # A year of 52 weeks from Mon 2026-01-05 09:00 is Fri 2027-01-01 17:00 (364 days later).
    assert add_business_time(OFFICE_UTC, utc(2026, 1, 5, 9), 52 * 40 * H) == utc(2027, 1, 1, 17)
    assert business_time_between(OFFICE_UTC, utc(2026, 1, 5, 9), utc(2027, 1, 1, 17)) == (
        52 * 40 * H
    )


# --- Europe/Berlin across the DST changes -------------------------------------------------------
# 2026-03-29 (Sunday): at 02:00 CET (01:00 UTC) clocks jump to 03:00 CEST; 02:xx does not exist.
# 2026-10-25 (Sunday): at 03:00 CEST (01:00 UTC) clocks fall back to 02:00 CET; 02:xx happens twice.


def test_nine_to_five_keeps_eight_hours_across_spring_forward() -> None:
    # Sat 28 March 09-17 CET = 08:00-16:00 UTC; Sun 29 March 09-17 CEST = 07:00-15:00 UTC.
    day = business_time_between(BERLIN_DAYS, berlin(2026, 3, 29, 0), berlin(2026, 3, 30, 0))
    assert day == 8 * H
    # Sat 16:00 CET (15:00 UTC) + 2 h: 1 h to 17:00 CET, then Sun 09:00 CEST + 1 h = 10:00 CEST,
    # which is 08:00 UTC.
    assert add_business_time(BERLIN_DAYS, berlin(2026, 3, 28, 16), 2 * H) == utc(2026, 3, 29, 8)


def test_nine_to_five_keeps_eight_hours_across_fall_back() -> None:
    # Sat 24 October 09-17 CEST = 07:00-15:00 UTC; Sun 25 October 09-17 CET = 08:00-16:00 UTC.
    day = business_time_between(BERLIN_DAYS, berlin(2026, 10, 25, 0), berlin(2026, 10, 26, 0))
    assert day == 8 * H
    # Sat 16:00 CEST (14:00 UTC) + 2 h: 1 h to 17:00 CEST, then Sun 09:00 CET + 1 h = 10:00 CET,
    # which is 09:00 UTC.
    assert add_business_time(BERLIN_DAYS, berlin(2026, 10, 24, 16), 2 * H) == utc(2026, 10, 25, 9)


def test_night_shift_spanning_the_gap_is_five_hours() -> None:
    # Sun 29 March 00:00 CET = Sat 23:00 UTC; 06:00 CEST = 04:00 UTC: 5 real hours.
    sunday = business_time_between(BERLIN_NIGHTS, utc(2026, 3, 28, 12), utc(2026, 3, 29, 12))
    assert sunday == 5 * H
    # From 00:00 CET (23:00 UTC), 3 h of work is 02:00 UTC = 04:00 CEST: the wall clock moved
    # 4 h because it skipped 02:xx.
    assert add_business_time(BERLIN_NIGHTS, berlin(2026, 3, 29, 0), 3 * H) == utc(2026, 3, 29, 2)
    # 6 h: the 5 h of Sunday, then Mon 30 March 00:00 CEST (Sun 22:00 UTC) + 1 h = 23:00 UTC.
    assert add_business_time(BERLIN_NIGHTS, berlin(2026, 3, 29, 0), 6 * H) == utc(2026, 3, 29, 23)


def test_night_shift_spanning_the_fold_is_seven_hours() -> None:
    # Sun 25 October 00:00 CEST = Sat 22:00 UTC; 06:00 CET = 05:00 UTC: 7 real hours.
    sunday = business_time_between(BERLIN_NIGHTS, utc(2026, 10, 24, 12), utc(2026, 10, 25, 12))
    assert sunday == 7 * H
    # From 00:00 CEST (22:00 UTC), 3 h is 01:00 UTC = 02:00 CET, the second 02:00 on the wall
    # (the first, 02:00 CEST, was 00:00 UTC, 2 h in).
    result = add_business_time(BERLIN_NIGHTS, berlin(2026, 10, 25, 0), 3 * H)
    assert result == utc(2026, 10, 25, 1)
    local = result.astimezone(BERLIN)
    assert (local.hour, local.fold) == (2, 1)
    assert add_business_time(BERLIN_NIGHTS, berlin(2026, 10, 25, 0), 2 * H) == utc(2026, 10, 25, 0)


def test_starting_inside_the_fold_uses_the_instant_given() -> None:
    # The night shift on 25 October runs 22:00 UTC (Sat) to 06:00 CET = 05:00 UTC. The second
    # 02:30 (fold=1, CET) is 01:30 UTC: 3 h 30 min remain. The first (fold=0, CEST) is 00:30 UTC:
    # 4 h 30 min remain.
    second = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN)
    first = datetime(2026, 10, 25, 2, 30, fold=0, tzinfo=BERLIN)
    end = utc(2026, 10, 25, 5)
    assert business_time_between(BERLIN_NIGHTS, second, end) == 3 * H + 30 * timedelta(minutes=1)
    assert business_time_between(BERLIN_NIGHTS, first, end) == 4 * H + 30 * timedelta(minutes=1)


def test_opening_inside_the_gap_moves_later_by_the_gap() -> None:
    # Opening 02:30 does not exist on 29 March; fold=0 reads it with CET (+01:00): 01:30 UTC,
    # i.e. 03:30 CEST. Closing 06:00 CEST = 04:00 UTC: 2 h 30 min of work that day.
    calendar = BusinessCalendar(BERLIN, EVERY_DAY, time(2, 30), time(6))
    sunday = business_time_between(calendar, utc(2026, 3, 28, 12), utc(2026, 3, 29, 12))
    assert sunday == 2 * H + 30 * timedelta(minutes=1)
    assert add_business_time(calendar, berlin(2026, 3, 29, 0), timedelta(0)) == utc(2026, 3, 28, 23)
    assert add_business_time(calendar, berlin(2026, 3, 29, 0), H) == utc(2026, 3, 29, 2, 30)


def test_opening_inside_the_fold_is_its_first_occurrence() -> None:
    # Opening 02:30 happens twice on 25 October; fold=0 is the first, 02:30 CEST = 00:30 UTC.
    # Closing 06:00 CET = 05:00 UTC: 4 h 30 min of work that day.
    calendar = BusinessCalendar(BERLIN, EVERY_DAY, time(2, 30), time(6))
    sunday = business_time_between(calendar, utc(2026, 10, 24, 12), utc(2026, 10, 25, 12))
    assert sunday == 4 * H + 30 * timedelta(minutes=1)


def test_a_window_collapsed_by_the_gap_has_no_working_time() -> None:
    # 02:30 -> 01:30 UTC (03:30 CEST) but 03:15 CEST = 01:15 UTC: the window is inverted.
    calendar = BusinessCalendar(BERLIN, EVERY_DAY, time(2, 30), time(3, 15))
    assert business_time_between(calendar, utc(2026, 3, 28, 12), utc(2026, 3, 29, 12)) == (
        timedelta(0)
    )
    # Saturday 28 March and Monday 30 March still have their 45 minutes.
    assert business_time_between(calendar, utc(2026, 3, 28, 0), utc(2026, 3, 31, 0)) == (
        90 * timedelta(minutes=1)
    )


def test_evenings_closing_at_midnight_across_both_changes() -> None:
    # 18:00-24:00 is clear of the 02:00/03:00 changes: 6 h on each DST Sunday. In UTC the
    # spring one runs 16:00-22:00 (CEST) and the autumn one 17:00-23:00 (CET).
    spring = business_time_between(BERLIN_EVENINGS, utc(2026, 3, 29, 0), utc(2026, 3, 30, 0))
    autumn = business_time_between(BERLIN_EVENINGS, utc(2026, 10, 25, 0), utc(2026, 10, 26, 0))
    assert spring == autumn == 6 * H
    assert add_business_time(BERLIN_EVENINGS, berlin(2026, 3, 29, 12), 6 * H) == utc(
        2026, 3, 29, 22
    )
    assert add_business_time(BERLIN_EVENINGS, berlin(2026, 10, 25, 12), 6 * H) == (
        utc(2026, 10, 25, 23)
    )


# --- America/New_York with UTC inputs -----------------------------------------------------------


def test_new_york_office_with_utc_inputs_in_winter() -> None:
    # Mon 2026-01-05 13:00 UTC = 08:00 EST (UTC-5): before opening. 09:00 EST + 1 h = 10:00 EST
    # = 15:00 UTC. The same inputs on a UTC office: 13:00 + 1 h = 14:00.
    start = utc(2026, 1, 5, 13)
    assert add_business_time(NEW_YORK_OFFICE, start, H) == utc(2026, 1, 5, 15)
    assert add_business_time(OFFICE_UTC, start, H) == utc(2026, 1, 5, 14)
    # 23:00 UTC Monday = 18:00 EST: closed; Tue 09:00 EST = 14:00 UTC, + 1 h = 15:00 UTC.
    assert add_business_time(NEW_YORK_OFFICE, utc(2026, 1, 5, 23), H) == utc(2026, 1, 6, 15)


def test_new_york_office_with_utc_inputs_in_summer() -> None:
    # Mon 2026-07-06 13:00 UTC = 09:00 EDT (UTC-4): open. + 1 h = 14:00 UTC.
    assert add_business_time(NEW_YORK_OFFICE, utc(2026, 7, 6, 13), H) == utc(2026, 7, 6, 14)
    # A whole summer working day is 13:00-21:00 UTC.
    assert business_time_between(NEW_YORK_OFFICE, utc(2026, 7, 6, 0), utc(2026, 7, 7, 0)) == 8 * H


def test_new_york_weekend_across_spring_forward() -> None:
    # Fri 2026-03-06 16:00 EST (21:00 UTC) + 2 h: 1 h to 17:00 EST. Clocks change Sun 8 March.
    # Mon 2026-03-09 09:00 EDT (13:00 UTC) + 1 h = 14:00 UTC.
    assert add_business_time(NEW_YORK_OFFICE, new_york(2026, 3, 6, 16), 2 * H) == (
        utc(2026, 3, 9, 14)
    )
    # 21:00 UTC Friday to 14:00 UTC Monday holds the same 2 h.
    assert business_time_between(NEW_YORK_OFFICE, utc(2026, 3, 6, 21), utc(2026, 3, 9, 14)) == (
        2 * H
    )


# --- closing at midnight ------------------------------------------------------------------------


def test_late_shift_closing_at_midnight() -> None:
    # 20:00-24:00 Mon-Fri. Fri 2026-03-06 23:00 + 1 h = Sat 00:00, the closing instant.
    assert add_business_time(LATE_SHIFT, utc(2026, 3, 6, 23), H) == utc(2026, 3, 7, 0)
    # + 2 h: 1 h on Friday, then Mon 2026-03-09 20:00 + 1 h = 21:00.
    assert add_business_time(LATE_SHIFT, utc(2026, 3, 6, 23), 2 * H) == utc(2026, 3, 9, 21)
    # A working day holds 4 h.
    assert business_time_between(LATE_SHIFT, utc(2026, 3, 9, 0), utc(2026, 3, 10, 0)) == 4 * H


def test_weekdays_all_day_run_straight_through_the_night() -> None:
    # 00:00-24:00 Mon-Fri: Fri 23:00 + 2 h = 1 h to Sat 00:00, then Mon 00:00 + 1 h = 01:00.
    assert add_business_time(WEEKDAYS_ALL_DAY, utc(2026, 3, 6, 23), 2 * H) == utc(2026, 3, 9, 1)
    # Tue 22:00 + 4 h crosses midnight without a break: Wed 02:00.
    assert add_business_time(WEEKDAYS_ALL_DAY, utc(2026, 3, 10, 22), 4 * H) == utc(2026, 3, 11, 2)
    # One full week holds 5 x 24 h.
    assert business_time_between(WEEKDAYS_ALL_DAY, utc(2026, 3, 9), utc(2026, 3, 16)) == 120 * H


# --- around the clock ---------------------------------------------------------------------------


def test_around_the_clock_is_plain_arithmetic() -> None:
    assert ALWAYS.zone == UTC_ZONE
    assert ALWAYS.working_days == EVERY_DAY
    assert ALWAYS.holidays == frozenset()
    # Sat 2026-03-07 03:00 + 50 h = Mon 2026-03-09 05:00, weekend and night included.
    assert add_business_time(ALWAYS, utc(2026, 3, 7, 3), 50 * H) == utc(2026, 3, 9, 5)
    assert business_time_between(ALWAYS, utc(2026, 3, 7, 3), utc(2026, 3, 9, 5)) == 50 * H
    # Berlin input: Sun 29 March 01:00 CET is 00:00 UTC; 3 real hours later is 03:00 UTC.
    assert add_business_time(ALWAYS, berlin(2026, 3, 29, 1), 3 * H) == utc(2026, 3, 29, 3)
    assert add_business_time(ALWAYS, berlin(2026, 3, 29, 1), 3 * H).tzinfo is UTC


# --- validation ---------------------------------------------------------------------------------


def test_a_calendar_needs_a_working_day() -> None:
    with pytest.raises(ValueError, match="at least one working day"):
        BusinessCalendar(UTC_ZONE, frozenset(), time(9), time(17))


def test_working_days_are_weekday_numbers() -> None:
    with pytest.raises(ValueError, match="0 \\(Monday\\) to 6 \\(Sunday\\)"):
        BusinessCalendar(UTC_ZONE, frozenset({0, 7}), time(9), time(17))


@pytest.mark.parametrize(("opens", "closes"), [(time(17), time(9)), (time(9), time(9))])
def test_opening_must_be_before_closing(opens: time, closes: time) -> None:
    with pytest.raises(ValueError, match="must be before closing"):
        BusinessCalendar(UTC_ZONE, WEEKDAYS, opens, closes)


def test_opening_and_closing_are_wall_clock_times() -> None:
    with pytest.raises(ValueError, match="without tzinfo"):
        BusinessCalendar(UTC_ZONE, WEEKDAYS, time(9, tzinfo=UTC), time(17))


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 10, 12)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(OFFICE_UTC, naive, H)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_time_between(OFFICE_UTC, naive, utc(2026, 3, 11))
    with pytest.raises(ValueError, match="timezone-aware"):
        business_time_between(OFFICE_UTC, utc(2026, 3, 9), naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(ALWAYS, naive, H)


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        add_business_time(OFFICE_UTC, utc(2026, 3, 10, 12), -H)


def test_a_calendar_that_never_opens_is_detected() -> None:
    # Mondays only, and every Monday from 2026 to 2045 is a holiday: far past the 10-year bound.
    mondays = frozenset(date(2026, 1, 5) + timedelta(weeks=n) for n in range(20 * 53))
    calendar = BusinessCalendar(UTC_ZONE, frozenset({0}), time(9), time(17), mondays)
    with pytest.raises(ValueError, match="no working time"):
        add_business_time(calendar, utc(2026, 1, 1), H)
    # Counting is bounded by the span, so it simply finds nothing.
    assert business_time_between(calendar, utc(2026, 1, 1), utc(2040, 1, 1)) == timedelta(0)


# --- properties ---------------------------------------------------------------------------------

CALENDARS = [
    OFFICE_UTC,
    OFFICE_UTC_EASTER,
    BERLIN_DAYS,
    BERLIN_NIGHTS,
    BERLIN_EVENINGS,
    NEW_YORK_OFFICE,
    LATE_SHIFT,
    WEEKDAYS_ALL_DAY,
    BusinessCalendar(BERLIN, EVERY_DAY, time(2, 30), time(3, 15)),
    BusinessCalendar(NEW_YORK, frozenset({5, 6}), time(1, 30), time(2, 30)),
    ALWAYS,
]
calendars = st.sampled_from(CALENDARS)
moments = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(2028, 12, 31),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, BERLIN, NEW_YORK]),
)
amounts = st.timedeltas(min_value=timedelta(0), max_value=timedelta(weeks=6))
PROPERTY = settings(max_examples=200, deadline=None)


@PROPERTY
@given(calendars, moments, amounts)
def test_between_undoes_add(calendar: BusinessCalendar, start: datetime, amount: timedelta) -> None:
    end = add_business_time(calendar, start, amount)
    assert end.tzinfo is UTC
    assert end >= in_utc(start)
    assert business_time_between(calendar, start, end) == amount


@PROPERTY
@given(calendars, moments, amounts, amounts)
def test_add_is_monotonic(
    calendar: BusinessCalendar, start: datetime, one: timedelta, other: timedelta
) -> None:
    smaller, larger = sorted([one, other])
    assert add_business_time(calendar, start, smaller) <= add_business_time(calendar, start, larger)


@PROPERTY
@given(calendars, moments, moments)
def test_add_of_between_is_the_earliest_moment(
    calendar: BusinessCalendar, start: datetime, end: datetime
) -> None:
    elapsed = business_time_between(calendar, start, end)
    reached = add_business_time(calendar, start, elapsed)
    assert reached <= max(in_utc(start), in_utc(end))
    assert business_time_between(calendar, start, reached) == elapsed


@PROPERTY
@given(calendars, moments, moments, moments)
def test_between_is_additive_over_a_split(
    calendar: BusinessCalendar, one: datetime, two: datetime, three: datetime
) -> None:
    start, middle, end = sorted([in_utc(one), in_utc(two), in_utc(three)])
    whole = business_time_between(calendar, start, end)
    parts = business_time_between(calendar, start, middle) + business_time_between(
        calendar, middle, end
    )
    assert whole == parts
    assert timedelta(0) <= whole <= end - start


@PROPERTY
@given(moments, moments, amounts)
def test_around_the_clock_is_plain_arithmetic_everywhere(
    start: datetime, end: datetime, amount: timedelta
) -> None:
    # Real-time arithmetic in UTC: wall-clock `+` on a Berlin datetime would ignore DST.
    assert add_business_time(ALWAYS, start, amount) == in_utc(start) + amount
    elapsed = in_utc(end) - in_utc(start)
    assert business_time_between(ALWAYS, start, end) == max(elapsed, timedelta(0))
    berlin_always = BusinessCalendar(BERLIN, EVERY_DAY, time(0), time(0))
    assert add_business_time(berlin_always, start, amount) == in_utc(start) + amount
