"""Count and time every GraphQL operation, and the errors it answered with.

Runs once per operation, never per field. It must be listed before
`ErrorCodes`: extensions are left in reverse order, so by the time this one
reads the errors they carry their final codes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from gateway import metrics

UNKNOWN_CODE = "UNKNOWN"


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            operation = metrics.operation_names.label(
                self.execution_context.operation_name
            )
            metrics.graphql_operation_seconds.labels(operation).observe(elapsed)
            self._count_errors(operation)

    def _count_errors(self, operation: str) -> None:
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        for error in result.errors:
            code = (error.extensions or {}).get("code", UNKNOWN_CODE)
            metrics.graphql_errors.labels(operation, code).inc()
