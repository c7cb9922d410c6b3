"""An application served by a real uvicorn server on a loopback port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.types import ASGIApp

from tests.support.workers import WAIT_SECONDS, free_port

LOOPBACK = "127.0.0.1"


@asynccontextmanager
async def running_server(app: ASGIApp) -> AsyncIterator[str]:
    """Serve `app` in this event loop; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host=LOOPBACK, port=port, log_config=None)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())

    waited = 0.0
    while not server.started:
        if serving.done() or waited > WAIT_SECONDS:
            raise RuntimeError(f"uvicorn did not start on port {port}")
        await asyncio.sleep(0.01)
        waited += 0.01

    try:
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.should_exit = True
        await serving
