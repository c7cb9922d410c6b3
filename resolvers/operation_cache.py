"""Parsing and validating each distinct operation text once, not once per
request.

Strawberry ships a ParserCache and a ValidationCache, but its ParserCache
raises a syntax error from inside the parse hook, where the error escapes
the error codes and reaches the client without GRAPHQL_PARSE_FAILED. Here a
text that does not parse is left to Strawberry, which parses it again and
reports the error as it reports any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension

# Distinct operation texts kept. A frontend sends a few dozen; the bound
# stops a client that sends endless unique texts from growing memory. The
# benchmark's page query parses to about 22 kB (tracemalloc) and longer
# texts are never kept, so a full cache holds a few MB at most.
OPERATIONS_CACHED = 256
LONGEST_TEXT_CACHED = 5000


@dataclass(eq=False)
class _Operation:
    document: DocumentNode
    # The rules it was last validated with, and the errors found.
    rules: Any = None
    errors: list[GraphQLError] | None = None


@lru_cache(maxsize=OPERATIONS_CACHED)
def _operation(text: str, **parse_options: Any) -> _Operation:
    return _Operation(parse(text, **parse_options))


class OperationCache(SchemaExtension):
    """Runs once per operation; never touches a field."""

    def __init__(self) -> None:
        self._operation: _Operation | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        text = context.query
        if text is not None and len(text) <= LONGEST_TEXT_CACHED:
            try:
                self._operation = _operation(text, **context.parse_options)
            except GraphQLError:
                pass  # Strawberry parses it again, and reports the error
            else:
                context.graphql_document = self._operation.document
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        operation = self._operation
        if operation is None:
            yield
            return

        if operation.errors is not None and operation.rules == context.validation_rules:
            context.pre_execution_errors = operation.errors
            yield
            return

        yield  # Strawberry validates
        operation.rules = context.validation_rules
        operation.errors = context.pre_execution_errors
