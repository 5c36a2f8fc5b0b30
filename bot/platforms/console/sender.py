"""Delivers notifications to the terminal, as if into team channels and direct messages.

A digest is printed as text and its chart written to a PNG file whose path is printed.
"""

import tempfile
from pathlib import Path

from bot.platforms.base import Delivery
from bot.platforms.console.inbound import PLATFORM
from bot.platforms.console.outbound import ConsoleScreen
from storage.enums import IntentKind


class ConsoleSender:
    """The console platform's outbound side: every person and team is reachable here."""

    name = PLATFORM
    reaches_everyone = True

    def __init__(self, screen: ConsoleScreen, charts: Path | None = None) -> None:
        self._screen = screen
        self._charts = charts or Path(tempfile.gettempdir()) / "deskbot-digests"

    async def send(self, delivery: Delivery) -> str | None:
        """Print the delivery; a first card or DM starts a message later ones refer to."""
        if delivery.digest is not None:
            self._screen.show_digest(delivery, delivery.digest, self._write_chart(delivery))
            return None
        starts = delivery.thread_root is None and delivery.kind != IntentKind.THREAD_NOTE
        message_id = delivery.thread_root or f"{delivery.reply.ticket}@{delivery.address}"
        self._screen.show_delivery(delivery, message_id)
        return message_id if starts else None

    def _write_chart(self, delivery: Delivery) -> Path | None:
        if delivery.attachment is None:
            return None
        self._charts.mkdir(parents=True, exist_ok=True)
        path = self._charts / delivery.attachment.filename
        path.write_bytes(delivery.attachment.content)
        return path
