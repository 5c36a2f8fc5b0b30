"""Priority from impact x urgency: the ITIL default matrix, and config overrides per cell."""

import pytest

from storage.enums import Level, Priority
from workflows.priority import PriorityMatrix

H, M, L = Level.HIGH, Level.MEDIUM, Level.LOW

ITIL_CELLS = [
    (H, H, Priority.P1),
    (H, M, Priority.P2),
    (H, L, Priority.P3),
    (M, H, Priority.P2),
    (M, M, Priority.P3),
    (M, L, Priority.P4),
    (L, H, Priority.P3),
    (L, M, Priority.P4),
    (L, L, Priority.P5),
]


@pytest.mark.parametrize(("impact", "urgency", "expected"), ITIL_CELLS)
def test_default_matrix_is_itil(impact: Level, urgency: Level, expected: Priority) -> None:
    assert PriorityMatrix().priority(impact, urgency) == expected


@pytest.mark.parametrize(("impact", "urgency", "expected"), ITIL_CELLS)
def test_override_wins_for_its_cell_only(impact: Level, urgency: Level, expected: Priority) -> None:
    # The demo's commented example: high impact, low urgency is raised to P2.
    matrix = PriorityMatrix({H: {L: Priority.P2}})

    overridden = {(H, L): Priority.P2}
    assert matrix.priority(impact, urgency) == overridden.get((impact, urgency), expected)


def test_overrides_in_several_rows_each_apply() -> None:
    matrix = PriorityMatrix({L: {H: Priority.P1}, M: {M: Priority.P5}})

    assert [matrix.priority(i, u) for i, u, _ in ITIL_CELLS] == [
        Priority.P1, Priority.P2, Priority.P3,
        Priority.P2, Priority.P5, Priority.P4,
        Priority.P1, Priority.P4, Priority.P5,
    ]  # fmt: skip
