"""Two presses of the same button at the same moment act once (SQLite and PostgreSQL)."""

import threading

from sqlalchemy import func, select

from bot.app import build_desk
from bot.config import Config
from handlers.events import EventKind, InboundEvent, Place, Reply
from storage.database import Database
from storage.models import Ticket
from tests.support.chat import PLATFORM, Chat, RecordingSender
from tests.support.clock import ManualClock
from workflows.unit_of_work import unit_of_work


def test_a_double_press_of_raise_it_raises_one_ticket(
    chat: Chat, database_url: str, demo_config: Config, clock: ManualClock
) -> None:
    chat.command("alice", "new")
    for answer in ("Incident", "VPN", "Printer on fire", "", "High", "High"):
        chat.say("alice", answer or "-")
    other_replica = Database.from_url(database_url)
    routers = [
        chat.desk.router,
        build_desk(demo_config, other_replica, [RecordingSender()], clock).router,
    ]
    press = InboundEvent("alice", Place(PLATFORM), EventKind.TEXT, text="Raise it")
    both_ready = threading.Barrier(2)
    replies: list[list[Reply]] = []

    def confirm(index: int) -> None:
        both_ready.wait()
        replies.append(routers[index].handle(press))

    threads = [threading.Thread(target=confirm, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    other_replica.dispose()

    with unit_of_work(chat.desk.db) as session:
        tickets = session.scalar(select(func.count()).select_from(Ticket))
    assert tickets == 1
    # The later press either waited for the first and was refused, or came after it and
    # found no dialog; either way exactly one reply announces a ticket.
    assert sorted(r[0].ticket is not None for r in replies) == [False, True]
