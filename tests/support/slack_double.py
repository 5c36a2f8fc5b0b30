"""A recording test double of Slack's Web API (and its Socket Mode WebSocket) on 127.0.0.1.

It answers the methods the desk calls like Slack would, records every call with its
arguments, and can be told to answer the next calls of a method with an HTTP error (429 with
a Retry-After, or 500). It runs its own event loop in a thread, so tests stay synchronous.

Files upload v2 works as on Slack: files.getUploadURLExternal answers a file id and an upload
URL on this double, the file's bytes are POSTed there (recorded as method `upload`, args
`file_id` and `content`), and files.completeUploadExternal shares uploaded files in a channel
(an id never uploaded is refused with `file_not_found`).
"""

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

BOT_USER = "UDESKBOT"
WAIT_SECONDS = 15.0


@dataclass(frozen=True)
class Call:
    """One Web API call: its method, arguments, the token it was made with, and whether it
    was answered `ok`."""

    method: str
    args: dict[str, Any]
    token: str
    ok: bool


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    error: str


@dataclass
class SlackDouble:
    """Start with `start()`; `base_url` is then the Web API's address."""

    calls: list[Call] = field(default_factory=list)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    _failures: dict[str, list[_Failure]] = field(default_factory=dict)
    _holds: dict[str, asyncio.Event] = field(default_factory=dict)
    _ts: Any = field(default_factory=lambda: itertools.count(1))
    _other: Any = field(default_factory=lambda: itertools.count(1))
    _files: Any = field(default_factory=lambda: itertools.count(1))
    uploaded: dict[str, bytes] = field(default_factory=dict)
    _loop: asyncio.AbstractEventLoop | None = None
    _runner: web.AppRunner | None = None
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    port: int = 0

    @property
    def base_url(self) -> str:
        """Where the Web API is served."""
        return f"http://127.0.0.1:{self.port}/api/"

    def start(self) -> None:
        """Serve on a free port in a background thread."""
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()
        self._on_loop(self._serve()).result(timeout=WAIT_SECONDS)

    def stop(self) -> None:
        """Stop serving and end the thread."""
        assert self._loop is not None
        self._on_loop(self._shutdown()).result(timeout=WAIT_SECONDS)
        self._loop.call_soon_threadsafe(self._loop.stop)

    def fail_next(
        self, method: str, status: int, retry_after: int | None = None, error: str = ""
    ) -> None:
        """Answer the next call of `method` with `status` (and Retry-After when given), and
        `{"ok": false, "error": error}` (a 200 with an error is how Slack refuses a call)."""
        default = {429: "ratelimited"}.get(status, "internal_error")
        failure = _Failure(status, retry_after, error or default)
        self._failures.setdefault(method, []).append(failure)

    def hold(self, method: str) -> Callable[[], None]:
        """Keep calls of `method` waiting (a slow Slack) until the returned function is called."""
        assert self._loop is not None
        held = self._on_loop(_new_event()).result(timeout=WAIT_SECONDS)
        self._holds[method] = held
        loop = self._loop

        def release() -> None:
            loop.call_soon_threadsafe(held.set)

        return release

    def calls_to(self, method: str, *, ok: bool = True) -> list[dict[str, Any]]:
        """The arguments of every call of `method` answered ok (or, with `ok` False, refused)."""
        return [c.args for c in list(self.calls) if c.method == method and c.ok == ok]

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        """Wait until `condition` holds (work after Slack's ack runs in the background)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; calls: {self.methods()}")
            time.sleep(0.01)

    def wait_for_calls(self, method: str, count: int) -> list[dict[str, Any]]:
        """Wait until `method` was called successfully `count` times; return those calls."""
        self.wait_for(lambda: len(self.calls_to(method)) >= count, f"{count} x {method}")
        return self.calls_to(method)

    def methods(self) -> list[str]:
        """The methods called, in order."""
        return [call.method for call in list(self.calls)]

    def connected(self) -> bool:
        """Whether a Socket Mode client is connected."""
        return any(not socket.closed for socket in self._sockets)

    def push_envelope(self, envelope: dict[str, Any]) -> None:
        """Send a Socket Mode envelope to every connected client."""
        self._on_loop(self._push(envelope)).result(timeout=WAIT_SECONDS)

    def _on_loop(self, work: Any) -> Future[Any]:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_get("/link", self._socket)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        if method in self._holds:
            await self._holds[method].wait()
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        refused = self._refusal(method, args, token)
        if refused is not None:
            return refused
        if method == "files.completeUploadExternal" and not self._all_uploaded(args):
            self.calls.append(Call(method, args, token, ok=False))
            return web.json_response({"ok": False, "error": "file_not_found"})
        self.calls.append(Call(method, args, token, ok=True))
        return web.json_response({"ok": True, **self._answer(method, args)})

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL of files upload v2: the file's bytes in the body; Slack answers
        `OK - <length>` as plain text."""
        file_id = request.match_info["file_id"]
        content = await request.read()
        args: dict[str, Any] = {"file_id": file_id, "content": content}
        refused = self._refusal("upload", args, token="")
        if refused is not None:
            return refused
        self.calls.append(Call("upload", args, token="", ok=True))
        self.uploaded[file_id] = content
        return web.Response(text=f"OK - {len(content)}", content_type="text/plain")

    def _refusal(self, method: str, args: dict[str, Any], token: str) -> web.Response | None:
        """The failure queued for `method`, recorded, as Slack would answer it; else None."""
        failures = self._failures.get(method) or []
        if not failures:
            return None
        failure = failures.pop(0)
        self.calls.append(Call(method, args, token, ok=False))
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
        return web.json_response(
            {"ok": False, "error": failure.error}, status=failure.status, headers=headers
        )

    def _all_uploaded(self, args: dict[str, Any]) -> bool:
        return all(str(item.get("id")) in self.uploaded for item in args.get("files", []))

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel.startswith("U"):
            channel = "D" + channel[1:]  # posting to a user id lands in the DM with the bot
        match method:
            case "auth.test":
                return {"user_id": BOT_USER, "bot_id": "BDESKBOT", "team_id": "T1", "user": "desk"}
            case "chat.postMessage":
                return {"channel": channel, "ts": f"1700000000.{next(self._ts):06d}"}
            case "chat.update":
                return {"channel": channel, "ts": args.get("ts")}
            case "chat.postEphemeral":
                return {"message_ts": f"1600000000.{next(self._other):06d}"}
            case "chat.getPermalink":
                ts = str(args.get("message_ts", "")).replace(".", "")
                return {"permalink": f"https://example.slack.com/archives/{channel}/p{ts}"}
            case "views.open" | "views.update" | "views.publish":
                return {"view": {"id": "V0FORM", "hash": f"h{next(self._other)}"}}
            case "apps.connections.open":
                return {"url": f"ws://127.0.0.1:{self.port}/link"}
            case "files.getUploadURLExternal":
                file_id = f"F{next(self._files):08d}"
                return {"file_id": file_id, "upload_url": self._upload_url(file_id)}
            case "files.completeUploadExternal":
                return {"files": [_shared(item, args) for item in args.get("files", [])]}
            case _:
                return {}

    def _upload_url(self, file_id: str) -> str:
        return f"http://127.0.0.1:{self.port}/upload/{file_id}"

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
        return socket

    async def _shutdown(self) -> None:
        for socket in self._sockets:
            await socket.close()
        assert self._runner is not None
        await self._runner.cleanup()

    async def _push(self, envelope: dict[str, Any]) -> None:
        for socket in self._sockets:
            if not socket.closed:
                await socket.send_json(envelope)


async def _new_event() -> asyncio.Event:
    return asyncio.Event()


def _shared(item: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    """A file as files.completeUploadExternal describes it once shared in `channel_id`."""
    channels = [args["channel_id"]] if args.get("channel_id") else []
    return {"id": item["id"], "title": item.get("title", ""), "channels": channels}


async def _arguments(request: web.Request) -> dict[str, Any]:
    """The call's arguments: the query string (slack_sdk sends some methods' there, even in
    a POST), then the JSON or form body; JSON-valued fields decoded."""
    arguments: dict[str, Any] = dict(request.query)
    if request.method == "GET":
        return _decoded(arguments)
    if request.content_type == "application/json":
        loaded = await request.json()
        return arguments | (dict(loaded) if isinstance(loaded, dict) else {})
    form = await request.post()
    arguments |= {key: str(value) for key, value in form.items()}
    return _decoded(arguments)


def _decoded(arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        key: json.loads(value) if key in ("blocks", "view", "files") else value
        for key, value in arguments.items()
    }
