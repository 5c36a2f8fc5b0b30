"""Updates of different chats handled at once, those of one chat strictly in turn.

python-telegram-bot handles one update at a time unless told otherwise, so one person waiting
on the database or on Telegram holds up everyone else. Handling every update at once would
let a quick second press overtake the first in the same dialog. Here each chat takes turns
on its own lock: the Application starts updates in the order they arrived, and a lock wakes
its waiters in the order they came.
"""

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 64


@dataclass
class _Turns:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


class ChatTurns(BaseUpdateProcessor):
    """Runs the updates of different chats concurrently and those of one chat in order."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._chats: dict[int | None, _Turns] = {}
        self._quiet = asyncio.Event()
        self._quiet.set()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for this chat's earlier updates, then handle this one."""
        chat = _chat_of(update)
        turns = self._chats.setdefault(chat, _Turns())
        turns.waiting += 1
        self._quiet.clear()
        try:
            async with turns.lock:
                await coroutine
        finally:
            turns.waiting -= 1
            if turns.waiting == 0:
                del self._chats[chat]
            if not self._chats:
                self._quiet.set()

    async def idle(self) -> None:
        """Wait until no update is being handled or waiting for its turn."""
        await self._quiet.wait()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _chat_of(update: object) -> int | None:
    """The chat an update belongs to (its sender's id when it has no chat); None for others,
    which then all take turns together."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
