"""ChatTurns: the updates of different chats are handled at once, those of one chat in turn."""

import asyncio
from typing import Any

from telegram import Update

from bot.platforms.telegram.chat_turns import ChatTurns

WAIT = 5  # seconds before a hung scenario fails instead of blocking the suite


def _update_in(chat: int, update_id: int) -> Update:
    """A private text message from the person whose chat this is."""
    person = {"id": chat, "is_bot": False, "first_name": f"P{chat}"}
    message = {
        "message_id": update_id,
        "date": 0,
        "chat": {"id": chat, "type": "private"},
        "from": person,
        "text": "hello",
    }
    return Update.de_json({"update_id": update_id, "message": message}, None)


def test_a_slow_update_holds_up_its_own_chat_and_no_other() -> None:
    async def scenario() -> list[str]:
        turns = ChatTurns()
        handled: list[str] = []
        first_may_finish = asyncio.Event()

        async def handle(name: str, gate: asyncio.Event | None = None) -> None:
            if gate is not None:
                await gate.wait()
            handled.append(name)

        def process(chat: int, update_id: int, work: Any) -> "asyncio.Task[None]":
            return asyncio.create_task(turns.process_update(_update_in(chat, update_id), work))

        first = process(1, 1, handle("chat 1, first", first_may_finish))
        second = process(1, 2, handle("chat 1, second"))
        other = process(2, 3, handle("chat 2"))
        await asyncio.wait_for(other, WAIT)
        handled_while_first_waits = list(handled)
        first_may_finish.set()
        await asyncio.wait_for(asyncio.gather(first, second), WAIT)
        await asyncio.wait_for(turns.idle(), WAIT)
        return [*handled_while_first_waits, "|", *handled]

    assert asyncio.run(scenario()) == [
        "chat 2",
        "|",
        "chat 2",
        "chat 1, first",
        "chat 1, second",
    ]


def test_idle_waits_for_the_update_in_hand() -> None:
    async def scenario() -> tuple[bool, bool]:
        turns = ChatTurns()
        release = asyncio.Event()
        task = asyncio.create_task(turns.process_update(_update_in(1, 1), release.wait()))
        await asyncio.sleep(0)  # let the update start
        waiter = asyncio.create_task(turns.idle())
        await asyncio.sleep(0)
        idle_while_busy = waiter.done()
        release.set()
        await asyncio.wait_for(asyncio.gather(task, waiter), WAIT)
        return idle_while_busy, waiter.done()

    assert asyncio.run(scenario()) == (False, True)
