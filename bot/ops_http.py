"""The operations HTTP server: GET /healthz (JSON, 503 when unhealthy) and GET /metrics.

Starlette on uvicorn, inside the bot's event loop: both are asyncio-native, so the server
shares the loop with the platforms and the scheduler instead of needing a thread.
"""

import asyncio

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.config import HttpConfig
from bot.monitoring import Monitor


def ops_app(monitor: Monitor) -> Starlette:
    """The /healthz and /metrics routes of `monitor`."""

    async def healthz(_: Request) -> JSONResponse:
        healthy, report = await asyncio.to_thread(monitor.health)
        return JSONResponse(report, status_code=200 if healthy else 503)

    async def metrics(_: Request) -> Response:
        body = await asyncio.to_thread(generate_latest, monitor.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[Route("/healthz", healthz, methods=["GET"]), Route("/metrics", metrics)]
    )


async def serve_ops(monitor: Monitor, config: HttpConfig) -> None:
    """Serve the operations routes until cancelled."""
    server = uvicorn.Server(
        uvicorn.Config(
            ops_app(monitor),
            host=config.listen,
            port=config.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
    )
    serving = asyncio.create_task(server.serve())
    try:
        await asyncio.shield(serving)
    finally:
        server.should_exit = True  # cancelled: close the socket and finish gracefully
        await serving
