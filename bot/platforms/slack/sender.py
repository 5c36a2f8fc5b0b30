"""Delivers the outbox to Slack: cards to team channels (edited in place with chat.update),
notes in the card's thread, direct messages to people in one thread per ticket.

Slack's answers become DeliveryFailed, so the outbox retries: a 429 after its Retry-After,
a 5xx, a time-out or a broken connection with backoff. slack-sdk's own retry handlers are
left off: they sleep on the sending path, and the outbox already does this durably.

A burst of changes to one ticket coalesces: a card is rendered from the ticket's state at
delivery time, so the card intents of a burst render the same card, and an edit that would
not change what the channel shows is skipped.
"""

import hashlib
import json
from collections import OrderedDict
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.base import Delivery, DeliveryFailed
from bot.platforms.slack.ids import PLATFORM, message_id, split_message_id
from bot.platforms.slack.outbound import Message, message
from storage.enums import AudienceKind, IntentKind

CARDS_REMEMBERED = 4_096
# Answers that retrying cannot fix: the address or the payload is wrong.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "cannot_dm_bot",
        "message_not_found",
        "cant_update_message",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
    }
)


class SlackSender:
    """The Slack platform's outbound side; people and teams need a Slack id in config."""

    name = PLATFORM
    reaches_everyone = False

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._shown: OrderedDict[str, str] = OrderedDict()

    async def send(self, delivery: Delivery) -> str | None:
        """Post or edit; return `CHANNEL:TS` of a newly started card or DM thread."""
        rendered = message(delivery.reply)
        try:
            return await self._send(delivery, rendered)
        except SlackApiError as error:
            raise failure(error) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryFailed(f"Slack could not be reached: {error!r}") from error

    async def _send(self, delivery: Delivery, rendered: Message) -> str | None:
        root = delivery.thread_root
        if root is not None and delivery.kind == IntentKind.CARD:
            await self._edit(root, rendered)
            return None
        if root is not None:
            channel, ts = split_message_id(root)
            broadcast = delivery.audience == AudienceKind.PERSON
            await self._post(channel, rendered, thread_ts=ts, reply_broadcast=broadcast)
            return None
        answer = await self._post(delivery.address, rendered)
        if delivery.kind == IntentKind.THREAD_NOTE:
            return None
        started = message_id(answer["channel"], answer["ts"])
        self._remember(started, rendered)
        return started

    async def _post(self, channel: str, rendered: Message, **thread: Any) -> Any:
        return await self._client.chat_postMessage(
            channel=channel, text=rendered.text, blocks=rendered.blocks, **thread
        )

    async def _edit(self, root: str, rendered: Message) -> None:
        if self._shown.get(root) == _digest(rendered):
            return
        channel, ts = split_message_id(root)
        await self._client.chat_update(
            channel=channel, ts=ts, text=rendered.text, blocks=rendered.blocks
        )
        self._remember(root, rendered)

    def _remember(self, root: str, rendered: Message) -> None:
        self._shown[root] = _digest(rendered)
        self._shown.move_to_end(root)
        while len(self._shown) > CARDS_REMEMBERED:
            self._shown.popitem(last=False)


def failure(error: SlackApiError) -> DeliveryFailed:
    """What a Slack error means for the outbox: when to retry, or never."""
    status = error.response.status_code
    if status == 429:
        return DeliveryFailed("Slack rate limit", retry_after=_retry_after(error.response.headers))
    if status >= 500:
        return DeliveryFailed(f"Slack answered {status}")
    code = str(error.response.get("error", "unknown_error"))
    return DeliveryFailed(f"Slack refused: {code}", permanent=code in PERMANENT_ERRORS)


def _retry_after(headers: Any) -> float | None:
    for name, value in dict(headers or {}).items():
        if str(name).lower() == "retry-after":
            try:
                return float(value[0] if isinstance(value, list) else value)
            except ValueError:
                return None
    return None


def _digest(rendered: Message) -> str:
    payload = json.dumps([rendered.text, rendered.blocks], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()
