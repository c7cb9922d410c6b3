"""The README's first command: the gateway on its embedded default, served
by uvicorn, with demo data a newcomer can query at once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.workers import free_port, wait_for

CLI = str(Path(sys.executable).with_name("outbound-gateway"))
SETTINGS = ("MONGODB_URI", "CELERY_BROKER_URL", "GATEWAY_ADMIN_TOKEN", "GATEWAY_ENV")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The gateway's address and the demo key it printed."""
    port = free_port()
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [CLI, "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(
                lambda: b"Application startup complete" in log.read_bytes(), "serve"
            )
            key = re.search(r"API key: (obg_\S+)", log.read_text())
            assert key is not None, log.read_text()
            yield f"http://127.0.0.1:{port}", key.group(1)
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_the_embedded_gateway_serves_its_demo_data(served: tuple[str, str]) -> None:
    address, key = served

    response = httpx.post(
        f"{address}/graphql",
        json={"query": "{ location { name } contacts { totalCount } }"},
        headers={"Authorization": f"Bearer {key}"},
    )
    health = httpx.get(f"{address}/readyz")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["location"]["name"] == "Harbor Dental"
    assert data["contacts"]["totalCount"] > 0
    assert health.json()["status"] == "ready"
