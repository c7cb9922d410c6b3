"""The README's first command: the gateway on its embedded default, served
by uvicorn, with demo data a newcomer can query at once."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.servers import Gateway


def test_the_embedded_gateway_serves_its_demo_data(tmp_path: Path) -> None:
    gateway = Gateway(tmp_path)
    try:
        gateway.wait_until_ready()
        key = gateway.demo_api_key()

        response = httpx.post(
            f"{gateway.url}/graphql",
            json={"query": "{ location { name } contacts { totalCount } }"},
            headers={"Authorization": f"Bearer {key}"},
        )
        ready = httpx.get(f"{gateway.url}/readyz")
    finally:
        gateway.stop()

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["location"]["name"] == "Harbor Dental"
    assert data["contacts"]["totalCount"] > 0
    assert ready.json()["status"] == "ready"
