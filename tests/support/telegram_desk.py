"""The desk on Telegram for end-to-end tests: the real platform and python-telegram-bot
Application, a real database, and the Bot API double on 127.0.0.1 (through telegram.base_url).

Updates go in by polling (queued at the double) or by POSTing to the bot's webhook with the
secret token. `settle` waits until every update sent so far is handled: the bot takes updates
in the order they came, so once it has answered a stranger's message sent last (which
delivers nothing), it has taken the others in; then it waits until those are handled (chats
are handled at once) and for the deliveries they started.
"""

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from bot.app import Desk, build_desk, prepare_database
from bot.config import Config, DatabaseConfig, TelegramConfig, TelegramWebhookConfig
from bot.platforms.telegram.platform import TelegramPlatform
from tests.support.clock import ManualClock
from tests.support.telegram_double import BotApiDouble, ChatSpec
from tests.support.telegram_updates import TgUser, Updates

TOKEN = "123456:TEST-token_for-the-double"
SECRET = "the-webhook-secret_42"
PUBLIC_URL = "https://desk.example.com/"  # where Telegram would be told to post updates
NETWORK, WORKPLACE = -1001000000001, -1001000000002
PEOPLE = {
    "alice": TgUser(1001, "Alice"),
    "bob": TgUser(2001, "Bob"),
    "dave": TgUser(2002, "Dave"),
    "erin": TgUser(3001, "Erin"),
    "frank": TgUser(3002, "Frank"),
    "carol": TgUser(4001, "Carol"),
    "grace": TgUser(4002, "Grace"),
}
STRANGER = TgUser(9_999_001, "Mallory")
BARRIER = TgUser(9_999_002, "Barrier")  # a stranger only `settle` writes as
Mode = Literal["polling", "webhook"]


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_api(*, network_forum: bool = False, workplace_forum: bool = True) -> BotApiDouble:
    """The double with the demo's two team groups (Workplace IT's a forum by default)."""
    return BotApiDouble(
        TOKEN,
        chats={
            str(NETWORK): ChatSpec("Network team", forum=network_forum),
            str(WORKPLACE): ChatSpec(
                "Workplace IT",
                forum=workplace_forum,
                bot_status="administrator",
                can_manage_topics=True,
            ),
        },
    )


def telegram_config(
    demo: Config,
    database_url: str,
    api: BotApiDouble,
    mode: Mode,
    *,
    self_registration: bool = False,
) -> Config:
    """The demo config with Telegram accounts for everyone, served through `api` (strangers
    who write privately become employees with `self_registration`)."""
    people = [p.model_copy(update={"telegram": PEOPLE[p.id].id}) for p in demo.people]
    webhook = TelegramWebhookConfig(
        listen="127.0.0.1",
        port=free_port(),
        url_path="/telegram",
        public_url=PUBLIC_URL,
        secret_token=SECRET,
    )
    telegram = TelegramConfig(
        token=TOKEN,
        mode=mode,
        webhook=webhook,
        base_url=api.base_url,
        self_registration=self_registration,
    )
    return demo.model_copy(
        update={
            "database": DatabaseConfig(url=database_url),
            "people": people,
            "telegram": telegram,
        }
    )


@dataclass
class TelegramDesk:
    """A running bot: send it updates, read what the double recorded, run the outbox."""

    api: BotApiDouble
    desk: Desk
    platform: TelegramPlatform
    config: Config
    updates: Updates

    @property
    def webhook_url(self) -> str:
        """Where the bot's own webhook server listens."""
        hook = self.config.telegram.webhook if self.config.telegram else None
        assert hook is not None
        return f"http://127.0.0.1:{hook.port}{hook.url_path}"

    async def send(self, update: dict[str, Any]) -> None:
        """Deliver an update the way the configured mode receives them."""
        assert self.config.telegram is not None
        if self.config.telegram.mode == "polling":
            await self.api.push_update(update)
            return
        status = await self.post_webhook(update, SECRET)
        assert status == 200, status

    async def post_webhook(self, update: dict[str, Any], secret: str | None) -> int:
        """POST an update to the webhook (with `secret` as the token header); the status."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with httpx.AsyncClient() as client:
            answer = await client.post(self.webhook_url, json=update, headers=headers)
        return answer.status_code

    async def settle(self) -> None:
        """Wait until every update sent so far has been handled (and its outbox run)."""
        seen = len(self.api.called("sendMessage", str(BARRIER.id)))
        await self.send(self.updates.command(BARRIER, "/help"))
        await self.api.wait_for("sendMessage", seen + 1, str(BARRIER.id))
        await self.platform.idle()

    async def exchange(self, update: dict[str, Any]) -> None:
        """Send an update and wait until it is handled."""
        await self.send(update)
        await self.settle()

    async def deliver(self) -> int:
        """Run the outbox dispatcher once (as the scheduler's tick would)."""
        return await self.desk.dispatcher.run_once()


@asynccontextmanager
async def running_bot(
    config: Config, api: BotApiDouble, clock: ManualClock, updates: Updates | None = None
) -> AsyncIterator[TelegramDesk]:
    """Start the platform on `config`'s database; stop it (as a process stop would) after.

    Pass the `updates` of an earlier run to go on numbering updates as Telegram would."""
    assert config.telegram is not None
    db = await asyncio.to_thread(prepare_database, config)
    platform = TelegramPlatform(config.telegram, first_retry=0.01)
    desk = build_desk(config, db, [platform.sender], clock)
    commands_before = len(api.called("setMyCommands"))
    serving = asyncio.create_task(platform.serve(desk))
    try:
        ready = "setWebhook" if config.telegram.mode == "webhook" else "deleteWebhook"
        await api.wait_until(
            lambda: serving.done() or len(api.called(ready)) > commands_before, "the bot to start"
        )
        if serving.done():
            serving.result()
        yield TelegramDesk(api, desk, platform, config, updates or Updates(api))
    finally:
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
        db.dispose()


@asynccontextmanager
async def bot_api_running(api: BotApiDouble) -> AsyncIterator[BotApiDouble]:
    """The double listening for the length of the block."""
    await api.start()
    try:
        yield api
    finally:
        await api.stop()
