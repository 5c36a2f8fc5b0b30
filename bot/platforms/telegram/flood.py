"""Telegram's flood limits, kept before Telegram has to refuse: python-telegram-bot's
AIORateLimiter (about 30 messages a second overall, 20 a minute per group) with, in front of
it, about one message a second per chat, allowing a short burst (a reply and a notice).

A 429 that still comes is not retried here: the outbox retries it after Telegram's wait.
"""

from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter, BaseRateLimiter

PER_CHAT_BURST = 10  # messages one chat may get at once; then one a second
MAX_CHAT_LIMITERS = 1024  # idle per-chat limiters are dropped past this many

JSONish = bool | dict[str, Any] | list[dict[str, Any]]


class FloodLimiter(BaseRateLimiter[int]):
    """AIORateLimiter plus a per-chat pace of one message a second after a burst."""

    def __init__(self) -> None:
        self._telegram = AIORateLimiter(max_retries=0)
        self._chats: dict[str, AsyncLimiter] = {}

    async def initialize(self) -> None:
        """Set up PTB's limiter."""
        await self._telegram.initialize()

    async def shutdown(self) -> None:
        """Release PTB's limiter."""
        await self._telegram.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONish]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONish:
        """Wait for the chat's turn (if the request names a chat), then for PTB's limits."""
        chat = data.get("chat_id")
        forward = self._telegram.process_request
        if chat is None:
            return await forward(callback, args, kwargs, endpoint, data, rate_limit_args)
        async with self._limiter(str(chat)):
            return await forward(callback, args, kwargs, endpoint, data, rate_limit_args)

    def _limiter(self, chat: str) -> AsyncLimiter:
        if chat not in self._chats and len(self._chats) >= MAX_CHAT_LIMITERS:
            for key in [key for key, pace in self._chats.items() if _idle(pace)]:
                del self._chats[key]
        return self._chats.setdefault(chat, AsyncLimiter(PER_CHAT_BURST, PER_CHAT_BURST))


def _idle(pace: AsyncLimiter) -> bool:
    """Whether a chat's limiter has its whole burst back (it has been quiet a while)."""
    return pace.has_capacity(PER_CHAT_BURST)
