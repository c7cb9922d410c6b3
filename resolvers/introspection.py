"""Introspection (`__schema`, `__type`) on or off, as the settings say.

Off, a query for the schema is refused with GRAPHQL_VALIDATION_FAILED;
`__typename` still works, since clients need it and it reveals nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension


class IntrospectionSwitch(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        if not context.context.runtime.settings.introspection_enabled:
            context.validation_rules = (
                *context.validation_rules,
                NoSchemaIntrospectionCustomRule,
            )
        yield
