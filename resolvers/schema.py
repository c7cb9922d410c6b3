"""The schema, assembled from the queries, the mutations and the extensions."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import AddValidationRules
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from resolvers.errors import with_codes
from resolvers.introspection import IntrospectionSwitch
from resolvers.key_rotation import KeyRotationAlone
from resolvers.metrics import OperationName, record_operation
from resolvers.mutations import Mutation
from resolvers.operation_cache import OperationCache
from resolvers.queries import Query
from resolvers.query_limits import QueryLimits


class GatewaySchema(strawberry.Schema):
    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        started = time.perf_counter()
        result = await super().execute(
            query,
            variable_values=variable_values,
            context_value=context_value,
            root_value=root_value,
            operation_name=operation_name,
            allowed_operation_types=allowed_operation_types,
            operation_extensions=operation_extensions,
        )
        if result.errors:
            request_id = getattr(context_value, "request_id", None)
            result.errors = with_codes(result.errors, request_id)
        record_operation(context_value, time.perf_counter() - started, result.errors)
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: Any = None
    ) -> None:
        # `with_codes` logs what needs logging, once; the default would log
        # every expected error (a bad phone number) as if it were a fault.
        return None


def build_schema() -> strawberry.Schema:
    # Every extension here runs once per operation, none once per field: a
    # hook on every field would cost about as much as the fields themselves.
    # The limits come first, so that a document over them is refused before
    # any other extension parses or validates it.
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        extensions=[
            QueryLimits,
            IntrospectionSwitch,
            functools.partial(AddValidationRules, [KeyRotationAlone]),
            OperationName,
            OperationCache,
        ],
    )
