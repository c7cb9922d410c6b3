"""Refuses a request body larger than MAX_REQUEST_BYTES, with HTTP 413.

A declared Content-Length over the limit is refused before anything is
read; a body sent without one (chunked) is counted as it arrives and
refused as soon as it goes over, so no more than the limit is ever held.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.error_responses import error_response
from gateway.errors import RequestTooLarge


class _BodyOverLimit(Exception):
    """Raised from `receive` to stop the application reading on."""


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        if _declared_length(scope) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return

        received = 0
        response_started = False

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyOverLimit
            return message

        async def send_noting_start(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or (
                message["type"] == "http.response.start"
            )
            await send(message)

        try:
            await self.app(scope, receive_within_limit, send_noting_start)
        except _BodyOverLimit:
            if response_started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = RequestTooLarge(
            f"The request body is larger than {self.max_bytes} bytes."
        )
        await error_response(error, 413, {"Connection": "close"})(scope, receive, send)


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                # Not a number: the server refuses such a request itself.
                return 0
    return 0
