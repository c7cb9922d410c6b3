"""The JSON body of an error answered before GraphQL runs (or instead of it)."""

from __future__ import annotations

from starlette.responses import JSONResponse

from gateway.errors import GatewayError


def error_response(
    error: GatewayError, status: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"errors": [{"message": error.message, "extensions": error.extensions}]}
    return JSONResponse(body, status_code=status, headers=headers)
