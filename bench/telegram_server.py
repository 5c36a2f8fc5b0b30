"""One side of the Telegram benchmark in its own process, as a bot runs in production:
`python -m bench.telegram_server desk|floor CONFIG` serves the config's webhook until stopped.

desk: the real platform and desk on the config's database, served as `deskbot run` serves them
(its scheduler and worker threads included), with the flood-limit throttle off (it would hold
the group to 20 cards a minute, which measures Telegram's policy, not the desk).
floor: a bare python-telegram-bot Application answering every update with one fixed message.
"""

import asyncio
import sys
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.app import serve
from bot.config import TelegramConfig, load_config
from bot.platforms.telegram.platform import TelegramPlatform

FLOOR_REPLY = "Thanks, noted."


async def serve_desk(config_path: Path) -> None:
    """The desk on the config's database and webhook, until cancelled."""
    config = load_config(config_path)
    assert config.telegram is not None
    await serve(config, [TelegramPlatform(config.telegram, rate_limited=False)])


async def serve_floor(config_path: Path) -> None:
    """The floor on the config's webhook, until cancelled."""
    telegram = load_config(config_path).telegram
    assert telegram is not None
    app = _floor_application(telegram)
    hook = telegram.webhook
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen=hook.listen,
            port=hook.port,
            url_path=hook.url_path,
            secret_token=hook.secret_token,
        )
        try:
            await asyncio.Future()
        finally:
            await app.updater.stop()
            await app.stop()


def _floor_application(telegram: TelegramConfig) -> Application[Any, Any, Any, Any, Any, Any]:
    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer()
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, FLOOR_REPLY)

    builder = ApplicationBuilder().token(telegram.token)
    if telegram.base_url:
        builder = builder.base_url(telegram.base_url)
    app: Application[Any, Any, Any, Any, Any, Any] = builder.build()
    app.add_handler(TypeHandler(Update, reply))
    return app


def main() -> None:
    """Serve the side named on the command line until terminated."""
    side, config_path = sys.argv[1], Path(sys.argv[2])
    asyncio.run(serve_desk(config_path) if side == "desk" else serve_floor(config_path))


if __name__ == "__main__":
    main()
