"""A desk process killed with SIGKILL mid-way through an SLA tick, then started again.

Incidents are raised in-process; a real subprocess (tests/support/sla_worker.py) then sweeps
and dispatches once at a fixed moment, appending every delivery its platform double accepts
to a file (flushed and fsynced before send() returns), and SIGKILLs itself at a chosen point.
What each point promises:

* (a) right after the sweep committed, before any delivery: every intent is in the outbox;
  a later run delivers each exactly once.
* (b) after the first delivery was recorded as delivered (the dispatcher records each outcome
  before its next send, so the kill comes as the second send begins): that delivery is never
  made again and the rest are made once. The dead run had claimed the heads of the queues
  (status `sending`); another run may take them only when the claim's lease
  (workflows.outbox.CLAIM_LEASE, 2 min) has run out, so a crash delays them by up to a lease.

The window this cannot close: between "the platform accepted the message" (send() returned)
and "the outbox row is committed as delivered" there is a database round trip. A kill inside
it leaves the intent claimed but not recorded as delivered, and after the lease another run
sends it again (so does a database outage at that moment: the dispatcher logs the failed
record and lets the claim expire). Across that window delivery is at-least-once, not exactly
once; the last test pins that down instead of pretending otherwise. Closing it would need the
chat platform to de-duplicate on our idempotency key, which neither Slack's chat.postMessage
nor Telegram's sendMessage offers.
"""

import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.enums import OutboxStatus
from storage.models import OutboxIntent
from tests.support.chat import Chat
from tests.support.clock import ManualClock
from tests.support.sla_worker import KillPoint, read_log
from workflows.outbox import CLAIM_LEASE
from workflows.unit_of_work import unit_of_work

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60
SIGKILLED = -9


def utc(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=UTC)


# VPN incidents are P2 (30 min to respond; the network-oncall escalation policy: level 1 at
# 15 min, level 2 at 30 min or on a response breach, level 3 at 1 h). At the kill they are
# 32, 23 and 16 minutes old; at the restart, two minutes and a second later (the claim lease),
# none of them has crossed another threshold, so the restart adds no intents of its own.
RAISED = (utc(9, 0), utc(9, 9), utc(9, 16))
KILLED_AT = utc(9, 32)
RESTARTED_AT = KILLED_AT + CLAIM_LEASE + timedelta(seconds=1)
Record = tuple[str, str, str, str]


def expected(first: str, second: str, third: str) -> Counter[Record]:
    """Each warning, breach and escalation of the three incidents at KILLED_AT, once."""
    breached = f"{first} breached its response target (due 2026-11-23 09:30 UTC)."
    level_2 = f"{first} was escalated to level 2 (response target breached)."
    return Counter(
        [
            (first, "thread_note", "network", breached),
            (first, "card", "network", ""),
            (first, "thread_note", "network", level_2),
            (first, "direct_message", "dave", level_2),  # on call this week
            (
                second,
                "thread_note",
                "network",
                f"{second} has used 75 % of its response time (due 2026-11-23 09:39 UTC).",
            ),
            (
                second,
                "thread_note",
                "network",
                f"{second} was escalated to level 1 (not acknowledged).",
            ),
            (
                third,
                "thread_note",
                "network",
                f"{third} was escalated to level 1 (not acknowledged).",
            ),
        ]
    )


def raise_incidents(chat: Chat, clock: ManualClock) -> tuple[str, str, str]:
    """Raise the three incidents and deliver what raising them queued."""
    references = []
    for moment in RAISED:
        clock.advance(moment - clock.now())
        references.append(chat.raise_incident())
        chat.deliver()
    first, second, third = references
    return first, second, third


def run_worker(database_url: str, now: datetime, log: Path, kill_at: KillPoint | None) -> int:
    """Run the worker as a real process; return its exit code (-9 when it SIGKILLed itself)."""
    command = [
        sys.executable,
        "-m",
        "tests.support.sla_worker",
        f"--database={database_url}",
        f"--now={now.isoformat()}",
        f"--log={log}",
    ]
    if kill_at is not None:
        command.append(f"--kill-at={kill_at}")
    done = subprocess.run(
        command, check=False, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT
    )
    if done.returncode not in (0, SIGKILLED):
        raise AssertionError(f"the worker failed ({done.returncode}):\n{done.stderr}")
    return done.returncode


def logged(log: Path) -> Counter[Record]:
    """The deliveries the worker runs made, counted."""
    return Counter(
        (line["ticket"], line["kind"], line["address"], line["text"]) for line in read_log(log)
    )


def sla_intents(chat: Chat, status: OutboxStatus) -> int:
    """How many intents the sweep at KILLED_AT wrote that are now in `status`."""
    with unit_of_work(chat.desk.db) as session:
        count = session.scalar(
            select(func.count())
            .select_from(OutboxIntent)
            .where(OutboxIntent.created_at == KILLED_AT, OutboxIntent.status == status)
        )
    return count or 0


def test_kills_after_the_sweep_and_after_a_recorded_delivery_lose_and_repeat_nothing(
    chat: Chat, clock: ManualClock, database_url: str, tmp_path: Path
) -> None:
    references = raise_incidents(chat, clock)
    log = tmp_path / "deliveries.jsonl"

    # (a) Killed right after the sweep committed: every intent is queued, none was sent.
    assert run_worker(database_url, KILLED_AT, log, KillPoint.AFTER_SWEEP) == SIGKILLED
    assert read_log(log) == []
    assert sla_intents(chat, OutboxStatus.PENDING) == 7

    # (b) Started again and killed once its first delivery was recorded as delivered.
    assert run_worker(database_url, KILLED_AT, log, KillPoint.AFTER_FIRST_RECORDED) == SIGKILLED
    assert len(read_log(log)) == 1
    assert sla_intents(chat, OutboxStatus.DELIVERED) == 1
    # It had claimed the head of each of the four queues (ticket, audience, platform); the
    # intents behind a head wait their turn, so they are still pending.
    assert sla_intents(chat, OutboxStatus.SENDING) == 3
    assert sla_intents(chat, OutboxStatus.PENDING) == 3

    # Started once more, after the dead run's claims expired: the rest, once each.
    assert run_worker(database_url, RESTARTED_AT, log, None) == 0
    assert logged(log) == expected(*references)
    assert sla_intents(chat, OutboxStatus.DELIVERED) == 7


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_kill_between_acceptance_and_record_repeats_that_one_delivery(
    chat: Chat, clock: ManualClock, database_url: str, tmp_path: Path
) -> None:
    """The at-least-once window (see the module docstring): pinned, not a goal. On SQLite
    only: the window is the dispatcher's, the same on either database."""
    references = raise_incidents(chat, clock)
    log = tmp_path / "deliveries.jsonl"

    killed = run_worker(database_url, KILLED_AT, log, KillPoint.AFTER_FIRST_ACCEPTED)
    accepted = logged(log)

    assert killed == SIGKILLED
    assert sum(accepted.values()) == 1
    assert sla_intents(chat, OutboxStatus.DELIVERED) == 0

    assert run_worker(database_url, RESTARTED_AT, log, None) == 0
    assert logged(log) == expected(*references) + accepted
    assert sla_intents(chat, OutboxStatus.DELIVERED) == 7
