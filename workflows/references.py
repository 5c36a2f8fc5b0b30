"""Ticket references: `INC-<n>`, `REQ-<n>`, `ACC-<n>`, `CHG-<n>`, `PRB-<n>`; `<n>` is unique."""

import re
from dataclasses import dataclass

from storage.enums import TicketType
from workflows.errors import InvalidInput

PREFIXES: dict[TicketType, str] = {
    TicketType.INCIDENT: "INC",
    TicketType.SERVICE_REQUEST: "REQ",
    TicketType.ACCESS_REQUEST: "ACC",
    TicketType.CHANGE: "CHG",
    TicketType.PROBLEM: "PRB",
}
_TYPES_BY_PREFIX = {prefix: ticket_type for ticket_type, prefix in PREFIXES.items()}
_PATTERN = re.compile(r"^\s*([A-Za-z]{3})-([0-9]{1,12})\s*$")


@dataclass(frozen=True)
class Reference:
    """A parsed ticket reference."""

    ticket_type: TicketType
    number: int

    def __str__(self) -> str:
        return format_reference(self.ticket_type, self.number)


def format_reference(ticket_type: TicketType, number: int) -> str:
    """`INC-12` for incident number 12."""
    return f"{reference_prefix(ticket_type)}{number}"


def reference_prefix(ticket_type: TicketType) -> str:
    """`INC-`: what the references of a type start with, before the number."""
    return f"{PREFIXES[ticket_type]}-"


def parse_reference(text: str) -> Reference:
    """Parse `INC-12` (any case); raise InvalidInput naming the expected form otherwise."""
    match = _PATTERN.match(text)
    ticket_type = _TYPES_BY_PREFIX.get(match.group(1).upper()) if match else None
    if match is None or ticket_type is None:
        raise InvalidInput(
            f"'{text.strip()[:40]}' is not a ticket reference; "
            "write it like INC-12, REQ-7, ACC-3, CHG-5 or PRB-2."
        )
    return Reference(ticket_type, int(match.group(2)))
