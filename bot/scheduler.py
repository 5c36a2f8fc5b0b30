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
from bot.monitoring import Heartbeats
from bot.sweeper import Sweeper
from bot.watchdog import Watchdog

OUTBOX_JOB = "outbox-dispatcher"
SLA_JOB = "sla-sweep"
WATCHDOG_JOB = "delivery-watchdog"
WATCHDOG_INTERVAL = timedelta(seconds=30)

Job = Callable[[], Awaitable[int]]


def build_scheduler(
    config: SchedulerConfig,
    jobs: tuple[Dispatcher, Sweeper, Watchdog],
    heartbeats: Heartbeats,
) -> AsyncIOScheduler:
    """A scheduler (not started) that ticks the outbox dispatcher, the SLA sweep and the
    delivery watchdog, recording each finished tick in `heartbeats`."""
    dispatcher, sweeper, watchdog = jobs
    scheduler = AsyncIOScheduler(timezone=UTC)
    for job_id, interval, job in (
        (OUTBOX_JOB, config.outbox_interval, dispatcher.run_once),
        (SLA_JOB, config.sla_sweep_interval, _then_deliver(sweeper.run_once, dispatcher)),
        (WATCHDOG_JOB, WATCHDOG_INTERVAL, watchdog.run_once),
    ):
        heartbeats.intervals[job_id] = interval
        _every(scheduler, job_id, interval, _beating(job_id, job, heartbeats))
    return scheduler


def _then_deliver(job: Job, dispatcher: Dispatcher) -> Job:
    """Run `job`; when it queued anything, deliver at once rather than at the next outbox tick."""

    async def tick() -> int:
        done = await job()
        if done:
            await dispatcher.run_once()
        return done

    return tick


def _beating(job_id: str, job: Job, heartbeats: Heartbeats) -> Job:
    async def tick() -> int:
        done = await job()
        heartbeats.beat(job_id)
        return done

    return tick


def _every(scheduler: AsyncIOScheduler, job_id: str, interval: timedelta, job: Job) -> None:
    scheduler.add_job(
        job,
        "interval",
        seconds=interval.total_seconds(),
        id=job_id,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )
