"""The Telegram platform as the composition root runs it: python-telegram-bot's Application,
receiving by long polling or a webhook, with one thin listener that hands every update to the
pure translation and the router."""

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, Update
from telegram.error import BadRequest, NetworkError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.config import ConfigError, TelegramConfig
from bot.kicker import Kicker
from bot.platforms.base import Sender
from bot.platforms.telegram.callback_data import CallbackCodec
from bot.platforms.telegram.chat_turns import ChatTurns
from bot.platforms.telegram.flood import FloodLimiter
from bot.platforms.telegram.guidance import raise_in_private, registered_reply, stranger_reply
from bot.platforms.telegram.identity import Identities
from bot.platforms.telegram.inbound import DIALOG_COMMANDS, BotIdentity, Incoming, parse_update
from bot.platforms.telegram.outbound import TelegramRenderer
from bot.platforms.telegram.responder import Responder
from bot.platforms.telegram.sender import TelegramSender
from bot.platforms.telegram.transport import AiohttpRequest
from handlers.events import EventKind, Reply

if TYPE_CHECKING:
    from bot.app import Desk

log = logging.getLogger(__name__)
MAX_RETRY_WAIT = 60.0
Listener = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
ALLOWED_UPDATES = ["message", "callback_query"]
COMMANDS = (
    BotCommand("new", "raise an incident or a request"),
    BotCommand("change", "raise a change (responders)"),
    BotCommand("mine", "your open tickets"),
    BotCommand("ticket", "one ticket: /ticket INC-12"),
    BotCommand("comment", "comment on a ticket: /comment INC-12 text"),
    BotCommand("cancel", "leave the dialog you are in"),
    BotCommand("help", "what I can do"),
)


class TelegramPlatform:
    """A Telegram bot serving the desk; `rate_limited=False` drops the flood-limit throttle,
    `first_retry` is the first wait (seconds) when Telegram cannot be reached at start."""

    def __init__(
        self, config: TelegramConfig, *, rate_limited: bool = True, first_retry: float = 1.0
    ) -> None:
        if config.mode == "webhook" and config.webhook.secret_token is None:
            raise ConfigError(
                "telegram.webhook.secret_token: required in webhook mode, so that only "
                "Telegram can post updates to the bot"
            )
        self._config = config
        self._rate_limited = rate_limited
        self._first_retry = first_retry
        self._codec = CallbackCodec(config.token)
        renderer = TelegramRenderer(self._codec)
        self._sender = TelegramSender(renderer)
        self.sender: Sender = self._sender
        self._responder = Responder(renderer)
        self._kicker: Kicker | None = None
        self._turns = ChatTurns()

    async def serve(self, desk: "Desk") -> None:
        """Receive updates until cancelled; commands are registered with Telegram at start.

        While Telegram cannot be reached at start, it tries again with growing waits, so the
        desk (and any other platform) goes on meanwhile; a refused token stops it."""
        application = self._application()
        await self._connect(application)
        try:
            me = BotIdentity(application.bot.id, application.bot.username)
            kicker = self._kicker = Kicker(desk.dispatcher)
            application.add_handler(TypeHandler(Update, self._listener(desk, me, kicker)))
            self._sender.bot = application.bot
            await application.start()
            try:
                await self._receive(application)
                await asyncio.Future()  # until cancelled
            finally:
                if application.updater is not None and application.updater.running:
                    await application.updater.stop()
                await application.stop()
                await kicker.idle()
                self._sender.bot = None
        finally:
            await application.shutdown()

    async def _connect(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        wait = self._first_retry
        while True:
            try:
                await application.initialize()  # getMe
                await application.bot.set_my_commands(COMMANDS)
                return
            except NetworkError as error:  # a timeout, no connection, a 5xx
                if isinstance(error, BadRequest):
                    raise
                log.warning("Telegram is unreachable (%s); trying again in %g s", error, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, MAX_RETRY_WAIT)

    def _application(self) -> Application[Any, Any, Any, Any, Any, Any]:
        builder: Any = (
            ApplicationBuilder()
            .token(self._config.token)
            .concurrent_updates(self._turns)
            .request(AiohttpRequest())
            .get_updates_request(AiohttpRequest(connections=1))
        )
        if self._config.base_url:
            builder = builder.base_url(self._config.base_url)
        if self._rate_limited:
            builder = builder.rate_limiter(FloodLimiter())
        application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        return application

    async def _receive(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        updater = application.updater
        assert updater is not None
        if self._config.mode == "polling":
            await updater.start_polling(poll_interval=0, allowed_updates=ALLOWED_UPDATES)
            return
        hook = self._config.webhook
        path = "/" + hook.url_path.lstrip("/")
        public = f"{hook.public_url.rstrip('/')}{path}" if hook.public_url else None
        await updater.start_webhook(
            listen=hook.listen,
            port=hook.port,
            url_path=path,
            webhook_url=public,
            secret_token=hook.secret_token,
            allowed_updates=ALLOWED_UPDATES,
        )

    def _listener(self, desk: "Desk", me: BotIdentity, kicker: Kicker) -> Listener:
        identities = Identities(desk.db)

        async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            incoming = parse_update(update, me, self._codec)
            if incoming is None:
                return
            replies = await asyncio.to_thread(
                _route, desk, identities, me, incoming, self._config.self_registration
            )
            await self._responder.answer(context.bot, incoming, replies)
            if any(reply.ticket for reply in replies):
                kicker.kick()  # it may have changed that ticket: deliver what that caused now

        return on_update

    async def idle(self) -> None:
        """Wait until the updates taken in are handled and the deliveries they started done."""
        await self._turns.idle()
        if self._kicker is not None:
            await self._kicker.idle()


def _route(
    desk: "Desk",
    identities: Identities,
    me: BotIdentity,
    incoming: Incoming,
    self_registration: bool,
) -> list[Reply]:
    """The replies to an update: what a stranger is told (or, when they may register, that
    they are now an employee, and the router's answer), the router's, or, for /new or
    /change in a group, where to raise the ticket instead."""
    person = identities.person(incoming.user_id)
    if person is None and self_registration and _may_register(incoming):
        person = identities.register(incoming.user_id, incoming.user_name)
        if person is not None:
            return [registered_reply(), *_handle(desk, me, incoming, person)]
    if person is None:
        return [stranger_reply(incoming.user_id)]
    return _handle(desk, me, incoming, person)


def _may_register(incoming: Incoming) -> bool:
    """A stranger registers by writing to the bot privately, never by a group message or a
    button press."""
    return incoming.private and incoming.event.kind is not EventKind.BUTTON


def _handle(desk: "Desk", me: BotIdentity, incoming: Incoming, person: str) -> list[Reply]:
    event = replace(incoming.event, person=person)
    if not incoming.private and event.kind == EventKind.COMMAND and event.name in DIALOG_COMMANDS:
        return [raise_in_private(me.username, event.name)]
    return desk.router.handle(event)
