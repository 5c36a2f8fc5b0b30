"""Buttons <-> Telegram callback_data: compact, at most 64 bytes, and signed.

A button's action and value are packed as a one-character kind (`t` ticket move, `c` dialog
choice, `=` anything else) and the value, behind a short HMAC tag keyed by the bot's token.
A press whose tag does not match (made up, or tampered with by a client) decodes to None;
the domain still checks every press it lets through.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass

LIMIT = 64
TAG_LENGTH = 8  # base64 characters of a 6-byte HMAC-SHA256 prefix
_TICKET_PREFIX = "ticket:"
_CHOOSE = "dialog:choose"


class CallbackTooLong(ValueError):
    """A button whose action and value cannot fit Telegram's 64 bytes."""


@dataclass(frozen=True)
class Press:
    """What a pressed button carried: the neutral button's action and value."""

    action: str
    value: str


class CallbackCodec:
    """Encodes buttons for one bot; only that bot's tags verify."""

    def __init__(self, token: str) -> None:
        self._key = hashlib.sha256(b"deskbot callback_data\x00" + token.encode()).digest()

    def encode(self, action: str, value: str) -> str:
        """The callback_data for a button; CallbackTooLong if it would exceed 64 bytes."""
        if " " in action:
            raise ValueError(f"a button action cannot contain a space: {action!r}")
        payload = f"{_pack(action)} {value}"
        data = self._tag(payload) + payload
        if len(data.encode()) > LIMIT:
            raise CallbackTooLong(f"button {action} {value!r} does not fit in {LIMIT} bytes")
        return data

    def decode(self, data: str) -> Press | None:
        """The button a press carried, or None when its tag does not verify."""
        tag, payload = data[:TAG_LENGTH], data[TAG_LENGTH:]
        if not hmac.compare_digest(tag, self._tag(payload)):
            return None
        packed, separator, value = payload.partition(" ")
        action = _unpack(packed)
        return Press(action, value) if separator and action else None

    def _tag(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:6]).decode()


def _pack(action: str) -> str:
    if action == _CHOOSE:
        return "c"
    if action.startswith(_TICKET_PREFIX):
        return "t" + action.removeprefix(_TICKET_PREFIX)
    return "=" + action


def _unpack(packed: str) -> str:
    kind, rest = packed[:1], packed[1:]
    match kind:
        case "c":
            return _CHOOSE if not rest else ""
        case "t":
            return _TICKET_PREFIX + rest
        case "=":
            return rest
        case _:
            return ""
