"""The schema, assembled from the queries, the mutations and the extensions."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError

from resolvers.errors import ErrorCodes
from resolvers.metrics import OperationMetrics
from resolvers.mutations import Mutation
from resolvers.queries import Query


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: Any = None
    ) -> None:
        # ErrorCodes logs what needs logging, once; the default would log
        # every expected error (a bad phone number) as if it were a fault.
        return None


def build_schema() -> strawberry.Schema:
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        # OperationMetrics first, so that it sees the codes ErrorCodes gives.
        extensions=[OperationMetrics, ErrorCodes],
    )
