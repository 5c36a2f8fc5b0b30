"""Digests on their cron schedules, in the desk's time zone, sent once however many replicas run.

Each `digests[]` entry is an APScheduler cron job (id `digest:<id>`). When it fires, the run is
named by the schedule's own fire time, found again from the trigger and the clock (so every
replica names it alike), and covers the time since the schedule's previous fire time. The
outbox's unique keys then store each run once. `send_now` sends a digest on demand over a
period of the same length, ending now.
"""

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.config import Config, DigestConfig
from storage.database import Database
from workflows import audiences
from workflows.audiences import Audience
from workflows.clock import Clock
from workflows.digest import Period, Scope
from workflows.digest_runs import DigestPlan, send_digest
from workflows.settings import DeskSettings
from workflows.unit_of_work import unit_of_work

JOB_PREFIX = "digest:"
# A fire time found within this long after it names the run (APScheduler's misfire grace too).
GRACE = timedelta(minutes=10)
# Windows searched, shortest first, for the fire time before another.
LOOKBACKS = tuple(timedelta(days=days) for days in (1 / 24, 1, 7, 31, 366, 4 * 366))
FALLBACK_PERIOD = timedelta(days=7)


def cron_trigger(schedule: str, timezone: str) -> CronTrigger:
    """The trigger of a crontab line (minute hour day month weekday) in `timezone`."""
    return CronTrigger.from_crontab(schedule, timezone=ZoneInfo(timezone))


def last_fire_time(trigger: CronTrigger, now: datetime, grace: timedelta) -> datetime | None:
    """The latest fire time in `(now - grace, now]`, if any."""
    fire: datetime | None = trigger.get_next_fire_time(None, now - grace)
    if fire is None or fire > now:
        return None
    return _last_before(trigger, fire, now + timedelta(microseconds=1))


def previous_fire_time(trigger: CronTrigger, fire: datetime) -> datetime:
    """The fire time before `fire` (a week before when none is found in four years)."""
    for lookback in LOOKBACKS:
        first: datetime | None = trigger.get_next_fire_time(None, fire - lookback)
        if first is not None and first < fire:
            return _last_before(trigger, first, fire)
    return fire - FALLBACK_PERIOD


def _last_before(trigger: CronTrigger, fire: datetime, limit: datetime) -> datetime:
    while True:
        following: datetime | None = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        if following is None or following >= limit:
            return fire
        fire = following


def digest_plan(digest: DigestConfig, timezone: str, to: str | None = None) -> DigestPlan:
    """The plan of a configured digest; `to` (a person key) replaces its recipients."""
    recipients = (audiences.person(to),) if to else tuple(_audience(r) for r in digest.recipients)
    scope = Scope(tuple(digest.scope.teams), tuple(digest.scope.services))
    return DigestPlan(digest.id, scope, recipients, timezone)


def _audience(recipient: str) -> Audience:
    kind, _, key = recipient.partition(":")
    return audiences.team(key) if kind == "team" else audiences.person(key)


class DigestRunner:
    """Sends the configured digests, on schedule or now."""

    def __init__(self, db: Database, clock: Clock, settings: DeskSettings, config: Config) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._timezone = config.timezone
        self._digests = {digest.id: digest for digest in config.digests}

    def trigger(self, digest_id: str) -> CronTrigger:
        """The cron trigger of digest `digest_id`."""
        return cron_trigger(self._digests[digest_id].schedule, self._timezone)

    async def run_scheduled(self, digest_id: str) -> int:
        """Queue the run of `digest_id` whose fire time just passed; return the intents queued
        (0 if another replica, or an earlier tick, queued it)."""
        trigger = self.trigger(digest_id)
        fire = last_fire_time(trigger, self._clock.now(), GRACE)
        if fire is None:
            return 0
        period = Period(previous_fire_time(trigger, fire), fire)
        cause = f"{JOB_PREFIX}{digest_id}:{fire.isoformat()}"
        return await asyncio.to_thread(self._send, digest_id, period, cause, None)

    async def send_now(self, digest_id: str, to: str | None = None) -> int:
        """Queue `digest_id` now (to person `to` only, if given) over a period as long as its
        schedule's, ending now; return the intents queued."""
        trigger, now = self.trigger(digest_id), self._clock.now()
        fire = previous_fire_time(trigger, now)
        period = Period(now - (fire - previous_fire_time(trigger, fire)), now)
        cause = f"{JOB_PREFIX}{digest_id}:now:{now.isoformat()}:{to or 'all'}"
        return await asyncio.to_thread(self._send, digest_id, period, cause, to)

    def _send(self, digest_id: str, period: Period, cause: str, to: str | None) -> int:
        plan = digest_plan(self._digests[digest_id], self._timezone, to)
        with unit_of_work(self._db) as session:
            return send_digest(
                session, self._settings, plan, period, cause=cause, now=self._clock.now()
            )


def add_digest_jobs(scheduler: AsyncIOScheduler, runner: DigestRunner, config: Config) -> None:
    """Add a cron job per configured digest to `scheduler`."""
    for digest in config.digests:
        scheduler.add_job(
            runner.run_scheduled,
            runner.trigger(digest.id),
            args=(digest.id,),
            id=f"{JOB_PREFIX}{digest.id}",
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=int(GRACE.total_seconds()),
        )
