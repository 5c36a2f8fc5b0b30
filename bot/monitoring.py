"""Health and Prometheus metrics of a running desk, read from the database at request time.

Figures come from the database (so every replica reports the same desk) except handler
latency, which each process measures for itself.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text

from storage.database import Database
from workflows.clock import Clock
from workflows.desk_stats import open_breaches, tickets_by_state
from workflows.unit_of_work import unit_of_work
from workflows.watchdog import outbox_health

STALE_TICKS = 3  # a job is alive while it ticked within this many of its intervals


@dataclass
class Heartbeats:
    """When each scheduled job last finished a tick, and how often it should."""

    intervals: dict[str, timedelta] = field(default_factory=dict)
    last_tick: dict[str, float] = field(default_factory=dict)

    def beat(self, job: str) -> None:
        """Record that `job` just finished a tick."""
        self.last_tick[job] = time.monotonic()

    def stale_jobs(self) -> list[str]:
        """Jobs that have not ticked within STALE_TICKS intervals (plus a little slack)."""
        now = time.monotonic()
        return [
            job
            for job, interval in self.intervals.items()
            if now - self.last_tick.get(job, -1e18) > STALE_TICKS * interval.total_seconds() + 5
        ]


class DeskCollector(Collector):
    """Collects the desk's gauges from the database at each scrape."""

    def __init__(self, db: Database, clock: Clock, deadline: timedelta) -> None:
        self._db = db
        self._clock = clock
        self._deadline = deadline

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Tickets by type and status, open SLA breaches, and the outbox's state."""
        now = self._clock.now()
        with unit_of_work(self._db) as session:
            states = tickets_by_state(session)
            breaches = open_breaches(session, now)
            outbox = outbox_health(session, now, self._deadline)
        tickets = GaugeMetricFamily(
            "deskbot_tickets", "Tickets by type and status", labels=["type", "status"]
        )
        for kind, status, count in states:
            tickets.add_metric([kind.value, status.value], count)
        breached = GaugeMetricFamily(
            "deskbot_sla_breached_tickets", "Open tickets past an SLA target", labels=["clock"]
        )
        for clock, count in breaches.items():
            breached.add_metric([clock.value], count)
        yield tickets
        yield breached
        yield GaugeMetricFamily(
            "deskbot_outbox_backlog", "Intents not delivered yet", outbox.backlog
        )
        yield GaugeMetricFamily(
            "deskbot_outbox_overdue", "Intents undelivered past the deadline", outbox.overdue
        )
        yield GaugeMetricFamily(
            "deskbot_outbox_dead", "Intents given up after too many failures", outbox.dead
        )


class Monitor:
    """The process's metrics registry and health check."""

    def __init__(self, db: Database, clock: Clock, deadline: timedelta) -> None:
        self._db = db
        self._clock = clock
        self._deadline = deadline
        self.heartbeats = Heartbeats()
        self.registry = CollectorRegistry()
        self.registry.register(DeskCollector(db, clock, deadline))
        self.handler_seconds = Histogram(
            "deskbot_handler_seconds",
            "Time to handle one inbound event",
            ["intent"],
            registry=self.registry,
        )

    def observe(self, intent: str, seconds: float) -> None:
        """Record how long handling an event of `intent` took."""
        self.handler_seconds.labels(intent).observe(seconds)

    def health(self) -> tuple[bool, dict[str, object]]:
        """Whether the desk can work (database reachable, scheduler ticking), and the facts:
        `status` is ok, degraded (deliveries overdue) or unhealthy."""
        report: dict[str, object] = {}
        overdue = False
        try:
            with unit_of_work(self._db) as session:
                session.execute(text("select 1"))
                outbox = outbox_health(session, self._clock.now(), self._deadline)
        except Exception as error:  # any failure to reach the database is the answer itself
            report["database"] = f"unreachable: {type(error).__name__}"
            healthy = False
        else:
            report["database"] = "ok"
            report["outbox"] = {
                "backlog": outbox.backlog,
                "overdue": outbox.overdue,
                "dead": outbox.dead,
            }
            healthy, overdue = True, outbox.overdue > 0
        stale = self.heartbeats.stale_jobs()
        report["scheduler"] = {"stale_jobs": stale} if stale else "ok"
        healthy = healthy and not stale
        # Overdue deliveries degrade the desk but a restart would not help: still 200.
        report["status"] = "unhealthy" if not healthy else "degraded" if overdue else "ok"
        return healthy, report
