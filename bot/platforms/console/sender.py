"""Delivers notifications to the terminal, as if into team channels and direct messages."""

from bot.platforms.base import Delivery
from bot.platforms.console.inbound import PLATFORM
from bot.platforms.console.outbound import ConsoleScreen
from storage.enums import IntentKind


class ConsoleSender:
    """The console platform's outbound side: every person and team is reachable here."""

    name = PLATFORM
    reaches_everyone = True

    def __init__(self, screen: ConsoleScreen) -> None:
        self._screen = screen

    async def send(self, delivery: Delivery) -> str | None:
        """Print the delivery; a first card or DM starts a message later ones refer to."""
        starts = delivery.thread_root is None and delivery.kind != IntentKind.THREAD_NOTE
        message_id = delivery.thread_root or f"{delivery.reply.ticket}@{delivery.address}"
        self._screen.show_delivery(delivery, message_id)
        return message_id if starts else None
