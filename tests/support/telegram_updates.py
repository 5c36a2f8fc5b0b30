"""Updates as Telegram sends them (with `is_bot` and the `bot_command` entity PTB requires)."""

import itertools
import time
from dataclasses import dataclass
from typing import Any

from tests.support.telegram_double import BotApiDouble, Posted


@dataclass(frozen=True)
class TgUser:
    """A Telegram account."""

    id: int
    first_name: str
    last_name: str | None = None

    def json(self) -> dict[str, Any]:
        """As the Bot API writes a user (without `last_name` when they have none)."""
        user = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        return user | ({"last_name": self.last_name} if self.last_name is not None else {})


class Updates:
    """Numbers updates and messages the way Telegram does (increasing ids)."""

    def __init__(self, api: BotApiDouble) -> None:
        self._api = api
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(50_000)

    def command(self, user: TgUser, text: str, chat: int | None = None) -> dict[str, Any]:
        """`/name args` from `user` (in their private chat unless `chat` is given)."""
        name = text.split(maxsplit=1)[0]
        entity = {"type": "bot_command", "offset": 0, "length": len(name)}
        return self.text(user, text, chat, entities=[entity])

    def text(
        self,
        user: TgUser,
        text: str,
        chat: int | None = None,
        *,
        reply_to: Posted | None = None,
        topic: int | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A text message; `reply_to` one the bot posted, or written in forum topic `topic`."""
        chat_id = chat if chat is not None else user.id
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": user.json(),
            "text": text,
        }
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = self._bot_message(chat_id, reply_to)
        if topic is not None:
            message |= {"message_thread_id": topic, "is_topic_message": True}
            message.setdefault("reply_to_message", self._topic_opening(chat_id, topic))
        return self._update("message", message)

    def press(self, user: TgUser, chat: int, posted: Posted, data: str) -> dict[str, Any]:
        """`user` presses a button whose callback_data is `data` on the bot's message `posted`."""
        query = {
            "id": f"cb{next(self._message_ids)}",
            "from": user.json(),
            "chat_instance": f"ci{chat}",
            "data": data,
            "message": self._bot_message(chat, posted),
        }
        return self._update("callback_query", query)

    def _update(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), kind: body}

    def _bot_message(self, chat: int, posted: Posted) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": posted.message_id,
            "date": int(time.time()),
            "chat": _chat(chat),
            "from": self._bot(),
            "text": posted.text,
        }
        if posted.thread_id is not None:
            message |= {"message_thread_id": posted.thread_id, "is_topic_message": True}
        return message

    def _topic_opening(self, chat: int, topic: int) -> dict[str, Any]:
        name = self._api.topics[str(chat)][topic]
        return {
            "message_id": topic,
            "date": int(time.time()),
            "chat": _chat(chat),
            "from": self._bot(),
            "message_thread_id": topic,
            "is_topic_message": True,
            "forum_topic_created": {"name": name, "icon_color": 7322096},
        }

    def _bot(self) -> dict[str, Any]:
        return {"id": self._api.bot_id, "is_bot": True, "first_name": "Deskbot"}


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id < 0:
        return {"id": chat_id, "type": "supergroup", "title": "Team"}
    return {"id": chat_id, "type": "private", "first_name": "Person"}
