"""Digest jobs: the cron schedule fires at the right local times (the clock is moved, never
slept on), a run covers the time since the previous one, two replicas send it once, and the
delivery carries the figures and the chart, which the console writes to a file."""

import asyncio
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select

from bot.app import build_desk
from bot.config import Config
from bot.digest_jobs import add_digest_jobs, last_fire_time, previous_fire_time
from bot.platforms.console.outbound import ConsoleScreen
from bot.platforms.console.sender import ConsoleSender
from storage.database import Database
from storage.enums import AudienceKind, IntentKind
from storage.models import OutboxIntent
from tests.support.chat import Chat, RecordingSender
from tests.support.clock import ManualClock
from workflows.digest import Period, from_payload
from workflows.unit_of_work import unit_of_work

DIGEST = "weekly-managers"  # the demo's: "0 8 * * mon" in Europe/Berlin, to person:carol
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def utc(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def next_fires(config: Config, chat: Chat, now: datetime, count: int) -> list[datetime]:
    """The next fire times of the digest's job, from the clock's moment on."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    add_digest_jobs(scheduler, chat.desk.digests, config)
    trigger = scheduler.get_job(f"digest:{DIGEST}").trigger
    fires, previous = [], None
    moment = now
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, moment)
        fires.append(previous.astimezone(UTC))
        moment = previous
    return fires


def test_the_schedule_fires_at_eight_in_berlin_in_winter_and_in_summer(
    demo_config: Config, chat: Chat, clock: ManualClock
) -> None:
    # From Monday 23 Nov 2026 09:00 UTC: Mondays at 08:00 CET (07:00 UTC).
    assert next_fires(demo_config, chat, clock.now(), 2) == [
        utc(2026, 11, 30, 7),
        utc(2026, 12, 7, 7),
    ]
    # Moved into March: summer time starts on Sunday 28 March, so 08:00 CEST is 06:00 UTC.
    clock.advance(utc(2027, 3, 20, 12) - clock.now())
    assert next_fires(demo_config, chat, clock.now(), 2) == [
        utc(2027, 3, 22, 7),
        utc(2027, 3, 29, 6),
    ]


def test_fire_times_are_found_again_from_the_clock(demo_config: Config, chat: Chat) -> None:
    trigger = chat.desk.digests.trigger(DIGEST)
    grace = timedelta(minutes=10)
    assert last_fire_time(trigger, utc(2026, 11, 30, 7, 0, 30), grace) == utc(2026, 11, 30, 7)
    assert last_fire_time(trigger, utc(2026, 11, 30, 7, 11), grace) is None
    assert last_fire_time(trigger, utc(2026, 12, 1, 7), grace) is None
    assert previous_fire_time(trigger, utc(2026, 11, 30, 7)) == utc(2026, 11, 23, 7)


def digest_intents(database: Database) -> list[OutboxIntent]:
    with unit_of_work(database) as session:
        return list(
            session.scalars(select(OutboxIntent).where(OutboxIntent.kind == IntentKind.DIGEST))
        )


def test_a_scheduled_run_covers_the_week_since_the_last_and_is_queued_once(
    database: Database, chat: Chat, clock: ManualClock
) -> None:
    chat.raise_incident()
    clock.advance(utc(2026, 11, 30, 7, 0, 2) - clock.now())  # just after Monday 08:00 Berlin
    assert asyncio.run(chat.desk.digests.run_scheduled(DIGEST)) == 1
    assert asyncio.run(chat.desk.digests.run_scheduled(DIGEST)) == 0  # a second tick
    [intent] = digest_intents(database)
    assert (intent.audience_kind, intent.audience_key) == (AudienceKind.PERSON, "carol")
    figures = from_payload(intent.payload)
    assert figures.period == Period(utc(2026, 11, 23, 7), utc(2026, 11, 30, 7))
    assert figures.total("new") == 1  # the incident raised on the 23rd, a network ticket


def test_no_run_outside_a_fire_time(chat: Chat, clock: ManualClock) -> None:
    clock.advance(timedelta(days=1))  # Tuesday
    assert asyncio.run(chat.desk.digests.run_scheduled(DIGEST)) == 0


def test_two_replicas_send_the_digest_once(
    database: Database, demo_config: Config, chat: Chat, clock: ManualClock
) -> None:
    other_sender = RecordingSender()
    other = build_desk(demo_config, database, [other_sender], clock)
    clock.advance(utc(2026, 11, 30, 7, 0, 5) - clock.now())

    async def both() -> list[int]:
        return list(
            await asyncio.gather(
                chat.desk.digests.run_scheduled(DIGEST), other.digests.run_scheduled(DIGEST)
            )
        )

    assert sorted(asyncio.run(both())) == [0, 1]
    asyncio.run(other.dispatcher.run_once())
    delivered = chat.deliver() + other_sender.deliveries
    assert [(d.kind, d.address) for d in delivered] == [(IntentKind.DIGEST, "carol")]


def test_the_delivery_carries_the_figures_and_a_png_chart(chat: Chat, clock: ManualClock) -> None:
    chat.raise_incident()
    chat.deliver()  # the incident's own notices
    clock.advance(timedelta(minutes=1))  # periods end before their end moment
    assert asyncio.run(chat.desk.digests.send_now(DIGEST, to="dave")) == 1
    [delivery] = chat.deliver()
    assert (delivery.audience, delivery.address) == (AudienceKind.PERSON, "dave")
    assert delivery.digest is not None and delivery.attachment is not None
    assert delivery.digest.period == Period(clock.now() - timedelta(days=7), clock.now())
    assert delivery.digest.total("new") == 1
    assert delivery.attachment.content.startswith(PNG_SIGNATURE)
    assert delivery.reply.title.startswith(f"Digest {DIGEST} · ")


def test_the_console_prints_the_digest_and_the_path_of_its_chart(
    chat: Chat, tmp_path: Path
) -> None:
    asyncio.run(chat.desk.digests.send_now(DIGEST))
    [delivery] = chat.deliver()
    output = io.StringIO()
    asyncio.run(ConsoleSender(ConsoleScreen(output), charts=tmp_path).send(delivery))
    text = output.getvalue()
    assert text.startswith("── direct message to carol · digest ──\nDigest weekly-managers · ")
    chart = Path(text.strip().splitlines()[-1].removeprefix("Chart: "))
    assert chart.parent == tmp_path
    assert chart.read_bytes().startswith(PNG_SIGNATURE)
