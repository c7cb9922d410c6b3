"""The limit on how many times one query may ask for the same field.

Aliases let a query run one field many times over (`a1: contacts ...
a500: contacts ...`), and a field written again and again in one selection
set costs validation time that grows with the square of the repeats (the
specified rule that checks repeated fields can merge compares them in
pairs). Both are counted against one limit: every alias, and every repeat
of a field beyond its first in a selection set. Honest queries use a few
of either.
"""

from __future__ import annotations

import functools
from collections import Counter
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    InlineFragmentNode,
    SelectionSetNode,
    ValidationRule,
)

from gateway.errors import QueryTooComplex


@functools.cache
def aliases_rule(max_aliases: int) -> type[ValidationRule]:
    """A validation rule refusing documents with more than `max_aliases`.

    One class per limit, made once, as for the depth rule.
    """

    class QueryAliasesRule(ValidationRule):
        def __init__(self, context: Any) -> None:
            super().__init__(context)
            self.count = 0

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.alias is not None:
                self.count += 1

        def enter_selection_set(
            self, node: SelectionSetNode, _key: Any, parent: Any, *_: Any
        ) -> None:
            # An inline fragment's fields were counted with its owner's.
            if not isinstance(parent, InlineFragmentNode):
                self.count += _repeats(node)

        def leave_document(self, *_: Any) -> None:
            if self.count > max_aliases:
                error = QueryTooComplex(
                    f"The query uses aliases or repeats fields {self.count} times;"
                    f" at most {max_aliases} are allowed.",
                    limit="aliases",
                )
                self.report_error(GraphQLError(error.message, original_error=error))

    return QueryAliasesRule


def _repeats(selection_set: SelectionSetNode) -> int:
    """Fields asked for again in one selection set, inline fragments included."""
    names: Counter[str] = Counter()
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                names[(selection.alias or selection.name).value] += 1
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
    return sum(count - 1 for count in names.values())
