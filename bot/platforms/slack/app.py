"""The bolt AsyncApp and the Web API client, built from `slack` config."""

import logging

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import ConfigError, SlackConfig
from bot.platforms.slack.listeners import Listeners, register

SLACK_API = "https://slack.com/api/"
TIMEOUT_SECONDS = 10  # a call that takes longer fails, and the outbox retries it
CLIENT_LOGGER_PARENT = "slack_sdk.web.async_base_client"  # the one slack-sdk uses by default


def web_client(config: SlackConfig) -> AsyncWebClient:
    """The bot's Web API client, on `slack.api_base_url` when set (a proxy, a test double)."""
    base_url = config.api_base_url or SLACK_API
    return AsyncWebClient(
        token=config.bot_token,
        base_url=base_url.rstrip("/") + "/",
        timeout=TIMEOUT_SECONDS,
        logger=client_logger(),
    )


def client_logger() -> logging.Logger:
    """The Web API client's logger, a child of slack-sdk's, at the level the desk logs at.

    slack-sdk writes out each request and answer for a debug line whenever its logger's own
    level is unset, as it is by default (it checks `logger.level`, not the effective level),
    and the line is then dropped: work on every call. With the level set, it does that only
    when debug lines are wanted. Logging is configured once, before the platforms are built.
    """
    logger = logging.getLogger(f"{CLIENT_LOGGER_PARENT}.deskbot")
    logger.setLevel(logging.getLogger(CLIENT_LOGGER_PARENT).getEffectiveLevel())
    return logger


def check_mode(config: SlackConfig) -> None:
    """HTTP mode needs the signing secret; Socket Mode the app-level token."""
    if config.mode == "http" and not config.signing_secret:
        raise ConfigError("slack.signing_secret: needed in http mode, to verify requests")
    if config.mode == "socket" and not config.app_token:
        raise ConfigError("slack.app_token: needed in socket mode (an xapp- token)")


def build_app(config: SlackConfig, client: AsyncWebClient, listeners: Listeners) -> AsyncApp:
    """The bolt app with every listener registered; it verifies each HTTP request's signature
    and timestamp (Socket Mode requests come over the app's own authenticated connection)."""
    app = AsyncApp(
        client=client,
        signing_secret=config.signing_secret or "",
        request_verification_enabled=config.mode == "http",
    )
    register(app, listeners)
    return app
