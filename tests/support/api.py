"""Calling the gateway over HTTP, in process, through its ASGI app."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store import Store


class Api:
    """An HTTP client for one gateway app, and that app's runtime."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.runtime: Runtime = app.state.runtime
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        )

    async def post(
        self, key: str | None, query: str, **variables: Any
    ) -> httpx.Response:
        headers = {} if key is None else {"Authorization": f"Bearer {key}"}
        body = {"query": query, "variables": variables}
        return await self.http.post("/graphql", json=body, headers=headers)

    async def call(
        self, key: str | None, query: str, **variables: Any
    ) -> dict[str, Any]:
        """The JSON body of a request that must succeed without errors."""
        response = await self.post(key, query, **variables)
        body: dict[str, Any] = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def fail(
        self, key: str | None, query: str, **variables: Any
    ) -> dict[str, Any]:
        """The first error of a request that must fail."""
        response = await self.post(key, query, **variables)
        body: dict[str, Any] = response.json()
        assert body.get("errors"), body
        error: dict[str, Any] = body["errors"][0]
        return error

    async def drain(self) -> None:
        """Wait for the recomputes this process runs itself."""
        await self.runtime.outbox.drain()

    async def close(self) -> None:
        await self.http.aclose()


async def open_api(settings: Settings, store: Store, **app_options: Any) -> Api:
    """`app_options` go to `create_app`, after the store."""
    app = create_app(settings, store=store, **app_options)
    await store.prepare()
    return Api(app)
