"""The gateway served for tests: `outbound-gateway serve` in a process of
its own, as an operator runs it, or an app on uvicorn in the test's loop."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import uvicorn
from starlette.types import ASGIApp

from gateway.settings import Settings
from tests.support.workers import (
    WAIT_SECONDS,
    cli_path,
    free_port,
    stop_process,
    wait_for,
)

HOST = "127.0.0.1"


def command_env(**settings: str) -> dict[str, str]:
    """This process's environment without any gateway setting, plus `settings`.

    A setting the developer exported for themselves must not leak into a
    test that starts the command.
    """
    names = {name.upper() for name in Settings.model_fields}
    inherited = {k: v for k, v in os.environ.items() if k.upper() not in names}
    return {**inherited, **settings}


class Gateway:
    """The gateway on a free port, its stdout and stderr kept in files.

    Run from `workdir`, so that no `.env` file of the checkout is read.
    """

    def __init__(self, workdir: Path, **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.stdout = workdir / "gateway.out"
        self.stderr = workdir / "gateway.err"
        self._files = [self.stdout.open("wb"), self.stderr.open("wb")]
        self.process = subprocess.Popen(
            [cli_path(), "serve", "--host", HOST, "--port", str(self.port)],
            env=command_env(**settings),
            cwd=workdir,
            stdout=self._files[0],
            stderr=self._files[1],
        )

    def wait_until_ready(self) -> None:
        wait_for(self._answers, "the gateway to start")

    def demo_api_key(self) -> str:
        """The key the embedded demo printed for its location."""
        wait_for(lambda: b"API key:" in self.stdout.read_bytes(), "the demo key")
        found = re.search(r"API key: (\S+)", self.stdout.read_text())
        assert found is not None
        return found.group(1)

    def stop(self) -> int:
        """SIGTERM, as an orchestrator stops it; returns the exit status."""
        status = stop_process(self.process)
        for file in self._files:
            file.close()
        return status

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"the gateway exited: {self.stderr.read_text()}")
        try:
            return httpx.get(f"{self.url}/healthz").status_code == 200
        except httpx.TransportError:
            return False


@asynccontextmanager
async def running_server(app: ASGIApp) -> AsyncIterator[str]:
    """Serve `app` on uvicorn in this event loop; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host=HOST, port=port, log_config=None)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())

    waited = 0.0
    while not server.started:
        if serving.done() or waited > WAIT_SECONDS:
            raise RuntimeError(f"uvicorn did not start on port {port}")
        await asyncio.sleep(0.01)
        waited += 0.01

    try:
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        await serving
