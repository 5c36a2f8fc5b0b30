"""Neutral replies -> Telegram HTML (escaped by the template) and an inline keyboard.

A message never exceeds Telegram's 4,096 characters: a long text is cut, visibly, with a note
of how much was left out. Lengths are counted in UTF-16 code units, as Telegram counts them.
"""

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.platforms.telegram.callback_data import CallbackCodec
from bot.rendering import template_environment
from handlers.events import Button, Reply

MESSAGE_LIMIT = 4096
TOPIC_NAME_LIMIT = 128
CALLBACK_ANSWER_LIMIT = 200
BUTTONS_PER_ROW = 2


@dataclass(frozen=True)
class Rendered:
    """A message ready for sendMessage / editMessageText with parse_mode HTML."""

    html: str
    keyboard: InlineKeyboardMarkup | None


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending in an ellipsis when it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TelegramRenderer:
    """Renders replies for one bot (its callback_data are signed with the bot's key)."""

    def __init__(self, codec: CallbackCodec) -> None:
        self._codec = codec
        self._template = template_environment(autoescape=True).get_template(
            "telegram/reply.html.j2"
        )

    def render(self, reply: Reply) -> Rendered:
        """The reply as HTML within the message limit, with its buttons as a keyboard."""
        return Rendered(self._html(reply), self.keyboard(reply.buttons))

    def keyboard(self, buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
        """Buttons in rows of two; None when there are none."""
        if not buttons:
            return None
        keys = [
            InlineKeyboardButton(b.label, callback_data=self._codec.encode(b.action, b.value))
            for b in buttons
        ]
        rows = [keys[i : i + BUTTONS_PER_ROW] for i in range(0, len(keys), BUTTONS_PER_ROW)]
        return InlineKeyboardMarkup(rows)

    def _html(self, reply: Reply) -> str:
        text = reply.text.strip()
        html = self._page(reply, text, len(text))
        if telegram_length(html) <= MESSAGE_LIMIT:
            return html
        # The longest prefix of the text that fits beside the note saying what was cut.
        fits, too_long = 0, len(text)
        while too_long - fits > 1:
            middle = (fits + too_long) // 2
            if telegram_length(self._page(reply, text, middle)) <= MESSAGE_LIMIT:
                fits = middle
            else:
                too_long = middle
        return self._page(reply, text, fits)

    def _page(self, reply: Reply, text: str, keep: int) -> str:
        shown = text[:keep]
        return self._template.render(reply=reply, text=shown, cut=len(text) - len(shown)).strip()


def topic_name(reply: Reply) -> str:
    """The forum topic of a ticket: its card's title, within Telegram's 128 characters."""
    return shorten(reply.title or reply.ticket or "Ticket", TOPIC_NAME_LIMIT)


def callback_answer(replies: list[Reply]) -> str:
    """The short text shown when a button press is answered (at most 200 characters)."""
    return shorten(" ".join(r.text for r in replies if r.text), CALLBACK_ANSWER_LIMIT)
