"""`deskbot digest --now` and `deskbot report`: digests and their figures on demand.

`digest --now` queues each configured digest (or one) for its recipients (or one person) on
the chat platforms the config sets up, or the console when it sets up none, and delivers the
console's share at once: the text on standard output and the chart's PNG path after it.
"""

import asyncio
import csv
import io
import json
from datetime import datetime, timedelta
from typing import Any, Literal, TextIO

from bot.app import prepare_database
from bot.config import Config, ConfigError
from bot.digest_jobs import DigestRunner
from bot.digest_rendering import console_digest
from bot.dispatcher import Dispatcher
from bot.platforms.console.outbound import ConsoleScreen
from bot.platforms.console.sender import ConsoleSender
from workflows.clock import Clock
from workflows.digest import DigestFigures, Period, Scope, to_payload
from workflows.digest_figures import compute_digest
from workflows.settings import DeskSettings, PlatformReach
from workflows.unit_of_work import unit_of_work

ReportFormat = Literal["text", "csv", "json"]
REPORT_NAME = "report"


def send_digests_now(
    config: Config, clock: Clock, output: TextIO, digest_id: str | None, to: str | None
) -> int:
    """Queue the digests now and deliver the console's; return how many intents were queued."""
    ids = _digest_ids(config, digest_id)
    if to is not None and to not in {person.id for person in config.people}:
        raise ConfigError(f"--to: unknown person '{to}'")
    console = ConsoleSender(ConsoleScreen(output))
    db = prepare_database(config)
    try:
        runner = DigestRunner(db, clock, DeskSettings(platforms=_platforms(config)), config)

        async def send() -> int:
            queued = sum([await runner.send_now(one, to) for one in ids])
            await Dispatcher(db, clock, [console]).run_once()
            return queued

        return asyncio.run(send())
    finally:
        db.dispose()


def _digest_ids(config: Config, digest_id: str | None) -> list[str]:
    known = [digest.id for digest in config.digests]
    if not known:
        raise ConfigError("digests: none configured; add one to send it")
    if digest_id is not None and digest_id not in known:
        raise ConfigError(f"--id: no digest '{digest_id}' (configured: {', '.join(known)})")
    return [digest_id] if digest_id else known


def _platforms(config: Config) -> tuple[PlatformReach, ...]:
    chat = tuple(
        PlatformReach(name)
        for name, section in (("slack", config.slack), ("telegram", config.telegram))
        if section is not None
    )
    return chat or (PlatformReach(ConsoleSender.name, reaches_everyone=True),)


def report(config: Config, now: datetime, since: timedelta, output_format: ReportFormat) -> str:
    """The whole desk's digest figures over the `since` before `now`, as text, CSV or JSON."""
    db = prepare_database(config)
    try:
        with unit_of_work(db) as session:
            figures = compute_digest(
                session,
                name=REPORT_NAME,
                scope=Scope(),
                period=Period(now - since, now),
                timezone=config.timezone,
                now=now,
            )
    finally:
        db.dispose()
    if output_format == "json":
        return json.dumps(to_payload(figures), indent=2) + "\n"
    if output_format == "csv":
        return report_csv(figures)
    return console_digest(figures)


def report_csv(figures: DigestFigures) -> str:
    """The figures as long-format CSV rows: section, key, measure, value (for pivot tables)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("section", "key", "measure", "value"))
    writer.writerows(_rows(figures))
    return buffer.getvalue()


def _rows(figures: DigestFigures) -> list[tuple[str, str, str, Any]]:
    period = figures.period
    rows: list[tuple[str, str, str, Any]] = [
        ("period", "", "start", period.start.isoformat()),
        ("period", "", "end", period.end.isoformat()),
        ("sla", "", "breaches", figures.sla.breaches),
        ("sla", "", "met", figures.sla.met),
        ("sla", "", "compliance_percent", _blank(figures.sla.compliance)),
        ("sla", "", "at_risk", figures.sla.at_risk),
        ("changes", "", "awaiting_approval", figures.changes_awaiting_approval),
        ("changes", "", "failed", figures.changes_failed),
    ]
    for row in figures.by_priority:
        for measure in ("new", "resolved", "open", "mtta", "mtta_before", "mttr", "mttr_before"):
            rows.append(("priority", row.priority, measure, _blank(getattr(row, measure))))
    rows += [
        ("oldest_open", t.reference, "created_at", t.created_at.isoformat())
        for t in figures.oldest_open
    ]
    rows += [("service", t.name, "new", t.count) for t in figures.top_services]
    rows += [("type", t.name, "new", t.count) for t in figures.top_categories]
    for day in figures.days:
        rows += [
            ("day", day.day.isoformat(), "backlog", day.backlog),
            ("day", day.day.isoformat(), "breaches", day.breaches),
        ]
    return rows


def _blank(value: float | None) -> Any:
    return "" if value is None else value
