"""Parsing and validating each distinct operation text once, not once per
request.

Strawberry ships a ParserCache and a ValidationCache, but its ParserCache
raises a syntax error from inside the parse hook, where the error escapes
the error codes and reaches the client without GRAPHQL_PARSE_FAILED. Here a
text that does not parse is left to Strawberry, which parses it again and
reports the error as it reports any other.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension

# Characters of operation text kept parsed, least recently used first out.
# A frontend sends a few dozen texts of a few hundred characters; the bound
# stops a client that sends endless unique texts from growing memory. A
# text parses to about 180 bytes per character (tracemalloc, on texts of
# 250 to 6,000 characters), so the cache holds about 18 MB at most.
CHARACTERS_CACHED = 100_000
# A longer text is parsed every time rather than push out many others.
LONGEST_TEXT_CACHED = 5_000


@dataclass(eq=False)
class ParsedOperation:
    document: DocumentNode
    # The rules it was last validated with, and the errors found.
    rules: Any = None
    errors: list[GraphQLError] | None = None


class ParsedOperations:
    """Operations by text and parse options, within a budget of characters."""

    def __init__(self, characters: int) -> None:
        self._budget = characters
        self._kept: OrderedDict[tuple[str, Any], ParsedOperation] = OrderedDict()
        self.characters = 0

    def get(self, text: str, options: Mapping[str, Any]) -> ParsedOperation:
        """The operation `text` parses to; GraphQLError if it does not."""
        key = (text, tuple(sorted(options.items())))
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
            return found

        operation = ParsedOperation(parse(text, **options))
        self._kept[key] = operation
        self.characters += len(text)
        while self.characters > self._budget:
            (evicted, _), _ = self._kept.popitem(last=False)
            self.characters -= len(evicted)
        return operation


_operations = ParsedOperations(CHARACTERS_CACHED)


class OperationCache(SchemaExtension):
    """Runs once per operation; never touches a field."""

    def __init__(self) -> None:
        self._operation: ParsedOperation | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        text = context.query
        if text is not None and len(text) <= LONGEST_TEXT_CACHED:
            try:
                self._operation = _operations.get(text, context.parse_options)
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
