"""Durations as config writes them: `30s`, `15m`, `4h`, `2d`."""

import re
from datetime import timedelta

_PATTERN = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(value: object) -> timedelta:
    """Parse `15m` into a timedelta; ValueError naming the accepted form otherwise."""
    if isinstance(value, timedelta):
        return value
    match = _PATTERN.match(str(value))
    if match is None or int(match.group(1)) == 0:
        raise ValueError(
            f"'{value}' is not a duration; write a positive number and a unit: 30s, 15m, 4h, 2d"
        )
    try:
        return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    except OverflowError as error:
        raise ValueError(f"'{value}' is too long a duration") from error
