"""Telegram: updates per second through the whole webhook path, beside a bare PTB floor.

Whole path: updates POSTed to the bot's webhook (secret token checked by PTB), translated,
routed through the real handlers on a SQLite desk, answered through the Bot API double on
127.0.0.1, and the outbox run: each dialog is /new, seven answers (presses and typed text)
and "Raise it", which posts the card to the team's group and a DM to the requester. An
update counts as processed when all its replies have reached the double; its latency is from
the POST to the last of them. The floor is a bare python-telegram-bot Application on the same
webhook and double answering each of the same updates with one fixed message.

Each side runs in its own process (bench/telegram_server.py), as a bot does in production;
the double and the people posting updates run in this one. Several people walk dialogs at
once (each in their own private chat). The flood-limit throttle is off in both (it would hold
the group to 20 cards a minute, which measures Telegram's policy, not the desk). The sides
alternate for a few rounds and the median round of each is shown, so a burst of other load
on the machine does not land on one side only. Figures are printed, never asserted.
"""

import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from bench.servers import start, stop
from bench.stats import Figures
from tests.support.slack_app import wait_for_port
from tests.support.telegram_desk import (
    PEOPLE,
    PUBLIC_URL,
    SECRET,
    TOKEN,
    bot_api,
    bot_api_running,
    free_port,
)
from tests.support.telegram_double import BotApiDouble, Posted
from tests.support.telegram_updates import TgUser, Updates

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK_PATH = "/telegram"
# (what the person does, how many messages the desk then sends to their chat)
DIALOG: tuple[tuple[str, str, int], ...] = (
    ("command", "/new", 1),
    ("press", "Incident", 1),
    ("press", "VPN", 1),
    ("text", "VPN drops every hour", 1),
    ("text", "It disconnects on the hour", 1),
    ("press", "High", 1),
    ("press", "Medium", 1),  # the summary with "Shall I raise it?" below it
    ("press", "Raise it", 2),  # "Raised INC-n", then the DM sent after the group's card
)


@dataclass(frozen=True)
class Plan:
    """How much to run."""

    people: int = 4
    dialogs_each: int = 15
    rounds: int = 3  # desk and floor alternate, so a burst of load elsewhere hits both


@dataclass(frozen=True)
class Result:
    """One side's figures."""

    label: str
    figures: Figures


Poster = Callable[[dict[str, Any]], Awaitable[None]]


def _people(count: int) -> list[TgUser]:
    return [TgUser(70_000 + n, f"Bench{n}") for n in range(count)]


def _config_file(
    directory: Path, database_url: str, api_base_url: str, people: list[TgUser], port: int
) -> Path:
    """The demo config with everyone on Telegram, served through the double and a webhook on
    `port` at WEBHOOK_PATH, as a file."""
    config = yaml.safe_load((ROOT / "config.example.yaml").read_text(encoding="utf-8"))
    config["database"]["url"] = database_url
    for person in config["people"]:
        person["telegram"] = PEOPLE[person["id"]].id
    config["people"] += [
        {"id": f"bench{user.id}", "name": user.first_name, "telegram": user.id} for user in people
    ]
    config["telegram"] = {
        "token": TOKEN,
        "mode": "webhook",
        "base_url": api_base_url,
        "webhook": {
            "listen": "127.0.0.1",
            "port": port,
            "url_path": WEBHOOK_PATH,
            "public_url": PUBLIC_URL,
            "secret_token": SECRET,
        },
    }
    path = directory / "deskbot.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


async def _walk(
    api: BotApiDouble, updates: Updates, post: Poster, user: TgUser, floor: bool
) -> list[float]:
    """One dialog by `user`; the latency of each of its updates, in milliseconds."""
    chat = str(user.id)
    latencies = []
    for kind, words, replies in DIALOG:
        expected = len(api.shown(chat)) + (1 if floor else replies)
        if kind == "press":
            posted = api.shown(chat)[-1]
            update = updates.press(user, user.id, posted, "x" if floor else _data(posted, words))
        elif kind == "command":
            update = updates.command(user, words)
        else:
            update = updates.text(user, words)
        started = time.perf_counter()
        await post(update)
        await api.wait_until(_arrived(api, chat, expected), f"the answer to {words!r}")
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _arrived(api: BotApiDouble, chat: str, count: int) -> Callable[[], bool]:
    return lambda: len(api.shown(chat)) >= count


def _data(posted: Posted, label: str) -> str:
    return next(b["callback_data"] for row in posted.keyboard for b in row if b["text"] == label)


async def _drive(
    api: BotApiDouble, url: str, people: list[TgUser], plan: Plan, floor: bool
) -> Figures:
    updates = Updates(api)
    async with httpx.AsyncClient() as client:

        async def post(update: dict[str, Any]) -> None:
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            answer = await client.post(url, json=update, headers=headers)
            answer.raise_for_status()

        async def person(user: TgUser) -> list[float]:
            latencies: list[float] = []
            for _ in range(plan.dialogs_each):
                latencies += await _walk(api, updates, post, user, floor)
            return latencies

        await _walk(api, updates, post, people[0], floor)  # warm-up, untimed
        started = time.perf_counter()
        results = await asyncio.gather(*(person(user) for user in people))
        elapsed = time.perf_counter() - started
    latencies = tuple(latency for result in results for latency in result)
    return Figures(len(latencies), elapsed, latencies)


async def _measure(plan: Plan) -> tuple[list[Figures], list[Figures]]:
    """`plan.rounds` runs of each side, alternating: the desk's runs and the floor's."""
    people = _people(plan.people)
    desk: list[Figures] = []
    floor: list[Figures] = []
    for _ in range(plan.rounds):
        for side, runs in ((False, desk), (True, floor)):
            with tempfile.TemporaryDirectory(prefix="deskbot-bench-tg-") as directory:
                runs.append(await _one_side(Path(directory), people, plan, floor=side))
    return desk, floor


async def _one_side(directory: Path, people: list[TgUser], plan: Plan, *, floor: bool) -> Figures:
    api = bot_api()
    async with bot_api_running(api):
        url = f"sqlite:///{directory / 'deskbot.db'}"
        port = free_port()
        config = _config_file(directory, url, api.base_url, people, port)
        address = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
        side = "floor" if floor else "desk"
        command = [sys.executable, "-m", "bench.telegram_server", side, str(config)]
        server = start(command, str(directory))
        try:
            # In a thread: the double answers the server's start-up calls on this loop.
            await asyncio.to_thread(wait_for_port, port)
            return await _drive(api, address, people, plan, floor=floor)
        finally:
            stop(server)


def _median_run(runs: list[Figures]) -> Figures:
    """The run whose rate is the median of the runs (the upper one of an even count)."""
    return sorted(runs, key=lambda figures: figures.rate)[len(runs) // 2]


def run_telegram(plan: Plan) -> None:
    """Measure both sides and print them with their ratio."""
    print()
    print("Telegram: updates per second through the webhook (Bot API double on 127.0.0.1)")
    print(
        f"  {plan.people} people at once, {plan.dialogs_each} dialogs each "
        f"({len(DIALOG)} updates a dialog), after one untimed dialog"
    )
    desk_runs, floor_runs = asyncio.run(_measure(plan))
    print(f"  {plan.rounds} rounds, desk and floor alternating; the median round of each:")
    whole = Result("whole webhook path (SQLite)", _median_run(desk_runs))
    floor = Result("bare PTB floor", _median_run(floor_runs))
    for result, runs in ((whole, desk_runs), (floor, floor_runs)):
        figures = result.figures
        rates = ", ".join(f"{run.rate:,.0f}" for run in runs)
        print(
            f"  {result.label:<28} {figures.units:>5} updates  {figures.rate:>7,.0f} updates/s  "
            f"p50 {figures.p50:6.2f} ms  p99 {figures.p99:6.2f} ms  (rounds: {rates})"
        )
    ratio = whole.figures.rate / floor.figures.rate
    verdict = "met" if ratio >= 0.5 else "BELOW"
    print(f"  ratio whole / floor: {ratio:.2f} (target >= 0.50: {verdict})")
