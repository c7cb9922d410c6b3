"""Time every GraphQL operation, and count the errors it answered with.

The schema records each operation once its errors carry their final codes
(see `resolvers.schema`). Only the operation's name comes from an
extension, which notes it on the request's context once the document is
parsed; an operation that fails before that counts as `anonymous`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gateway import metrics

UNKNOWN_CODE = "UNKNOWN"


class OperationName(SchemaExtension):
    """Runs once per operation, never per field."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        if hasattr(context, "operation_name"):
            context.operation_name = self.execution_context.operation_name


def record_operation(
    context: object, seconds: float, errors: Sequence[GraphQLError] | None
) -> None:
    operation = metrics.operation_names.label(getattr(context, "operation_name", None))
    metrics.graphql_operation_seconds.labels(operation).observe(seconds)
    for error in errors or ():
        code = (error.extensions or {}).get("code", UNKNOWN_CODE)
        metrics.graphql_errors.labels(operation, code).inc()
