"""The SLA sweep and the outbox on SQLite and PostgreSQL: idle sweeps, a due storm, delivery.

Per backend, on the demo desk (bench/desks.py) with a clock fixed on a Monday in business
hours:
  * idle sweep: Sweeper.run_once() with `small` and then `large` open incidents, none due
    (their next check is in the future); the median of several sweeps, in ms. The issue's
    targets: the large one under 20 ms and within 2x of the small one.
  * due: `due` more incidents whose 75 % response warning and first escalation level have
    fallen due, among the `large` idle ones; one Sweeper.run_once() queues all their intents.
    Target: 10,000 due queued in under 2 s.
  * outbox: Dispatcher.run_once() delivering the queued intents to a RecordingSender.

Tickets are created with one set-based INSERT ... SELECT over a generated series (a recursive
CTE on SQLite, generate_series on PostgreSQL): a benchmark fixture, not the product's path.
The table is analyzed after each fill (and vacuumed, on PostgreSQL), as autovacuum would have
done on a live database.
Figures are printed beside the targets, never asserted.
"""

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.sql.elements import TextClause

from bench.desks import BenchDesk, postgres_available, postgres_desk, sqlite_desk
from bot.dispatcher import Dispatcher
from bot.sweeper import Sweeper
from storage.database import Database
from storage.models import OutboxIntent, Person, Service, Ticket
from tests.support.chat import RecordingSender
from tests.support.clock import ManualClock
from workflows.unit_of_work import unit_of_work

NOW = datetime(2026, 11, 23, 10, 5, tzinfo=UTC)  # a Monday, 11:05 in Berlin
DUE_AGE = timedelta(minutes=23)  # a P2 is due its 75 % warning (22.5 min) and level 1 (15 min)
IDLE_TARGET_MS = 20.0
IDLE_GROWTH_TARGET = 2.0
DUE_TARGET_S = 2.0
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

_COLUMNS = (
    "id, type, reference, title, description, service_id, team_id, requester_id, impact, "
    "urgency, priority, status, created_at, updated_at, response_due_at, resolution_due_at, "
    "next_check_at, sla_paused_seconds, response_stage, resolution_stage, escalation_level, "
    "version"
)
# Ticket n of a fill: an open P2 VPN incident; its next check `spread` seconds apart per row
# (modulo a day) from :first_check.
_VALUES = (
    "n, 'incident', 'INC-' || n, 'Bench incident ' || n, '', :service, :team, :requester, "
    "'high', 'medium', 'P2', 'new', :created, :created, :response_due, :resolution_due, "
    "{next_check}, 0, 0, 0, 0, 1"
)
_FILL = {
    "sqlite": (
        "WITH RECURSIVE series(n) AS (SELECT :first UNION ALL SELECT n + 1 FROM series "
        "WHERE n < :last) "
        f"INSERT INTO tickets ({_COLUMNS}) SELECT {_VALUES} FROM series"
    ).replace(
        "{next_check}",
        "strftime('%Y-%m-%d %H:%M:%S', :first_check, '+' || ((n * :spread) % 86400) || "
        "' seconds') || '.000000'",
    ),
    "postgresql": (
        f"INSERT INTO tickets ({_COLUMNS}) SELECT {_VALUES} "
        "FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS n"
    ).replace("{next_check}", ":first_check + ((n * :spread) % 86400) * interval '1 second'"),
}


@dataclass(frozen=True)
class SweepPlan:
    """How much to run; the defaults are the issue's sizes."""

    small: int = 1_000
    large: int = 1_000_000
    due: int = 10_000
    sweeps: int = 21
    deliveries: int = 2_000


@dataclass(frozen=True)
class SweepFigures:
    """What one backend measured."""

    backend: str
    server: str
    plan: SweepPlan
    fill_seconds: float
    idle_small_ms: float
    idle_large_ms: float
    due_seconds: float
    due_checked: int
    due_intents: int
    delivered: int
    delivery_seconds: float


def _fill_statement(dialect: str) -> TextClause:
    column = Ticket.__table__.c
    return text(_FILL[dialect]).bindparams(
        bindparam("created", type_=column.created_at.type),
        bindparam("response_due", type_=column.response_due_at.type),
        bindparam("resolution_due", type_=column.resolution_due_at.type),
        bindparam("first_check", type_=column.next_check_at.type),
    )


def fill(db: Database, count: int, created: datetime, first_check: datetime, spread: int) -> None:
    """Add `count` open P2 VPN incidents raised at `created`, next checked from `first_check`."""
    if count <= 0:
        return
    with unit_of_work(db) as session:
        if db.dialect == "postgresql":
            # The rows' references are known good: skip the per-row foreign-key triggers, the
            # bulk of a fill's time (the bench's own server, where we are superuser).
            session.execute(text("SET LOCAL session_replication_role = replica"))
        first = (session.scalar(select(func.max(Ticket.id))) or 0) + 1
        service = session.scalars(select(Service).where(Service.key == "vpn")).one()
        requester = session.scalars(select(Person.id).where(Person.key == "alice")).one()
        session.execute(
            _fill_statement(db.dialect),
            {
                "first": first,
                "last": first + count - 1,
                "service": service.id,
                "team": service.team_id,
                "requester": requester,
                "created": created,
                "response_due": created + timedelta(minutes=30),
                "resolution_due": created + timedelta(days=1),
                "first_check": first_check,
                "spread": spread,
            },
        )
        if db.dialect == "postgresql":
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('tickets', 'id'), :n)"),
                {"n": first + count - 1},
            )
    _analyze(db)


def _analyze(db: Database) -> None:
    """Give the planner the new table's statistics; on PostgreSQL also vacuum it, so that
    autovacuum does not start on the fresh million rows in the middle of the timed sweeps."""
    statement = "VACUUM (ANALYZE) tickets" if db.dialect == "postgresql" else "ANALYZE"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(statement))


def _idle(db: Database, count: int) -> None:
    fill(db, count, NOW, NOW + timedelta(minutes=15), spread=7)


async def _median_sweep_ms(sweeper: Sweeper, sweeps: int) -> float:
    """Sweep `sweeps` times (after one untimed); the median, in ms."""
    await sweeper.run_once()
    timings = []
    for _ in range(sweeps):
        started = time.perf_counter()
        checked = await sweeper.run_once()
        timings.append((time.perf_counter() - started) * 1000)
        if checked:
            raise RuntimeError(f"an idle sweep checked {checked} tickets")
    return statistics.median(timings)


async def _deliver(dispatcher: Dispatcher, limit: int) -> tuple[int, float]:
    """Run the dispatcher until it attempted `limit` intents (or ran dry): (attempted, s)."""
    attempted = 0
    started = time.perf_counter()
    while attempted < limit:
        batch = await dispatcher.run_once()
        if batch == 0:
            break
        attempted += batch
    return attempted, time.perf_counter() - started


def _intents(db: Database) -> int:
    with unit_of_work(db) as session:
        return session.scalar(select(func.count()).select_from(OutboxIntent)) or 0


def measure(bench: BenchDesk, plan: SweepPlan, label: str) -> SweepFigures:
    """Every measurement on one desk, printing progress as it goes."""
    db = bench.desk.db
    clock = ManualClock(NOW)
    sweeper = Sweeper(db, clock, bench.desk.router.ctx.settings)
    _idle(db, plan.small)
    small_ms = asyncio.run(_median_sweep_ms(sweeper, plan.sweeps))
    print(f"    {label}: idle sweep over {plan.small:,} tickets: {small_ms:.2f} ms", flush=True)
    started = time.perf_counter()
    _idle(db, plan.large - plan.small)
    filled = time.perf_counter() - started
    print(f"    {label}: {plan.large - plan.small:,} more tickets in {filled:.1f} s", flush=True)
    large_ms = asyncio.run(_median_sweep_ms(sweeper, plan.sweeps))
    print(f"    {label}: idle sweep over {plan.large:,} tickets: {large_ms:.2f} ms", flush=True)
    fill(db, plan.due, NOW - DUE_AGE, NOW - DUE_AGE + timedelta(minutes=15), spread=0)
    before = _intents(db)
    started = time.perf_counter()
    checked = asyncio.run(sweeper.run_once())
    due_seconds = time.perf_counter() - started
    queued = _intents(db) - before
    print(
        f"    {label}: {checked:,} due checked, {queued:,} intents, {due_seconds:.2f} s", flush=True
    )
    dispatcher = Dispatcher(db, clock, [RecordingSender()])
    delivered, delivery_seconds = asyncio.run(_deliver(dispatcher, plan.deliveries))
    return SweepFigures(
        backend=label,
        server=bench.server,
        plan=plan,
        fill_seconds=filled,
        idle_small_ms=small_ms,
        idle_large_ms=large_ms,
        due_seconds=due_seconds,
        due_checked=checked,
        due_intents=queued,
        delivered=delivered,
        delivery_seconds=delivery_seconds,
    )


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def _rows(figures: SweepFigures) -> list[tuple[str, str, str, str]]:
    plan = figures.plan
    growth = figures.idle_large_ms / figures.idle_small_ms if figures.idle_small_ms else 0.0
    idle_met = figures.idle_large_ms < IDLE_TARGET_MS and growth <= IDLE_GROWTH_TARGET
    due_target = DUE_TARGET_S * plan.due / 10_000
    rate = figures.delivered / figures.delivery_seconds if figures.delivery_seconds else 0.0
    name = figures.backend
    return [
        (
            name,
            f"idle sweep, {plan.small:,} open, none due (median)",
            f"{figures.idle_small_ms:.2f} ms",
            "-",
        ),
        (
            name,
            f"idle sweep, {plan.large:,} open, none due (median)",
            f"{figures.idle_large_ms:.2f} ms ({growth:.1f}x)",
            f"< {IDLE_TARGET_MS:.0f} ms and <= {IDLE_GROWTH_TARGET:.0f}x ({_verdict(idle_met)})",
        ),
        (
            name,
            f"{figures.due_checked:,} due: {figures.due_intents:,} intents queued",
            f"{figures.due_seconds:.2f} s",
            f"< {due_target:.2g} s ({_verdict(figures.due_seconds < due_target)})",
        ),
        (
            name,
            f"outbox: {figures.delivered:,} delivered (Dispatcher.run_once)",
            f"{rate:,.0f} intents/s",
            "-",
        ),
        (
            name,
            f"fill: {plan.large - plan.small:,} tickets (INSERT ... SELECT, ANALYZE)",
            f"{figures.fill_seconds:.1f} s",
            "-",
        ),
    ]


def print_sweep_table(results: list[SweepFigures]) -> None:
    """The figures beside the issue's targets."""
    header = ("Backend", "Measure", "figure", "target")
    cells = [row for figures in results for row in _rows(figures)]
    widths = [max(len(line[column]) for line in [header, *cells]) for column in range(4)]

    def line(values: tuple[str, ...]) -> str:
        return "  ".join(value.ljust(width) for value, width in zip(values, widths, strict=True))

    print(line(header).rstrip())
    print("  ".join("-" * width for width in widths))
    for row in cells:
        print(line(row).rstrip())
    print()
    print("idle sweep: Sweeper.run_once() finding nothing due, after one untimed sweep; the 2x")
    print("  compares the large figure with the small one. due: one Sweeper.run_once() checking")
    print("  every due ticket (75 % response warning and escalation level 1: two thread notes")
    print("  each), among the large idle set; the 2 s target scales with the number due.")
    print("outbox: delivering those intents to a RecordingSender (no network).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The SLA benchmark's options (shared by `python -m bench` and this module)."""
    defaults = SweepPlan()
    group = parser.add_argument_group("SLA sweep benchmark")
    group.add_argument("--no-sla", action="store_true", help="skip the SLA sweep benchmark")
    group.add_argument(
        "--sla-small", type=int, default=defaults.small, help="open tickets, small idle sweep"
    )
    group.add_argument(
        "--sla-large", type=int, default=defaults.large, help="open tickets, large idle sweep"
    )
    group.add_argument("--sla-due", type=int, default=defaults.due, help="due tickets to sweep")
    group.add_argument(
        "--sla-sweeps", type=int, default=defaults.sweeps, help="timed idle sweeps per size"
    )
    group.add_argument(
        "--sla-deliveries",
        type=int,
        default=defaults.deliveries,
        help="deliver at least this many intents (one Dispatcher.run_once takes up to 2,000)",
    )


def plan_from(args: argparse.Namespace) -> SweepPlan:
    """The plan the options ask for."""
    return SweepPlan(
        small=args.sla_small,
        large=max(args.sla_large, args.sla_small),
        due=args.sla_due,
        sweeps=args.sla_sweeps,
        deliveries=args.sla_deliveries,
    )


def run(plan: SweepPlan, sqlite_only: bool = False) -> None:
    """Measure on SQLite and (unless told not to, or absent) PostgreSQL; print the table."""
    print(
        f"\nSLA sweep benchmark: {plan.small:,} and {plan.large:,} idle tickets, "
        f"{plan.due:,} due, {plan.deliveries:,} deliveries",
        flush=True,
    )
    backends: list[tuple[str, Callable[[], AbstractContextManager[BenchDesk]]]] = [
        ("sqlite", sqlite_desk)
    ]
    if sqlite_only:
        print("  PostgreSQL: skipped (--sqlite-only)")
    elif postgres_available():
        backends.append(("postgresql", postgres_desk))
    else:
        print("  PostgreSQL: skipped (initdb / pg_ctl not on PATH)")
    results = []
    for name, open_desk in backends:
        with open_desk() as bench:
            print(f"  {LABELS[name]}: {bench.server}", flush=True)
            results.append(measure(bench, plan, LABELS[name]))
    print()
    print_sweep_table(results)


def main() -> None:
    """`python -m bench.sla_sweep`: this benchmark alone."""
    parser = argparse.ArgumentParser(prog="python -m bench.sla_sweep", description=__doc__)
    add_arguments(parser)
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()
    if not args.no_sla:
        run(plan_from(args), args.sqlite_only)


if __name__ == "__main__":
    main()
