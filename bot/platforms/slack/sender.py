"""Delivers the outbox to Slack: cards to team channels (edited in place with chat.update),
notes in the card's thread, direct messages to people in one thread per ticket.

Slack's answers become DeliveryFailed, so the outbox retries: a 429 after its Retry-After,
a 5xx, a time-out or a broken connection with backoff. slack-sdk's own retry handlers are
left off: they sleep on the sending path, and the outbox already does this durably.

A burst of changes to one ticket coalesces: a card is rendered from the ticket's state at
delivery time, so the card intents of a burst render the same card, and an edit that would
not change what the channel shows is skipped.

A digest is its Block Kit blocks (chat.postMessage to a channel, or to a person's id, which
posts in the DM) and then its chart, uploaded into the same conversation with the files
upload v2 flow (files.getUploadURLExternal, the upload, files.completeUploadExternal). The
steps already done are remembered per digest, so a retry after a failed upload does not post
the blocks again.
"""

import hashlib
import json
from collections import OrderedDict
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.digest_rendering import slack_digest
from bot.platforms.base import Attachment, Delivery, DeliveryFailed
from bot.platforms.slack.ids import PLATFORM, message_id, split_message_id
from bot.platforms.slack.outbound import Message, message
from storage.enums import AudienceKind, IntentKind

CARDS_REMEMBERED = 4_096
DIGESTS_REMEMBERED = 1_024
CHART_ALT_TEXT = "Open tickets at each day's end (line) and SLA breaches per day (bars)"
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
        # Per digest delivery: the conversation its blocks were posted in, and whether its
        # chart is shared there too.
        self._digests: OrderedDict[tuple[str, str], tuple[str, bool]] = OrderedDict()

    async def send(self, delivery: Delivery) -> str | None:
        """Post or edit; return `CHANNEL:TS` of a newly started card or DM thread."""
        try:
            if delivery.digest is not None:
                await self._send_digest(delivery, slack_digest(delivery.digest))
                return None
            return await self._send(delivery, message(delivery.reply))
        except SlackApiError as error:
            raise failure(error) from error
        except SlackRequestError as error:  # the upload to the files upload URL was refused
            raise DeliveryFailed(f"Slack refused the upload: {error}") from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryFailed(f"Slack could not be reached: {error!r}") from error

    async def _send_digest(self, delivery: Delivery, blocks: list[dict[str, Any]]) -> None:
        """Post the digest's blocks, then upload its chart into the same conversation; on a
        retry, only the steps not done yet."""
        key = _digest_key(delivery)
        channel, shared = self._digests.get(key, (None, False))
        if channel is None:
            answer = await self._client.chat_postMessage(
                channel=delivery.address, text=delivery.reply.title, blocks=blocks
            )
            channel = str(answer["channel"])
            self._progress(key, channel, shared=False)
        if delivery.attachment is not None and not shared:
            await self._upload(channel, delivery.attachment, delivery.reply.title)
        self._progress(key, channel, shared=True)

    async def _upload(self, channel: str, chart: Attachment, title: str) -> None:
        await self._client.files_upload_v2(
            channel=channel,
            content=chart.content,
            filename=chart.filename,
            title=title,
            alt_txt=CHART_ALT_TEXT,
        )

    def _progress(self, key: tuple[str, str], channel: str, *, shared: bool) -> None:
        self._digests[key] = (channel, shared)
        self._digests.move_to_end(key)
        while len(self._digests) > DIGESTS_REMEMBERED:
            self._digests.popitem(last=False)

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
        if self._shown.get(root) == _fingerprint(rendered):
            return
        channel, ts = split_message_id(root)
        await self._client.chat_update(
            channel=channel, ts=ts, text=rendered.text, blocks=rendered.blocks
        )
        self._remember(root, rendered)

    def _remember(self, root: str, rendered: Message) -> None:
        self._shown[root] = _fingerprint(rendered)
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


def _digest_key(delivery: Delivery) -> tuple[str, str]:
    """A digest delivery's identity: its address and its chart's name, which the dispatcher
    makes unique per intent (the title, for a digest without a chart)."""
    name = delivery.attachment.filename if delivery.attachment else delivery.reply.title
    return delivery.address, name


def _fingerprint(rendered: Message) -> str:
    payload = json.dumps([rendered.text, rendered.blocks], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()
