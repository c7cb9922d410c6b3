"""The schema, assembled from the queries, the mutations and the extensions."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError

from resolvers.errors import ErrorCodes
from resolvers.mutations import Mutation
from resolvers.operation_cache import OperationCache
from resolvers.queries import Query


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: Any = None
    ) -> None:
        # ErrorCodes logs what needs logging, once; the default would log
        # every expected error (a bad phone number) as if it were a fault.
        return None


def build_schema() -> strawberry.Schema:
    # Every extension here runs once per operation, none once per field: a
    # hook on every field would cost about as much as the fields themselves.
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        extensions=[ErrorCodes, OperationCache],
    )
