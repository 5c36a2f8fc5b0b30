"""APScheduler as a ticker in this process; due work itself lives in the database."""

from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import SchedulerConfig
from bot.dispatcher import Dispatcher

OUTBOX_JOB = "outbox-dispatcher"


def build_scheduler(config: SchedulerConfig, dispatcher: Dispatcher) -> AsyncIOScheduler:
    """A scheduler (not started) that ticks the outbox dispatcher."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        dispatcher.run_once,
        "interval",
        seconds=config.outbox_interval.total_seconds(),
        id=OUTBOX_JOB,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )
    return scheduler
