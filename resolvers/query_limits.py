"""The limits on what one operation may ask for, from the runtime's settings.

Each limit is measured where it is cheapest to refuse: the token count
before the document is parsed, depth and aliases while it is validated, and
the cost (which depends on the `first` values a request's variables carry)
just before it runs. A document over a limit gets QUERY_TOO_COMPLEX and is
not run at all.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension

from gateway.errors import QueryTooComplex
from gateway.settings import Settings
from resolvers.query_aliases import aliases_rule
from resolvers.query_cost import document_cost
from resolvers.query_depth import depth_rule
from resolvers.query_tokens import check_token_count


class QueryLimits(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        settings = self._settings
        context = self.execution_context
        context.validation_rules = (
            *context.validation_rules,
            depth_rule(settings.max_query_depth),
            aliases_rule(settings.max_query_aliases),
        )
        yield

    def on_parse(self) -> Iterator[None]:
        # Raised before parsing, this ends the operation at once; the schema
        # codes and masks errors raised this way like any other.
        query = self.execution_context.query
        if query is not None:
            check_token_count(query, self._settings.max_query_tokens)
        yield

    def on_execute(self) -> Iterator[None]:
        too_costly = self._over_cost()
        if too_costly is not None:
            # A result set before execution is returned instead of running.
            self.execution_context.result = ExecutionResult(
                data=None,
                errors=[GraphQLError(too_costly.message, original_error=too_costly)],
            )
        yield

    def _over_cost(self) -> QueryTooComplex | None:
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        settings = self._settings

        # Every operation of the document, not only the one named to run:
        # no choice of operation name can then slip past the limit.
        cost = document_cost(
            context.schema._schema,
            document,
            context.variables,
            settings.max_page_size,
        )
        if cost <= settings.max_query_cost:
            return None
        return QueryTooComplex(
            f"The query could return about {cost} values; at most"
            f" {settings.max_query_cost} are allowed. Ask for smaller pages"
            " (first) or fewer nested lists.",
            limit="cost",
        )

    @property
    def _settings(self) -> Settings:
        settings: Settings = self.execution_context.context.runtime.settings
        return settings
