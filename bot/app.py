"""The composition root: the one place that builds the engine, services, adapters and clocks."""

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from bot.clocks import change_rules, escalation_book, sla_book
from bot.config import Config
from bot.digest_jobs import DigestRunner, add_digest_jobs
from bot.directory import directory_spec
from bot.dispatcher import Dispatcher
from bot.monitoring import Monitor
from bot.ops_http import serve_ops
from bot.platforms.base import Platform, Sender
from bot.scheduler import build_scheduler
from bot.sweeper import Sweeper
from bot.watchdog import Watchdog
from handlers.context import HandlerContext
from handlers.router import Router
from storage.database import Database
from storage.migrate import startup_lock, upgrade
from workflows.approval_policy import ApprovalPolicy, Rule
from workflows.clock import Clock, SystemClock
from workflows.directory import sync_directory
from workflows.priority import PriorityMatrix
from workflows.settings import DeskSettings, PlatformReach
from workflows.unit_of_work import unit_of_work

# Threads for the work the event loop hands off (asyncio.to_thread): units of work, mostly.
# Python's default (6 on 2 cores) lets that many threads fight over the GIL and, on SQLite,
# over its one writer's turn. On SQLite one thread does more: the Telegram bench's desk went
# from ~200 to ~270 updates a second, the Slack bench's from ~145 to 160-225 requests. The
# price: a long job that only reads (a digest over a million tickets, about a second) holds
# up chat work meanwhile, as a long writing job does on SQLite anyway. A database server gets
# a few threads to overlap its round trips (not measured: the chat benchmarks run on SQLite).
SQLITE_WORKER_THREADS = 1
SERVER_WORKER_THREADS = 4


@dataclass(frozen=True)
class Desk:
    """Everything a running desk is made of."""

    config: Config
    db: Database
    router: Router
    dispatcher: Dispatcher
    sweeper: Sweeper
    watchdog: Watchdog
    monitor: Monitor
    digests: DigestRunner


def use_worker_threads(config: Config) -> None:
    """Give the running event loop its pool of worker threads, sized for the database."""
    sqlite = make_url(config.database.url).get_backend_name() == "sqlite"
    count = SQLITE_WORKER_THREADS if sqlite else SERVER_WORKER_THREADS
    threads = ThreadPoolExecutor(count, thread_name_prefix="deskbot-worker")
    asyncio.get_running_loop().set_default_executor(threads)


def prepare_database(config: Config) -> Database:
    """Open the database, migrate it to the newest schema and sync the directory from config."""
    db = Database.from_url(config.database.url)
    with startup_lock(db.engine):
        upgrade(db.engine)
        with unit_of_work(db) as session:
            sync_directory(session, directory_spec(config))
    return db


def build_desk(config: Config, db: Database, senders: list[Sender], clock: Clock) -> Desk:
    """Wire the router and the dispatcher for the platforms in `senders`."""
    settings = DeskSettings(
        platforms=tuple(PlatformReach(s.name, s.reaches_everyone) for s in senders),
        priority_matrix=PriorityMatrix(config.priority_matrix),
        sla=sla_book(config),
        escalation=escalation_book(config),
        changes=change_rules(config),
        fallbacks={t.id: t.fallback_platform for t in config.teams if t.fallback_platform},
        approvals={
            service.id: ApprovalPolicy(
                Rule(service.approval.rule),
                service.approval.quorum,
                service.approval.rejections,
                service.approval.remind_after,
                service.approval.expire_after,
            )
            for service in config.services
        },
    )
    monitor = Monitor(db, clock, config.scheduler.delivery_deadline)
    router = Router(HandlerContext(db=db, clock=clock, settings=settings), monitor.observe)
    watchdog = Watchdog(db, clock, settings, config.scheduler.delivery_deadline)
    return Desk(
        config=config,
        db=db,
        router=router,
        dispatcher=Dispatcher(db, clock, senders),
        sweeper=Sweeper(db, clock, settings),
        watchdog=watchdog,
        monitor=monitor,
        digests=DigestRunner(db, clock, settings, config),
    )


async def serve(config: Config, platforms: Sequence[Platform], clock: Clock | None = None) -> None:
    """Run the desk on `platforms` (and the operations server when `http` is configured)
    until the first of them stops; then stop the others."""
    use_worker_threads(config)
    db = await asyncio.to_thread(prepare_database, config)
    desk = build_desk(config, db, [p.sender for p in platforms], clock or SystemClock())
    jobs = (desk.dispatcher, desk.sweeper, desk.watchdog)
    scheduler = build_scheduler(config.scheduler, jobs, desk.monitor.heartbeats)
    add_digest_jobs(scheduler, desk.digests, config)
    scheduler.start()
    tasks = [asyncio.create_task(platform.serve(desk)) for platform in platforms]
    if config.http is not None:
        tasks.append(asyncio.create_task(serve_ops(desk.monitor, config.http)))
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        scheduler.shutdown(wait=False)
        db.dispose()
