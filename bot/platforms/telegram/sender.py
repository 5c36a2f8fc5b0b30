"""Delivers outbox notifications to Telegram: cards in team groups, notes, direct messages.

A ticket's first card in a forum group opens a topic for the ticket and its history goes
there; in any other group the history goes as replies to the card. The card is edited in
place. Telegram's refusals become DeliveryFailed for the outbox: a flood-limit answer
(RetryAfter) with its wait, a network error or a 5xx to retry, a 400/403 or a group that moved
to a new id (ChatMigrated) as permanent.

A digest is its chart as a photo (with a short HTML caption) and then its HTML message, in a
private chat or the team's group. The photo is remembered once sent, so a retry after the
message was refused does not send it again.
"""

import logging
import warnings
from collections import OrderedDict
from datetime import timedelta

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.digest_rendering import telegram_caption, telegram_digest
from bot.platforms.base import Delivery, DeliveryFailed
from bot.platforms.telegram.callback_data import CallbackTooLong
from bot.platforms.telegram.inbound import PLATFORM
from bot.platforms.telegram.outbound import TelegramRenderer, topic_name
from bot.platforms.telegram.posting import post
from storage.enums import AudienceKind, IntentKind
from workflows.digest import DigestFigures

log = logging.getLogger(__name__)
NOT_MODIFIED = "message is not modified"  # compared lower case: PTB capitalises descriptions
DIGESTS_REMEMBERED = 1_024


def thread_root(message_id: int, topic_id: int | None) -> str:
    """How a card's place is remembered: `topic/message` in a forum, else `message`."""
    return f"{topic_id}/{message_id}" if topic_id is not None else str(message_id)


def parse_root(root: str) -> tuple[int, int | None]:
    """`(message_id, topic_id)` from a remembered thread root."""
    topic, _, message = root.rpartition("/")
    return int(message), int(topic) if topic else None


class TelegramSender:
    """The Telegram platform's outbound side; reaches the people and teams with a Telegram id."""

    name = PLATFORM
    reaches_everyone = False

    def __init__(self, renderer: TelegramRenderer) -> None:
        self._renderer = renderer
        self.bot: Bot | None = None
        self._forums: dict[str, bool] = {}
        self._topics: dict[tuple[str, str | None], int] = {}
        # The steps done per digest delivery: "chart" (the photo), "message".
        self._digests: OrderedDict[tuple[str, str], set[str]] = OrderedDict()

    async def send(self, delivery: Delivery) -> str | None:
        """Post or edit; return the new card's or first DM's place, to edit or reply to later."""
        if self.bot is None:
            raise DeliveryFailed("Telegram is not connected yet", retry_after=1)
        try:
            return await self._send(self.bot, delivery)
        except CallbackTooLong as error:
            raise DeliveryFailed(str(error), permanent=True) from error
        except ChatMigrated as moved:
            raise DeliveryFailed(
                f"the group became supergroup {moved.new_chat_id}: put that id in the config",
                permanent=True,
            ) from moved
        except RetryAfter as flood:
            raise DeliveryFailed(str(flood), retry_after=_seconds(flood)) from flood
        except (BadRequest, Forbidden) as refusal:
            if NOT_MODIFIED in str(refusal).lower():
                return None
            raise DeliveryFailed(str(refusal), permanent=True) from refusal
        except TelegramError as error:
            raise DeliveryFailed(str(error)) from error

    async def _send(self, bot: Bot, delivery: Delivery) -> str | None:
        if delivery.digest is not None:
            await self._send_digest(bot, delivery, delivery.digest)
            return None
        chat, root = delivery.address, delivery.thread_root
        rendered = self._renderer.render(delivery.reply)
        if delivery.kind == IntentKind.CARD and root is not None:
            message_id, _ = parse_root(root)
            await bot.edit_message_text(
                rendered.html,
                chat_id=chat,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=rendered.keyboard,
            )
            return None
        if delivery.kind == IntentKind.CARD:  # a team's card, or an approver's request
            forum = delivery.audience == AudienceKind.TEAM and await self._is_forum(bot, chat)
            topic = await self._open_topic(bot, delivery) if forum else None
            posted = await post(bot, chat, rendered, topic=topic, reply_to=None)
            return thread_root(posted.message_id, topic)
        reply_to, topic = parse_root(root) if root is not None else (None, None)
        if topic is not None:
            reply_to = None  # in a forum the ticket's topic is its thread
        posted = await post(bot, chat, rendered, topic=topic, reply_to=reply_to)
        starts = delivery.audience == AudienceKind.PERSON and root is None
        return str(posted.message_id) if starts else None

    async def _send_digest(self, bot: Bot, delivery: Delivery, figures: DigestFigures) -> None:
        """The chart as a photo with its caption, then the digest's message; on a retry, only
        the steps not done yet."""
        key = _digest_key(delivery)
        done = self._digests.get(key, set())
        chart = delivery.attachment
        if chart is not None and "chart" not in done:
            await bot.send_photo(
                delivery.address,
                chart.content,
                caption=telegram_caption(figures),
                parse_mode=ParseMode.HTML,
                filename=chart.filename,
            )
            self._progress(key, done | {"chart"})
        if "message" not in done:
            html = telegram_digest(figures)
            await bot.send_message(delivery.address, html, parse_mode=ParseMode.HTML)
        self._progress(key, done | {"chart", "message"})

    def _progress(self, key: tuple[str, str], done: set[str]) -> None:
        self._digests[key] = done
        self._digests.move_to_end(key)
        while len(self._digests) > DIGESTS_REMEMBERED:
            self._digests.popitem(last=False)

    async def _is_forum(self, bot: Bot, chat: str) -> bool:
        if chat not in self._forums:
            self._forums[chat] = bool((await bot.get_chat(chat)).is_forum)
        return self._forums[chat]

    async def _open_topic(self, bot: Bot, delivery: Delivery) -> int | None:
        """The ticket's topic, opened once even when posting its card has to be retried; None
        when the bot may not open topics there (the card then goes to the General topic)."""
        key = (delivery.address, delivery.reply.ticket)
        if key not in self._topics:
            try:
                topic = await bot.create_forum_topic(delivery.address, topic_name(delivery.reply))
            except (BadRequest, Forbidden) as refusal:
                log.warning("no topic for %s in %s: %s", key[1], key[0], refusal)
                return None
            self._topics[key] = topic.message_thread_id
        return self._topics[key]


def _digest_key(delivery: Delivery) -> tuple[str, str]:
    """A digest delivery's identity: its address and its chart's name, which the dispatcher
    makes unique per intent (the title, for a digest without a chart)."""
    name = delivery.attachment.filename if delivery.attachment else delivery.reply.title
    return delivery.address, name


def _seconds(flood: RetryAfter) -> float:
    with warnings.catch_warnings():
        # An int in PTB 22, a timedelta in a later major version: both are handled here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = flood.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
