"""A test double of the Telegram Bot API on 127.0.0.1, for the real python-telegram-bot client.

It records every call, keeps the messages of each chat (so a test can read what a group
shows), serves getUpdates from a queue for polling, opens forum topics, and refuses what
Telegram refuses: an unknown token, text over 4,096 characters or with broken HTML,
callback_data over 64 bytes, an edit that changes nothing. sendPhoto takes the photo as a
multipart upload (recorded as an `Upload`) with an HTML caption of at most 1,024 characters.
`fail` makes the next calls of a method answer 429 with retry_after, or 500, as Telegram does
when flooded or unwell.
"""

import asyncio
import itertools
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.httputil import HTTPFile
from tornado.web import Application, RequestHandler

from tests.support.telegram_html import EntityError, visible_text

JSON_FIELDS = frozenset(
    {"reply_markup", "reply_parameters", "commands", "allowed_updates", "show_alert"}
)
DESCRIPTIONS = {
    429: "Too Many Requests: retry after",
    400: "Bad Request: group chat was upgraded to a supergroup chat",
}
CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096
LONG_POLL_CAP = 0.5  # seconds a getUpdates waits for updates, at most
WAIT_LIMIT = 15.0  # seconds a test waits for a call before it fails


@dataclass(frozen=True)
class Call:
    """One request the bot made: the method, its parameters (JSON fields decoded), and when."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    def chat(self) -> str:
        """The chat the call was about, as a string."""
        return str(self.params.get("chat_id", ""))


@dataclass
class ChatSpec:
    """A group the double knows: its title, whether it is a forum, the bot's status in it."""

    title: str
    forum: bool = False
    bot_status: str = "member"
    can_manage_topics: bool = False


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart request: its name, media type and bytes."""

    filename: str
    content_type: str
    body: bytes


@dataclass
class Posted:
    """A message as its chat shows it; for a photo, `html` and `text` are its caption."""

    message_id: int
    html: str
    text: str
    keyboard: list[list[dict[str, str]]]
    thread_id: int | None
    reply_to: int | None
    photo: bytes | None = None


class ApiError(Exception):
    """An answer other than 200: the status, the description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


@dataclass
class BotApiDouble:
    """The Bot API for one bot token."""

    token: str
    bot_id: int = 777000111
    username: str = "deskbot_test_bot"
    chats: dict[str, ChatSpec] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    messages: dict[str, list[Posted]] = field(default_factory=dict)
    topics: dict[str, dict[int, str]] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._failures: dict[tuple[str, str | None], list[ApiError]] = {}
        self._message_ids = itertools.count(100)
        self._changed = asyncio.Condition()
        self._server: HTTPServer | None = None
        self._closing = False
        self.port = 0

    @property
    def base_url(self) -> str:
        """What `telegram.base_url` should be set to."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listener.setblocking(False)
        self.port = listener.getsockname()[1]
        app = Application([(r"/bot([^/]+)/(\w+)", _Endpoint, {"double": self})])
        self._server = HTTPServer(app)
        self._server.add_sockets([listener])

    async def stop(self) -> None:
        """Answer any long poll still waiting, and stop listening."""
        async with self._changed:
            self._closing = True
            self._changed.notify_all()
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()

    def fail(
        self,
        method: str,
        status: int,
        retry_after: int | None = None,
        chat: int | None = None,
        migrate_to: int | None = None,
    ) -> None:
        """Make the next call of `method` (to `chat`, if given) fail: 429 with retry_after, a
        server error, or 400 saying the group moved to the supergroup `migrate_to`."""
        parameters: dict[str, Any] = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to is not None:
            parameters["migrate_to_chat_id"] = migrate_to
        description = DESCRIPTIONS.get(status, "Internal Error")
        key = (method, str(chat) if chat is not None else None)
        self._failures.setdefault(key, []).append(ApiError(status, description, parameters or None))

    async def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (polling mode)."""
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()

    def called(self, method: str, chat: str | None = None) -> list[Call]:
        """The calls of `method` so far (to `chat` when given)."""
        return [c for c in self.calls if c.method == method and (chat is None or c.chat() == chat)]

    async def wait_until(self, ready: Callable[[], bool], what: str) -> None:
        """Wait until `ready()` holds after some call; fail the test after WAIT_LIMIT."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(ready), WAIT_LIMIT)
            except TimeoutError:
                methods = [c.method for c in self.calls]
                raise AssertionError(f"gave up waiting for {what}; calls: {methods}") from None

    async def wait_for(self, method: str, count: int = 1, chat: str | None = None) -> list[Call]:
        """Wait until `method` was called `count` times (to `chat`); those calls."""
        await self.wait_until(
            lambda: len(self.called(method, chat)) >= count, f"{count} x {method} {chat or ''}"
        )
        return self.called(method, chat)

    def shown(self, chat: str) -> list[Posted]:
        """What `chat` shows, oldest first (edits applied)."""
        return self.messages.get(chat, [])

    # -- answering -------------------------------------------------------------------------

    async def answer(self, token: str, method: str, params: dict[str, Any]) -> Any:
        """Record the call and answer it as the Bot API would (or raise ApiError)."""
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        if method != "getUpdates":
            await self._record(Call(method, params))
        for key in ((method, str(params.get("chat_id"))), (method, None)):
            if self._failures.get(key):
                raise self._failures[key].pop(0)
        if method == "getUpdates":
            return await self._get_updates(params)
        handler = self._methods().get(method)
        result = handler(params) if handler is not None else True
        await self._record(None)
        return result

    async def _record(self, call: Call | None) -> None:
        async with self._changed:
            if call is not None:
                self.calls.append(call)
            self._changed.notify_all()

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        deadline = min(float(params.get("timeout", 0) or 0), LONG_POLL_CAP)

        def pending() -> list[dict[str, Any]]:
            return [u for u in self._updates if u["update_id"] >= offset]

        async with self._changed:
            self._updates = pending()
            if not self._updates and deadline > 0:
                try:
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: self._closing or bool(pending())), deadline
                    )
                except TimeoutError:
                    return []
            return pending()

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        """How each method is answered; any other method answers True."""
        return {
            "getMe": self._get_me,
            "setWebhook": self._set_webhook,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "createForumTopic": self._create_forum_topic,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
        }

    def _get_me(self, _params: dict[str, Any]) -> dict[str, Any]:
        return self._bot_user() | {"can_join_groups": True, "can_read_all_group_messages": False}

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Deskbot",
            "username": self.username,
        }

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook = params
        return True

    def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        return {
            "id": int(params["chat_id"]),
            "type": "supergroup",
            "title": chat.title,
            "is_forum": chat.forum,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        member: dict[str, Any] = {"status": chat.bot_status, "user": self._bot_user()}
        if chat.bot_status == "administrator":
            rights = [
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
            ]
            member |= dict.fromkeys(rights, False) | {"can_be_edited": False, "is_anonymous": False}
            member["can_manage_topics"] = chat.can_manage_topics
        return member

    def _create_forum_topic(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        if not chat.forum:
            raise ApiError(400, "Bad Request: the chat is not a forum")
        if not (chat.bot_status == "administrator" and chat.can_manage_topics):
            raise ApiError(400, "Bad Request: not enough rights to create a topic")
        topic = next(self._message_ids)
        self.topics.setdefault(str(params["chat_id"]), {})[topic] = params["name"]
        return {"message_thread_id": topic, "name": params["name"], "icon_color": 7322096}

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = str(params["chat_id"])
        thread = int(params["message_thread_id"]) if "message_thread_id" in params else None
        if thread is not None and thread not in self.topics.get(chat, {}):
            raise ApiError(400, "Bad Request: message thread not found")
        reply = params.get("reply_parameters", {}).get("message_id")
        posted = Posted(next(self._message_ids), "", "", [], thread, reply)
        self._apply(posted, params)
        self.messages.setdefault(chat, []).append(posted)
        return self._message_json(chat, posted)

    def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = str(params["chat_id"])
        photo = params.get("photo")
        if not isinstance(photo, Upload) or not photo.body:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        html = params.get("caption", "")
        if _length(html) > CAPTION_LIMIT:
            raise ApiError(400, "Bad Request: message caption is too long")
        posted = Posted(next(self._message_ids), html, "", [], None, None, photo.body)
        posted.text = self._visible(html, params)
        self.messages.setdefault(chat, []).append(posted)
        return self._message_json(chat, posted)

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = str(params["chat_id"])
        wanted = int(params["message_id"])
        posted = next((m for m in self.shown(chat) if m.message_id == wanted), None)
        if posted is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        before = (posted.html, posted.keyboard)
        self._apply(posted, params)
        if (posted.html, posted.keyboard) == before:
            raise ApiError(400, "Bad Request: message is not modified")
        return self._message_json(chat, posted)

    def _apply(self, posted: Posted, params: dict[str, Any]) -> None:
        html = params["text"]
        if _length(html) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        text = self._visible(html, params)
        keyboard = params.get("reply_markup", {}).get("inline_keyboard", [])
        for button in (b for row in keyboard for b in row):
            if not 1 <= len(button.get("callback_data", "").encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        posted.html, posted.text, posted.keyboard = html, text, keyboard

    def _visible(self, html: str, params: dict[str, Any]) -> str:
        """What `html` shows in the call's parse mode, or the refusal of broken markup."""
        try:
            return visible_text(html) if params.get("parse_mode") == "HTML" else html
        except EntityError as error:
            raise ApiError(400, f"Bad Request: can't parse entities: {error}") from error

    def _message_json(self, chat: str, posted: Posted) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": posted.message_id,
            "date": int(time.time()),
            "chat": {"id": int(chat), "type": "supergroup" if chat.startswith("-") else "private"},
            "from": self._bot_user(),
        }
        if posted.photo is None:
            message["text"] = posted.text
        else:
            size = {"file_id": f"photo{posted.message_id}", "width": 800, "height": 450}
            message |= {"photo": [size | {"file_unique_id": size["file_id"]}]}
            message["caption"] = posted.text
        if posted.thread_id is not None:
            message |= {"message_thread_id": posted.thread_id, "is_topic_message": True}
        return message

    def _chat(self, params: dict[str, Any]) -> ChatSpec:
        chat = self.chats.get(str(params["chat_id"]))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat


class _Endpoint(RequestHandler):
    def initialize(self, double: BotApiDouble) -> None:
        self._double = double

    async def post(self, token: str, method: str) -> None:
        params = {
            name: _decode(name, values[-1].decode())
            for name, values in self.request.body_arguments.items()
        }
        params |= _uploads(self.request.files, params)
        try:
            result = await self._double.answer(token, method, params)
        except ApiError as error:
            self.set_status(error.status)
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.status,
                "description": error.description,
            }
            if error.parameters:
                body["parameters"] = error.parameters
            self.finish(json.dumps(body))
            return
        self.finish(json.dumps({"ok": True, "result": result}))

    get = post


def _uploads(files: dict[str, list[HTTPFile]], params: dict[str, Any]) -> dict[str, Upload]:
    """The multipart files by the parameter they fill: their own name, or the parameter whose
    value is `attach://<name>`."""
    by_uri = {value: name for name, value in params.items() if isinstance(value, str)}
    uploads: dict[str, Upload] = {}
    for name, parts in files.items():
        part = parts[-1]
        upload = Upload(part.filename, part.content_type, part.body)
        uploads[by_uri.get(f"attach://{name}", name)] = upload
    return uploads


def _length(text: str) -> int:
    """Length as Telegram counts it, in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _decode(name: str, value: str) -> Any:
    return json.loads(value) if name in JSON_FIELDS else value
