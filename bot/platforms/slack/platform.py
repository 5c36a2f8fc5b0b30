"""The Slack platform as the composition root runs it: HTTP mode under uvicorn, or Socket Mode."""

from typing import TYPE_CHECKING

import aiohttp
import uvicorn
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.config import SlackConfig
from bot.platforms.base import Sender
from bot.platforms.slack.app import TIMEOUT_SECONDS, build_app, check_mode, web_client
from bot.platforms.slack.listeners import Listeners
from bot.platforms.slack.sender import SlackSender

if TYPE_CHECKING:
    from bot.app import Desk


class SlackPlatform:
    """Slack events, commands and interactivity in; the outbox out through the Web API."""

    def __init__(self, config: SlackConfig, host: str = "0.0.0.0") -> None:
        check_mode(config)
        self._config = config
        self._host = host
        self._client = web_client(config)
        self.sender: Sender = SlackSender(self._client)

    async def serve(self, desk: "Desk") -> None:
        """Receive from Slack until cancelled.

        While serving, Web API calls share one HTTP session (slack-sdk opens a session, and a
        connection, per call otherwise); made on the loop that uses it, closed at the end.
        """
        listeners = Listeners(desk.router, desk.db, desk.dispatcher, self._client)
        app = build_app(self._config, self._client, listeners)
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
        self._client.session = aiohttp.ClientSession(timeout=timeout)
        try:
            if self._config.mode == "socket":
                await _socket_mode(app, self._config.app_token or "")
            else:
                await uvicorn.Server(self._server_config(app)).serve()
        finally:
            await self._client.session.close()

    def _server_config(self, app: AsyncApp) -> uvicorn.Config:
        handler = AsyncSlackRequestHandler(app)

        async def endpoint(request: Request) -> Response:
            return await handler.handle(request)

        routes = [Route(self._config.http.path, endpoint, methods=["POST"])]
        return uvicorn.Config(
            Starlette(routes=routes),
            host=self._host,
            port=self._config.http.port,
            log_level="warning",
            lifespan="off",
        )


async def _socket_mode(app: AsyncApp, app_token: str) -> None:
    """Serve over Socket Mode until cancelled, then close the connection."""
    handler = AsyncSocketModeHandler(app, app_token)
    try:
        await handler.start_async()  # type: ignore[no-untyped-call]
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
