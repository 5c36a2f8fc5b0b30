"""The HTTP transport python-telegram-bot sends the Bot API calls through: aiohttp.

PTB's default transport is httpx. Profiles of the desk under load put about 1.8 ms of CPU in
httpx for each Bot API call (its connection pool polls every idle socket on every request);
aiohttp, which the Slack platform already uses, does the same call in about 0.5 ms.
PTB documents `BaseRequest` as the place to plug in another HTTP library.

aiohttp has no timeout for writing a request alone: the write timeout PTB gives bounds the whole
call, with the others (waiting for a connection, connecting, reading).
"""

from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

CONNECTIONS = 64  # at most this many at once to the Bot API; more requests wait their turn
READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0


_DEFAULT_MARKER = type(BaseRequest.DEFAULT_NONE)  # PTB's "the caller gave none"


def _seconds(given: Any, default: float) -> float | None:
    """A per-call timeout from PTB: its default marker means ours; None means no limit."""
    if isinstance(given, _DEFAULT_MARKER):
        return default
    return float(given) if given is not None else None


class AiohttpRequest(BaseRequest):
    """Bot API requests over one aiohttp session, opened by `initialize` and closed by
    `shutdown` (PTB calls both)."""

    def __init__(self, connections: int = CONNECTIONS) -> None:
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The read timeout a call gets unless it names its own."""
        return READ_TIMEOUT

    async def initialize(self) -> None:
        """Open the session (on the running loop)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one call; a timeout becomes PTB's TimedOut, any other failure NetworkError."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = _seconds(read_timeout, READ_TIMEOUT)
        write = _seconds(write_timeout, WRITE_TIMEOUT)
        connect = _seconds(connect_timeout, CONNECT_TIMEOUT)
        waiting = _seconds(pool_timeout, POOL_TIMEOUT)
        timeout = aiohttp.ClientTimeout(
            total=_sum(waiting, connect, write, read),
            connect=_sum(waiting, connect),
            sock_read=read,
        )
        try:
            async with self._session.request(
                method,
                url,
                data=_body(request_data),
                headers={"User-Agent": self.USER_AGENT},
                timeout=timeout,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error


def _sum(*limits: float | None) -> float | None:
    """The limits added up; None (no limit) if any of them is None."""
    return None if None in limits else sum(limit for limit in limits if limit is not None)


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """The call's parameters: form fields, or a multipart form when it uploads files."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    files = request_data.multipart_data
    if not files:
        return fields
    form = aiohttp.FormData(fields)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
