"""Operations: the delivery watchdog and its fallback platform, /healthz and /metrics."""

import asyncio
import json
import logging
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.app import build_desk
from bot.config import Config, HttpConfig, TeamConfig
from bot.monitoring import Monitor
from bot.ops_http import serve_ops
from bot.platforms.base import DeliveryFailed
from storage.database import Database
from storage.enums import AudienceKind, IntentKind
from tests.support.chat import Chat, RecordingSender
from tests.support.clock import ManualClock

DEADLINE = timedelta(minutes=5)  # the default scheduler.delivery_deadline


def unavailable(count: int) -> list[DeliveryFailed]:
    return [DeliveryFailed("HTTP 500 from the platform") for _ in range(count)]


def test_an_undelivered_intent_is_reported_once_after_the_deadline(
    chat: Chat, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    chat.sender.failures = unavailable(100)
    chat.raise_incident()
    chat.deliver()

    clock.advance(DEADLINE - timedelta(seconds=1))
    assert asyncio.run(chat.desk.watchdog.run_once()) == 0
    clock.advance(timedelta(seconds=1))
    with caplog.at_level(logging.WARNING, logger="bot.watchdog"):
        reported = asyncio.run(chat.desk.watchdog.run_once())
    again = asyncio.run(chat.desk.watchdog.run_once())

    assert reported == 2  # the card for the team, the DM for the requester
    assert again == 0
    assert len([r for r in caplog.records if "undelivered for 0:05:00" in r.message]) == 2
    healthy, report = chat.desk.monitor.health()
    assert healthy and report["status"] == "degraded"
    assert report["outbox"] == {"backlog": 2, "overdue": 2, "dead": 0}


def test_overdue_team_notices_go_to_the_fallback_platform(
    database: Database, demo_config: Config, clock: ManualClock
) -> None:
    teams = [
        TeamConfig.model_validate({**team.model_dump(), "fallback_platform": "telegram"})
        for team in demo_config.teams
    ]
    config = demo_config.model_copy(update={"teams": teams})
    slack, telegram = RecordingSender(name="slack"), RecordingSender(name="telegram")
    slack.failures = unavailable(100)
    chat = Chat(build_desk(config, database, [slack, telegram], clock), slack)
    chat.raise_incident()
    asyncio.run(chat.desk.dispatcher.run_once())
    assert team_deliveries(telegram) == []  # the team's telegram channel is kept for fallback

    clock.advance(DEADLINE)
    asyncio.run(chat.desk.watchdog.run_once())
    asyncio.run(chat.desk.dispatcher.run_once())

    assert team_deliveries(telegram) == [(IntentKind.CARD, "network")]


def team_deliveries(sender: RecordingSender) -> list[tuple[IntentKind, str]]:
    return [(d.kind, d.address) for d in sender.deliveries if d.audience == AudienceKind.TEAM]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def serving(monitor: Monitor, paths: list[str]) -> list[tuple[int, str]]:
    """Start the operations server on a free local port, GET each path, stop it."""
    config = HttpConfig(listen="127.0.0.1", port=free_port())

    async def scenario() -> list[tuple[int, str]]:
        server = asyncio.create_task(serve_ops(monitor, config))
        base = f"http://127.0.0.1:{config.port}"
        for _ in range(200):
            try:
                await asyncio.to_thread(fetch, base + "/healthz")
                break
            except OSError:
                await asyncio.sleep(0.05)  # waiting for the socket to open, not for correctness
        answers = [await asyncio.to_thread(fetch, base + path) for path in paths]
        server.cancel()
        await asyncio.gather(server, return_exceptions=True)
        return answers

    return asyncio.run(scenario())


@pytest.fixture
def ticking(chat: Chat) -> Iterator[Monitor]:
    """The chat's monitor with every scheduled job having just ticked."""
    monitor = chat.desk.monitor
    for job in ("outbox-dispatcher", "sla-sweep"):
        monitor.heartbeats.intervals[job] = timedelta(seconds=15)
        monitor.heartbeats.beat(job)
    yield monitor


def test_healthz_and_metrics_report_the_desk(chat: Chat, ticking: Monitor) -> None:
    chat.raise_incident()

    (health_status, health), (metrics_status, metrics) = serving(ticking, ["/healthz", "/metrics"])

    assert health_status == 200
    assert json.loads(health)["status"] == "ok"
    assert json.loads(health)["outbox"] == {"backlog": 2, "overdue": 0, "dead": 0}
    assert metrics_status == 200
    assert 'deskbot_tickets{status="new",type="incident"} 1.0' in metrics
    assert 'deskbot_sla_breached_tickets{clock="response"} 0.0' in metrics
    assert "deskbot_outbox_backlog 2.0" in metrics
    assert 'deskbot_handler_seconds_count{intent="dialog_answer"}' in metrics


def test_healthz_is_503_when_the_scheduler_stalls(chat: Chat, ticking: Monitor) -> None:
    ticking.heartbeats.intervals["delivery-watchdog"] = timedelta(seconds=30)  # never ticked

    [(status, body)] = serving(ticking, ["/healthz"])

    assert status == 503
    assert json.loads(body)["scheduler"] == {"stale_jobs": ["delivery-watchdog"]}


def test_healthz_is_503_when_the_database_is_unreachable(clock: ManualClock) -> None:
    nowhere = Database.from_url(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none")
    try:
        [(status, body)] = serving(Monitor(nowhere, clock, DEADLINE), ["/healthz"])
    finally:
        nowhere.dispose()

    assert status == 503
    assert json.loads(body)["database"].startswith("unreachable")
