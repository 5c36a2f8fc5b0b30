"""APScheduler as a ticker in this process; due work itself lives in the database.

Each job is a plain coroutine with an explicit id; `coalesce` and `max_instances=1` mean a
slow tick is never run twice at once nor caught up in a burst. Replicas each run their own
ticker: the database's row claims and unique keys keep them from doing the same work twice.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import SchedulerConfig
from bot.dispatcher import Dispatcher
from bot.sweeper import Sweeper

OUTBOX_JOB = "outbox-dispatcher"
SLA_JOB = "sla-sweep"


def build_scheduler(
    config: SchedulerConfig, dispatcher: Dispatcher, sweeper: Sweeper
) -> AsyncIOScheduler:
    """A scheduler (not started) that ticks the outbox dispatcher and the SLA sweep."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    _every(scheduler, OUTBOX_JOB, config.outbox_interval, dispatcher.run_once)
    _every(scheduler, SLA_JOB, config.sla_sweep_interval, sweeper.run_once)
    return scheduler


def _every(
    scheduler: AsyncIOScheduler,
    job_id: str,
    interval: timedelta,
    job: Callable[[], Awaitable[int]],
) -> None:
    scheduler.add_job(
        job,
        "interval",
        seconds=interval.total_seconds(),
        id=job_id,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )
