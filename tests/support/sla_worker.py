"""A desk process for crash tests: one SLA sweep and one outbox dispatch, then exit.

Run from the repository root as
`python -m tests.support.sla_worker --database URL --now ISO --log FILE [--kill-at POINT]`.
It starts as the bot does (prepare_database: migrate, sync the demo directory), with a clock
fixed at `--now`, and delivers through a platform double that appends each delivery it accepts
to `--log` as one JSON line, flushed and fsynced before send() returns. `--kill-at` makes the
process SIGKILL itself at one of the points in KillPoint.
"""

import argparse
import asyncio
import json
import os
import signal
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import NoReturn

from bot.app import Desk, build_desk, prepare_database
from bot.config import DatabaseConfig, load_config
from bot.platforms.base import Delivery
from storage.enums import IntentKind
from tests.support.chat import PLATFORM
from tests.support.clock import ManualClock

ROOT = Path(__file__).resolve().parents[2]


class KillPoint(StrEnum):
    """Where the worker kills itself with SIGKILL."""

    AFTER_SWEEP = "after-sweep"  # the sweep committed its intents; nothing was sent
    AFTER_FIRST_RECORDED = "after-first-recorded"  # delivery 1 marked delivered; 2 not sent
    AFTER_FIRST_ACCEPTED = "after-first-accepted"  # delivery 1 accepted, not yet marked


def delivery_record(delivery: Delivery) -> dict[str, str]:
    """What names a delivery: its ticket, kind, addressee and, except for cards, its text.

    A card is re-rendered from the ticket's state at delivery time, so its text is left out;
    notes and direct messages say which threshold or level they announce.
    """
    text = "" if delivery.kind == IntentKind.CARD else delivery.reply.text
    return {
        "ticket": delivery.reply.ticket or "",
        "kind": str(delivery.kind),
        "address": delivery.address,
        "text": text,
    }


def read_log(path: Path) -> list[dict[str, str]]:
    """The deliveries a worker appended to `path` (none if it does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def die() -> NoReturn:
    """SIGKILL this process: no cleanup, no flush, no commit."""
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("SIGKILL did not stop the process")  # pragma: no cover


@dataclass
class FileSender:
    """A platform double that writes each accepted delivery durably to a file."""

    log: Path
    kill_at: KillPoint | None = None
    name: str = PLATFORM
    reaches_everyone: bool = True
    sends: int = 0

    async def send(self, delivery: Delivery) -> str | None:
        """Append the delivery (flush + fsync); answer like RecordingSender does."""
        self.sends += 1
        if self.kill_at == KillPoint.AFTER_FIRST_RECORDED and self.sends == 2:
            # The dispatcher sends one intent at a time and records each outcome before the
            # next send, so the first delivery is committed as delivered by now.
            die()
        with self.log.open("a", encoding="utf-8") as log:
            log.write(json.dumps(delivery_record(delivery)) + "\n")
            log.flush()
            os.fsync(log.fileno())
        if self.kill_at == KillPoint.AFTER_FIRST_ACCEPTED:
            die()
        if delivery.thread_root is None and delivery.kind != IntentKind.THREAD_NOTE:
            return f"{delivery.reply.ticket}@{delivery.address}"
        return None


async def sweep_and_dispatch(desk: Desk, kill_at: KillPoint | None) -> None:
    """One sweep, then one dispatch, dying where told."""
    await desk.sweeper.run_once()
    if kill_at == KillPoint.AFTER_SWEEP:
        die()
    await desk.dispatcher.run_once()


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.support.sla_worker")
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of a migrated desk")
    parser.add_argument("--now", required=True, type=datetime.fromisoformat, help="aware ISO time")
    parser.add_argument("--log", required=True, type=Path, help="file the deliveries go to")
    parser.add_argument("--kill-at", type=KillPoint, choices=list(KillPoint), default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Start the demo desk on `--database` at `--now`; sweep and dispatch once."""
    args = _arguments(argv)
    config = load_config(ROOT / "config.example.yaml").model_copy(
        update={"database": DatabaseConfig(url=args.database)}
    )
    db = prepare_database(config)
    try:
        sender = FileSender(args.log, args.kill_at)
        desk = build_desk(config, db, [sender], ManualClock(args.now))
        asyncio.run(sweep_and_dispatch(desk, args.kill_at))
    finally:
        db.dispose()


if __name__ == "__main__":
    main()
