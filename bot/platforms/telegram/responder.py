"""Answers the person who sent an update: messages in the chat, or the button press itself.

Telegram has no ephemeral messages: in a group, what is meant for the presser alone (a
"private" reply) is shown on the pressed button's answer; a refusal is shown as an alert
there and changes nothing. In a private chat every reply is a message.
"""

import asyncio

from telegram import Bot

from bot.platforms.telegram.inbound import Incoming
from bot.platforms.telegram.outbound import (
    MESSAGE_LIMIT,
    Rendered,
    TelegramRenderer,
    callback_answer,
    telegram_length,
)
from bot.platforms.telegram.posting import post
from handlers.events import Reply


class Responder:
    """Sends the handlers' replies back where the update came from."""

    def __init__(self, renderer: TelegramRenderer) -> None:
        self._renderer = renderer

    async def answer(self, bot: Bot, incoming: Incoming, replies: list[Reply]) -> None:
        """Answer a press on its button (and in the chat), or a message in its chat.

        No replies means the router had seen the update before: it was answered then."""
        if not replies:
            return
        if incoming.callback_id is None:
            await self._say(bot, incoming, replies)
            return
        refusals = [reply for reply in replies if reply.problem]
        toasts = [r for r in replies if r.private and not r.problem and not incoming.private]
        messages = [r for r in replies if r not in refusals and r not in toasts]
        # The press's answer and the messages go out together: neither depends on the other.
        await asyncio.gather(
            bot.answer_callback_query(
                incoming.callback_id,
                text=callback_answer(refusals or toasts) or None,
                show_alert=bool(refusals),
            ),
            self._say(bot, incoming, messages),
        )

    async def _say(self, bot: Bot, incoming: Incoming, replies: list[Reply]) -> None:
        reply_to = None if incoming.private else incoming.message_id
        for rendered in self._messages(replies):
            await post(bot, incoming.chat_id, rendered, topic=incoming.thread_id, reply_to=reply_to)

    def _messages(self, replies: list[Reply]) -> list[Rendered]:
        """The replies as messages. One without buttons is joined to the next when the two fit
        in one message, so a summary arrives with its question and buttons, not apart."""
        messages: list[Rendered] = []
        for reply in replies:
            rendered = self._renderer.render(reply)
            if messages and messages[-1].keyboard is None:
                joined = f"{messages[-1].html}\n\n{rendered.html}"
                if telegram_length(joined) <= MESSAGE_LIMIT:
                    rendered = Rendered(joined, rendered.keyboard)
                    messages.pop()
            messages.append(rendered)
        return messages
