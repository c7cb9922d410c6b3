"""Give every error a stable code, and hide the details of unexpected ones.

Expected failures (a `GatewayError`) keep their message and carry their
code, plus the facts the error holds (the offending argument as `field`,
the limit a query went over as `limit`). Anything else is a bug: the
client sees INTERNAL_SERVER_ERROR and the request id, and the log gets the
full error, once, under the same id.

The schema codes the errors of every result it returns (see
`resolvers.schema`), rather than an extension doing it around the
operation: an exception raised by an extension hook or a validation rule
ends the operation early and skips the other extensions, yet must be
masked all the same.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from graphql import GraphQLError, GraphQLSyntaxError

from gateway.errors import GatewayError

logger = logging.getLogger(__name__)

INTERNAL_MESSAGE = "Internal server error."


def with_codes(
    errors: Sequence[GraphQLError], request_id: str | None
) -> list[GraphQLError]:
    return [_coded(error, request_id) for error in errors]


def _coded(error: GraphQLError, request_id: str | None) -> GraphQLError:
    original = error.original_error

    if isinstance(original, GatewayError):
        return _with(error, original.message, original.extensions)

    if isinstance(error, GraphQLSyntaxError):
        return _with(error, error.message, {"code": "GRAPHQL_PARSE_FAILED"})

    if error.path is None and (original is None or isinstance(original, GraphQLError)):
        code = (
            "BAD_USER_INPUT" if _about_variables(error) else "GRAPHQL_VALIDATION_FAILED"
        )
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


def _about_variables(error: GraphQLError) -> bool:
    """Whether an error raised before execution is about the variables the
    caller sent, rather than the query the schema refuses.

    Validation errors point into the document. Errors of coercing the
    variables either name a variable, carry the coercion's own error, or
    point nowhere, since the values came from outside the document.
    """
    return (
        error.message.startswith("Variable '$")
        or isinstance(error.original_error, GraphQLError)
        or not error.nodes
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
