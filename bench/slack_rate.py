"""Slack: signed slash command -> modal submission -> card posted, against a bare bolt floor.

Both servers run as their own processes (the real `deskbot run --platform slack`, and
bench/slack_floor.py), with the Web API served by the recording double in this process, and
receive the same signed requests from client threads here:

  * throughput: `workers` clients, each sending /ticket then the raise form, as fast as the
    server answers; for the desk the run ends when every card has been posted.
  * paced: the same requests sent at a fixed rate (50 a second by default); time-to-ack is
    measured per request, from sending to the acknowledgement's last byte.

Figures are printed beside the issue's targets, never asserted.
"""

import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.servers import serving
from bench.stats import Figures
from tests.support.slack_app import SECRET, SLACK_IDS, SlackClient, free_port
from tests.support.slack_double import SlackDouble
from tests.support.slack_payloads import GOOD_FORM, submission

ROOT = Path(__file__).resolve().parents[1]
DESKBOT = Path(sys.executable).parent / "deskbot"
P99_TARGET_MS = 50.0
RATIO_TARGET = 0.5


@dataclass(frozen=True)
class SlackPlan:
    """How much to run."""

    tickets: int = 150
    workers: int = 4
    rate: float = 50.0
    seconds: float = 6.0
    warmup: int = 10


@dataclass(frozen=True)
class SlackFigures:
    """One server's figures: requests a second (closed loop) and time-to-ack when paced."""

    name: str
    throughput: Figures
    paced: Figures


def run_slack(plan: SlackPlan) -> list[SlackFigures]:
    """Measure the desk and the floor on the same requests; the desk first."""
    double = SlackDouble()
    double.start()
    try:
        with _desk_server(double) as desk_port:
            desk = _measure("deskbot (full path)", desk_port, plan, double)
        with _floor_server(double) as floor_port:
            floor = _measure("bare bolt (ack only)", floor_port, plan, None)
    finally:
        double.stop()
    return [desk, floor]


def print_slack(rows: list[SlackFigures], plan: SlackPlan) -> None:
    """Print the table, the ratio and the verdicts."""
    print(f"Slack: signed /ticket -> modal submission -> card posted ({plan.workers} clients)")
    header = f"  {'server':<22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}   paced at"
    print(header + f" {plan.rate:.0f}/s: {'p50 ms':>7} {'p99 ms':>7}")
    for row in rows:
        print(
            f"  {row.name:<22} {row.throughput.rate:>8.0f} {row.throughput.p50:>8.1f} "
            f"{row.throughput.p99:>8.1f}   {'':>13}{row.paced.p50:>7.1f} {row.paced.p99:>7.1f}"
        )
    desk, floor = rows
    ratio = desk.throughput.rate / floor.throughput.rate
    p99_verdict = "met" if desk.paced.p99 < P99_TARGET_MS else "BELOW"
    ratio_verdict = "met" if ratio >= RATIO_TARGET else "BELOW"
    print(
        f"  full path / floor throughput: {ratio:.2f} (target >= {RATIO_TARGET}: {ratio_verdict})"
    )
    print(
        f"  full path p99 time-to-ack at {plan.rate:.0f}/s: {desk.paced.p99:.1f} ms "
        f"(target < {P99_TARGET_MS:.0f} ms: {p99_verdict})"
    )
    print("  req/s counts /ticket and submissions; the desk's run ends when every card is posted.")


def _measure(name: str, port: int, plan: SlackPlan, double: SlackDouble | None) -> SlackFigures:
    client = SlackClient(port)
    pairs = _pairs(client)
    for _ in range(plan.warmup):
        pairs()
    cards_before = _cards(double)
    started = time.perf_counter()
    with ThreadPoolExecutor(plan.workers) as pool:
        timings = [t for pair in pool.map(lambda _: pairs(), range(plan.tickets)) for t in pair]
    if double is not None:
        wanted = cards_before + plan.tickets
        double.wait_for(lambda: _cards(double) >= wanted, "every card posted")
    elapsed = time.perf_counter() - started
    throughput = Figures(len(timings), elapsed, tuple(timings))
    return SlackFigures(name, throughput, _paced(pairs, plan))


def _pairs(client: SlackClient) -> Callable[[], tuple[float, float]]:
    def pair() -> tuple[float, float]:
        return (
            _timed(lambda: client.command(SLACK_IDS["alice"])),
            _timed(lambda: client.interact(submission(SLACK_IDS["alice"], GOOD_FORM))),
        )

    return pair


def _paced(pairs: Callable[[], tuple[float, float]], plan: SlackPlan) -> Figures:
    count = int(plan.rate * plan.seconds / 2)
    timings: list[float] = []
    lock = threading.Lock()

    def one() -> None:
        pair = pairs()
        with lock:
            timings.extend(pair)

    started = time.perf_counter()
    with ThreadPoolExecutor(32) as pool:
        for index in range(count):
            delay = started + index * 2 / plan.rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one)
    return Figures(len(timings), time.perf_counter() - started, tuple(timings))


def _timed(send: Callable[[], Any]) -> float:
    started = time.perf_counter()
    answer = send()
    if answer.status != 200:
        raise RuntimeError(f"the server answered {answer.status}: {answer.body[:200]}")
    return (time.perf_counter() - started) * 1000


def _cards(double: SlackDouble | None) -> int:
    if double is None:
        return 0
    return sum(1 for call in double.calls_to("chat.postMessage") if call["channel"] == "C0NETWORK")


@contextmanager
def _desk_server(double: SlackDouble) -> Iterator[int]:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="deskbot-slack-bench-") as directory:
        config = _desk_config(Path(directory), port, double.base_url)
        command = [str(DESKBOT), "run", "--config", str(config), "--platform", "slack"]
        with serving(command, port, directory):
            yield port


@contextmanager
def _floor_server(double: SlackDouble) -> Iterator[int]:
    port = free_port()
    command = [sys.executable, "-m", "bench.slack_floor", str(port), SECRET, double.base_url]
    with serving(command, port, str(ROOT)):
        yield port


def _desk_config(directory: Path, port: int, api_base_url: str) -> Path:
    config = yaml.safe_load((ROOT / "config.example.yaml").read_text(encoding="utf-8"))
    config["database"]["url"] = f"sqlite:///{directory / 'deskbot.db'}"
    for person in config["people"]:
        person["slack"] = SLACK_IDS.get(person["id"])
    config["slack"] = {
        "bot_token": "xoxb-bench",
        "signing_secret": SECRET,
        "mode": "http",
        "http": {"port": port, "path": "/slack/events"},
        "api_base_url": api_base_url,
    }
    path = directory / "deskbot.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path
