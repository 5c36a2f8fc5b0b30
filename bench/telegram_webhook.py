"""Telegram: updates per second through the whole webhook path, beside a bare PTB floor.

Whole path: updates POSTed to the bot's webhook (secret token checked by PTB), translated,
routed through the real handlers on a SQLite desk, answered through the Bot API double on
127.0.0.1, and the outbox run: each dialog is /new, seven answers (presses and typed text)
and "Raise it", which posts the card to the team's group and a DM to the requester. An
update counts as processed when all its replies have reached the double; its latency is from
the POST to the last of them. The floor is a bare python-telegram-bot Application on the same
webhook and double answering each of the same updates with one fixed message.

Several people walk dialogs at once (each in their own private chat). The flood-limit
throttle is off in both (it would hold the group to 20 cards a minute, which measures
Telegram's policy, not the desk). Figures are printed, never asserted.
"""

import asyncio
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bench.stats import Figures
from bot.app import build_desk, prepare_database
from bot.config import Config, DatabaseConfig, PersonConfig, load_config
from bot.platforms.telegram.platform import TelegramPlatform
from tests.support.telegram_desk import SECRET, bot_api, bot_api_running, telegram_config
from tests.support.telegram_double import BotApiDouble, Posted
from tests.support.telegram_updates import TgUser, Updates
from workflows.clock import SystemClock

ROOT = Path(__file__).resolve().parents[1]
# (what the person does, how many messages the desk then sends to their chat)
DIALOG: tuple[tuple[str, str, int], ...] = (
    ("command", "/new", 1),
    ("press", "Incident", 1),
    ("press", "VPN", 1),
    ("text", "VPN drops every hour", 1),
    ("text", "It disconnects on the hour", 1),
    ("press", "High", 1),
    ("press", "Medium", 2),  # the summary, then "Shall I raise it?"
    ("press", "Raise it", 2),  # "Raised INC-n", then the DM sent after the group's card
)


@dataclass(frozen=True)
class Plan:
    """How much to run."""

    people: int = 4
    dialogs_each: int = 15


@dataclass(frozen=True)
class Result:
    """One side's figures."""

    label: str
    figures: Figures


Poster = Callable[[dict[str, Any]], Awaitable[None]]


def _people(count: int) -> list[TgUser]:
    return [TgUser(70_000 + n, f"Bench{n}") for n in range(count)]


def _bench_config(database_url: str, api: BotApiDouble, people: list[TgUser]) -> Config:
    demo = load_config(ROOT / "config.example.yaml")
    config = telegram_config(demo, database_url, api, "webhook")
    extra = [
        PersonConfig(id=f"bench{user.id}", name=user.first_name, telegram=user.id)
        for user in people
    ]
    return config.model_copy(
        update={"people": [*config.people, *extra], "database": DatabaseConfig(url=database_url)}
    )


def _webhook(config: Config) -> str:
    assert config.telegram is not None
    hook = config.telegram.webhook
    return f"http://127.0.0.1:{hook.port}{hook.url_path}"


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


@asynccontextmanager
async def _desk_bot(config: Config, api: BotApiDouble) -> AsyncIterator[None]:
    assert config.telegram is not None
    db = await asyncio.to_thread(prepare_database, config)
    platform = TelegramPlatform(config.telegram, rate_limited=False)
    desk = build_desk(config, db, [platform.sender], SystemClock())
    serving = asyncio.create_task(platform.serve(desk))
    try:
        await api.wait_for("setWebhook")
        yield
    finally:
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
        db.dispose()


@asynccontextmanager
async def _floor_bot(config: Config, api: BotApiDouble) -> AsyncIterator[None]:
    """A bare PTB Application on the same webhook: one fixed reply to every update."""
    assert config.telegram is not None
    hook = config.telegram.webhook

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer()
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, "Thanks, noted.")

    app: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder().token(config.telegram.token).base_url(api.base_url).build()
    )
    app.add_handler(TypeHandler(Update, reply))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen=hook.listen, port=hook.port, url_path=hook.url_path, secret_token=SECRET
        )
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


async def _measure(plan: Plan) -> tuple[Result, Result]:
    people = _people(plan.people)
    with tempfile.TemporaryDirectory(prefix="deskbot-bench-tg-") as directory:
        url = f"sqlite:///{Path(directory) / 'deskbot.db'}"
        api = bot_api()
        async with bot_api_running(api):
            config = _bench_config(url, api, people)
            async with _desk_bot(config, api):
                whole = await _drive(api, _webhook(config), people, plan, floor=False)
        floor_api = bot_api()
        async with bot_api_running(floor_api):
            config = _bench_config(url, floor_api, people)
            async with _floor_bot(config, floor_api):
                floor = await _drive(floor_api, _webhook(config), people, plan, floor=True)
    return Result("whole webhook path (SQLite)", whole), Result("bare PTB floor", floor)


def run_telegram(plan: Plan) -> None:
    """Measure both sides and print them with their ratio."""
    print()
    print("Telegram: updates per second through the webhook (Bot API double on 127.0.0.1)")
    print(
        f"  {plan.people} people at once, {plan.dialogs_each} dialogs each "
        f"({len(DIALOG)} updates a dialog), after one untimed dialog"
    )
    whole, floor = asyncio.run(_measure(plan))
    for result in (whole, floor):
        figures = result.figures
        print(
            f"  {result.label:<28} {figures.units:>5} updates  {figures.rate:>7,.0f} updates/s  "
            f"p50 {figures.p50:6.2f} ms  p99 {figures.p99:6.2f} ms"
        )
    ratio = whole.figures.rate / floor.figures.rate
    verdict = "met" if ratio >= 0.5 else "BELOW"
    print(f"  ratio whole / floor: {ratio:.2f} (target >= 0.50: {verdict})")
