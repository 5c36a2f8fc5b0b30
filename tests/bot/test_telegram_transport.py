"""AiohttpRequest, the transport PTB sends Bot API calls through, against a local server."""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.platforms.telegram.transport import AiohttpRequest
from tests.support.telegram_desk import free_port

WAIT = 5  # seconds before a scenario that should have timed out fails instead
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def _serving(handler: Handler) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/bot/{method}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/bot"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def _request() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest()
    await request.initialize()
    try:
        yield request
    finally:
        await request.shutdown()


def _data(**parameters: Any) -> RequestData:
    return RequestData(
        [RequestParameter.from_input(key, value) for key, value in parameters.items()]
    )


def test_a_call_sends_its_parameters_as_form_fields_and_returns_the_answer() -> None:
    seen: dict[str, Any] = {}

    async def answer(request: web.Request) -> web.Response:
        seen.update(method=request.match_info["method"], form=dict(await request.post()))
        return web.json_response({"ok": True, "result": 42}, status=200)

    async def scenario() -> tuple[int, bytes]:
        async with _serving(answer) as base, _request() as request:
            return await request.do_request(
                f"{base}/sendMessage", "POST", _data(chat_id=7, text="héllo <b>")
            )

    status, body = asyncio.run(scenario())
    assert (status, json.loads(body)) == (200, {"ok": True, "result": 42})
    assert seen == {"method": "sendMessage", "form": {"chat_id": "7", "text": "héllo <b>"}}


def test_a_file_is_uploaded_as_a_multipart_form_beside_the_other_fields() -> None:
    seen: dict[str, Any] = {}

    async def answer(request: web.Request) -> web.Response:
        form = await request.post()
        photo = form["photo"]
        assert isinstance(photo, web.FileField)
        seen.update(chat=form["chat_id"], name=photo.filename, content=photo.file.read())
        return web.json_response({"ok": True, "result": True})

    async def scenario() -> None:
        chart = InputFile(b"\x89PNG chart", filename="digest.png", attach=False)
        async with _serving(answer) as base, _request() as request:
            await request.do_request(f"{base}/sendPhoto", "POST", _data(chat_id=7, photo=chart))

    asyncio.run(scenario())
    assert seen == {"chat": "7", "name": "digest.png", "content": b"\x89PNG chart"}


def test_an_error_status_is_handed_to_ptb_with_its_body() -> None:
    async def answer(_request: web.Request) -> web.Response:
        body = {"ok": False, "error_code": 429, "parameters": {"retry_after": 3}}
        return web.json_response(body, status=429)

    async def scenario() -> None:
        async with _serving(answer) as base, _request() as request:
            await request.post(f"{base}/sendMessage", _data(chat_id=7, text="hi"))

    with pytest.raises(RetryAfter) as raised:
        asyncio.run(scenario())
    assert raised.value.retry_after == 3


def test_an_answer_slower_than_the_read_timeout_is_a_timeout() -> None:
    released = asyncio.Event()

    async def answer(_request: web.Request) -> web.Response:
        await released.wait()  # only once the caller has given up
        return web.json_response({"ok": True, "result": True})

    async def scenario() -> None:
        async with _serving(answer) as base, _request() as request:
            try:
                call = request.do_request(f"{base}/getMe", "POST", read_timeout=0.2)
                await asyncio.wait_for(call, WAIT)  # a timeout not applied fails, not hangs
            finally:
                released.set()

    with pytest.raises(TimedOut):
        asyncio.run(scenario())


def test_a_server_that_is_not_there_is_a_network_error() -> None:
    async def scenario() -> None:
        async with _request() as request:
            await request.do_request(f"http://127.0.0.1:{free_port()}/bot/getMe", "POST")

    with pytest.raises(NetworkError, match=r"aiohttp\.ClientConnectorError"):
        asyncio.run(scenario())


def test_a_request_before_initialize_is_refused() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        asyncio.run(AiohttpRequest().do_request("http://127.0.0.1:1/bot/getMe", "POST"))
