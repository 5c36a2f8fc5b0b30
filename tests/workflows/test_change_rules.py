"""Change rules: standard changes from the catalog, freeze windows and planned windows."""

from datetime import UTC, datetime, timedelta

import pytest

from storage.enums import ChangeKind, Level
from workflows.change_rules import ChangeDetails, ChangeRules, FreezeWindow
from workflows.errors import InvalidInput

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FREEZE = FreezeWindow(
    "Year-end", datetime(2026, 12, 21, tzinfo=UTC), datetime(2027, 1, 4, tzinfo=UTC)
)
RULES = ChangeRules(standard={"fw": ("Renew the certificate",)}, freezes={"fw": (FREEZE,)})


def plan(kind: ChangeKind, start: datetime, hours: int = 1) -> ChangeDetails:
    return ChangeDetails(kind, Level.LOW, start, start + timedelta(hours=hours), "Undo it")


@pytest.mark.parametrize(
    ("start", "hours", "overlaps"),
    [
        (FREEZE.start - timedelta(hours=1), 1, False),  # ends as the freeze begins
        (FREEZE.start - timedelta(hours=1), 2, True),
        (FREEZE.end - timedelta(minutes=1), 1, True),
        (FREEZE.end, 1, False),  # starts as the freeze ends
        (FREEZE.start - timedelta(days=1), 24 * 30, True),  # spans the whole freeze
    ],
)
def test_a_window_overlaps_a_freeze_only_when_they_share_time(
    start: datetime, hours: int, overlaps: bool
) -> None:
    assert FREEZE.overlaps(start, start + timedelta(hours=hours)) is overlaps


def test_a_normal_change_in_a_freeze_is_refused_and_an_emergency_one_notes_it() -> None:
    inside = FREEZE.start + timedelta(days=1)

    with pytest.raises(InvalidInput, match="in the change freeze 'Year-end'"):
        RULES.check("fw", "Firewall", "Open port", plan(ChangeKind.NORMAL, inside), NOW)
    freeze = RULES.check("fw", "Firewall", "Open port", plan(ChangeKind.EMERGENCY, inside), NOW)

    assert freeze == "Year-end"


def test_a_standard_change_must_be_listed_in_any_case() -> None:
    start = NOW + timedelta(days=1)

    listed = RULES.check(
        "fw", "Firewall", "renew the CERTIFICATE", plan(ChangeKind.STANDARD, start), NOW
    )
    assert listed == ""
    with pytest.raises(InvalidInput, match="its standard changes: Renew the certificate"):
        RULES.check("fw", "Firewall", "Open port", plan(ChangeKind.STANDARD, start), NOW)
    with pytest.raises(InvalidInput, match="its standard changes: none"):
        RULES.check("vpn", "VPN", "Renew the certificate", plan(ChangeKind.STANDARD, start), NOW)


def test_a_window_must_end_after_it_starts_and_not_be_over() -> None:
    backwards = ChangeDetails(ChangeKind.NORMAL, Level.LOW, NOW, NOW, "Undo")
    with pytest.raises(InvalidInput, match="end must be later"):
        RULES.check("vpn", "VPN", "x", backwards, NOW)
    with pytest.raises(InvalidInput, match="already over"):
        RULES.check("vpn", "VPN", "x", plan(ChangeKind.NORMAL, NOW - timedelta(hours=2)), NOW)
