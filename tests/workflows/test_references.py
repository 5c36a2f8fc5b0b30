"""Ticket references: `INC-12` and friends, formatted and parsed back."""

import pytest

from storage.enums import TicketType
from workflows.errors import InvalidInput
from workflows.references import Reference, format_reference, parse_reference

EXPECTED_FORM = "write it like INC-12, REQ-7, ACC-3, CHG-5 or PRB-2."


@pytest.mark.parametrize(
    ("ticket_type", "number", "text"),
    [
        (TicketType.INCIDENT, 12, "INC-12"),
        (TicketType.SERVICE_REQUEST, 7, "REQ-7"),
        (TicketType.ACCESS_REQUEST, 3, "ACC-3"),
        (TicketType.CHANGE, 5, "CHG-5"),
        (TicketType.PROBLEM, 2, "PRB-2"),
        (TicketType.INCIDENT, 1, "INC-1"),
        (TicketType.CHANGE, 2_147_483_648, "CHG-2147483648"),
        (TicketType.PROBLEM, 999_999_999_999, "PRB-999999999999"),
    ],
)
def test_format_and_parse_round_trip(ticket_type: TicketType, number: int, text: str) -> None:
    assert format_reference(ticket_type, number) == text
    assert parse_reference(text) == Reference(ticket_type, number)
    assert str(parse_reference(text)) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("inc-12", Reference(TicketType.INCIDENT, 12)),
        ("Req-7", Reference(TicketType.SERVICE_REQUEST, 7)),
        ("  acc-3\n", Reference(TicketType.ACCESS_REQUEST, 3)),
        ("CHG-0005", Reference(TicketType.CHANGE, 5)),
    ],
)
def test_parse_accepts_any_case_padding_and_leading_zeros(text: str, expected: Reference) -> None:
    parsed = parse_reference(text)

    assert parsed == expected
    assert str(parsed) == format_reference(expected.ticket_type, expected.number)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("", ""),
        ("12", "12"),
        ("INC12", "INC12"),
        ("INC-", "INC-"),
        ("INC-x", "INC-x"),
        ("INC-12a", "INC-12a"),
        ("INC--12", "INC--12"),
        ("INC-1.5", "INC-1.5"),
        ("BUG-12", "BUG-12"),
        ("INCI-12", "INCI-12"),
        ("INC 12", "INC 12"),
        ("INC-1234567890123", "INC-1234567890123"),
        ("  chg-  ", "chg-"),
        ("INC-\u0661\u0662", "INC-\u0661\u0662"),  # Arabic-Indic digits are not ticket numbers
        (f"INC-12 {'x' * 50}", f"INC-12 {'x' * 33}"),
    ],
)
def test_bad_reference_names_the_expected_form(text: str, shown: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_reference(text)

    assert str(refused.value) == f"'{shown}' is not a ticket reference; {EXPECTED_FORM}"
