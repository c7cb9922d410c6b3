"""Calling an ASGI application in this process, without a server.

Both endpoints of a comparison are called the same way, so what differs
between them is the application alone; the HTTP server in front of either
would add the same cost to both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes


async def call(
    app: ASGIApp,
    method: str,
    path: str,
    *,
    query: str = "",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> Response:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [
            (name.lower().encode(), value.encode())
            for name, value in (headers or {}).items()
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
        "state": {},
    }
    request = {"type": "http.request", "body": body, "more_body": False}
    sent: list[Message] = []

    async def receive() -> Message:
        return request

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)

    start = next(m for m in sent if m["type"] == "http.response.start")
    chunks = [m.get("body", b"") for m in sent if m["type"] == "http.response.body"]
    return Response(status=start["status"], body=b"".join(chunks))
