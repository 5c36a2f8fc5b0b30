"""Checks on user text: present when required and within its limit, with messages that say so."""

from workflows.errors import InvalidInput


def clean_text(value: str, what: str, limit: int, *, required: bool = True) -> str:
    """`value` stripped (and rid of NUL characters, which no database stores); InvalidInput if
    it is empty (when required) or longer than `limit`."""
    text = value.replace("\x00", "").strip()
    if required and not text:
        raise InvalidInput(f"The {what} cannot be empty.")
    if len(text) > limit:
        raise InvalidInput(
            f"The {what} is limited to {limit:,} characters; yours has {len(text):,}."
        )
    return text
