"""The one way a rendered message is posted: HTML, its keyboard, its topic, what it answers."""

from telegram import Bot, Message, ReplyParameters
from telegram.constants import ParseMode

from bot.platforms.telegram.outbound import Rendered


async def post(
    bot: Bot, chat: int | str, rendered: Rendered, *, topic: int | None, reply_to: int | None
) -> Message:
    """Send `rendered` to `chat` (in forum topic `topic`, as a reply to `reply_to` if given)."""
    return await bot.send_message(
        chat,
        rendered.html,
        parse_mode=ParseMode.HTML,
        reply_markup=rendered.keyboard,
        message_thread_id=topic,
        reply_parameters=(
            ReplyParameters(reply_to, allow_sending_without_reply=True)
            if reply_to is not None
            else None
        ),
    )
