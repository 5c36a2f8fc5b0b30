"""The floor for the Slack benchmark: a bare bolt AsyncApp under the same uvicorn and Starlette
set-up as the desk, whose listeners only acknowledge `/ticket` and the raise form.

Run as `python -m bench.slack_floor PORT SECRET API_BASE_URL`.
"""

import asyncio
import sys

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PATH = "/slack/events"


async def _ack(ack: AsyncAck) -> None:
    await ack()


def floor_app(secret: str, api_base_url: str) -> Starlette:
    """Starlette serving a bolt app that acknowledges and does nothing else."""
    app = AsyncApp(
        client=AsyncWebClient(token="xoxb-floor", base_url=api_base_url), signing_secret=secret
    )
    app.command("/ticket")(_ack)
    app.view("raise")(_ack)
    handler = AsyncSlackRequestHandler(app)

    async def endpoint(request: Request) -> Response:
        return await handler.handle(request)

    return Starlette(routes=[Route(PATH, endpoint, methods=["POST"])])


def main() -> None:
    """Serve the floor app on 127.0.0.1 until interrupted."""
    port, secret, api_base_url = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    config = uvicorn.Config(
        floor_app(secret, api_base_url),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
    )
    asyncio.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()
