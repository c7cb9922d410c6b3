"""Give every error a stable code, and hide the details of unexpected ones.

Expected failures (a `GatewayError`) keep their message and carry their
code, plus the offending argument as `field` when there is one. Anything
else is a bug: the client sees INTERNAL_SERVER_ERROR and the request id,
and the log gets the full error, once, under the same id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension

from gateway.errors import GatewayError

logger = logging.getLogger(__name__)

INTERNAL_MESSAGE = "Internal server error."


class ErrorCodes(SchemaExtension):
    """Runs once per operation, never per field."""

    def __init__(self) -> None:
        # Errors of the validation step: the query itself is refused. Other
        # errors raised before execution come from coercing the variables,
        # that is from the caller's input.
        self._refused_queries: set[int] = set()

    def on_validate(self) -> Iterator[None]:
        yield
        errors = self.execution_context.pre_execution_errors or []
        self._refused_queries = {id(error) for error in errors}

    def on_operation(self) -> Iterator[None]:
        yield

        result = self.execution_context.result
        if result is None or not result.errors:
            return
        request_id = _request_id(self.execution_context.context)
        result.errors = [
            _coded(error, request_id, id(error) in self._refused_queries)
            for error in result.errors
        ]


def _coded(
    error: GraphQLError, request_id: str | None, refused_query: bool
) -> GraphQLError:
    original = error.original_error

    if isinstance(original, GatewayError):
        extensions: dict[str, object] = {"code": original.code}
        if original.field is not None:
            extensions["field"] = original.field
        return _with(error, error.message, extensions)

    if isinstance(error, GraphQLSyntaxError):
        return _with(error, error.message, {"code": "GRAPHQL_PARSE_FAILED"})

    if error.path is None and (original is None or isinstance(original, GraphQLError)):
        code = "GRAPHQL_VALIDATION_FAILED" if refused_query else "BAD_USER_INPUT"
        return _with(error, error.message, {"code": code})

    logger.error(
        "Request %s failed with an unexpected error.",
        request_id,
        exc_info=original or error,
        extra={"request_id": request_id},
    )
    return _with(
        error,
        INTERNAL_MESSAGE,
        {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
    )


def _with(
    error: GraphQLError, message: str, extensions: dict[str, object]
) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


def _request_id(context: object) -> str | None:
    return getattr(context, "request_id", None)
