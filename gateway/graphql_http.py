"""Strawberry's ASGI view, answering every refusal in the gateway's JSON.

Strawberry refuses a request it cannot read (not JSON, a wrong content
type, a batch, no query) in plain text; here each refusal carries the same
JSON error body, with a stable code, as every other error. Bodies that
would make the JSON decoder itself fail (nested too deeply, not UTF-8, not
an object) are refused the same way instead of becoming server errors.
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData

from gateway.error_responses import error_response
from gateway.errors import BadRequest, GatewayError, NotFound
from resolvers.context import Context

JSON_CONTENT_TYPE = "application/json"


class JsonGraphQL(GraphQL[Context, None]):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return

        try:
            response = await self.run(Request(scope, receive))
        except HTTPException as refusal:
            response = error_response(_as_error(refusal), refusal.status_code)
        await response(scope, receive, send)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        if request.method == "POST" and not _is_json(request.content_type):
            raise HTTPException(
                415,
                f"Send the operation as JSON, with Content-Type: {JSON_CONTENT_TYPE}.",
            )
        return await super().parse_http_body(request)

    def parse_json(self, data: str | bytes) -> Any:
        try:
            parsed = json.loads(data)
        except (ValueError, RecursionError) as error:
            # ValueError covers bad JSON and bytes that are not UTF-8; the
            # decoder raises RecursionError for arrays nested thousands deep.
            raise HTTPException(400, "The body is not valid JSON.") from error
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, "Expected a JSON object.")
        return parsed


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").partition(";")[0].strip().lower()
    return media_type == JSON_CONTENT_TYPE


def _as_error(refusal: HTTPException) -> GatewayError:
    if refusal.status_code == 404:
        return NotFound(refusal.reason)
    return BadRequest(refusal.reason)
