"""The limit on how deeply a query may nest its fields.

Depth counts the fields on the longest path from the operation down, so
`{ location { id } }` is 2 deep. Fragments count where they are spread.
Introspection fields are not counted: graphql-core's own
MaxIntrospectionDepthRule bounds those.
"""

from __future__ import annotations

import functools
from typing import Any

from graphql import (
    BREAK,
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
)

from gateway.errors import QueryTooComplex
from resolvers.fragments import fragments_in_dependency_order


@functools.cache
def depth_rule(max_depth: int) -> type[ValidationRule]:
    """A validation rule refusing operations deeper than `max_depth`.

    One class per limit, made once: a validation cache keyed by its rules
    then keeps finding the same ones. It measures the whole document as
    validation starts and raises, rather than reporting an error, so that
    validation ends there: the specified rules never spend their time on a
    document that is refused anyway. The schema codes the error it becomes.
    """

    class QueryDepthRule(ValidationRule):
        def enter_document(self, node: DocumentNode, *_: Any) -> object:
            measure = _DepthMeasure(node, max_depth)
            for definition in node.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                if measure.depth(definition.selection_set, max_depth) > max_depth:
                    raise QueryTooComplex(
                        f"The query nests fields more than {max_depth} levels deep.",
                        limit="depth",
                    )
            return BREAK

    return QueryDepthRule


class _DepthMeasure:
    def __init__(self, document: DocumentNode, max_depth: int) -> None:
        self._fragment_depths: dict[str, int] = {}
        for fragment in fragments_in_dependency_order(document):
            depth = self.depth(fragment.selection_set, max_depth)
            self._fragment_depths[fragment.name.value] = depth

    def depth(self, selection_set: SelectionSetNode, room: int) -> int:
        """How deep `selection_set` goes, measured no further than `room` + 1.

        Stopping one level past the room is enough to know it is too deep,
        and keeps the walk short however deep the document nests.
        """
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                depth = self._field_depth(selection, room)
            elif isinstance(selection, InlineFragmentNode):
                depth = self.depth(selection.selection_set, room)
            elif isinstance(selection, FragmentSpreadNode):
                depth = self._fragment_depths.get(selection.name.value, 0)
            else:
                depth = 0
            deepest = max(deepest, depth)
        return deepest

    def _field_depth(self, field: FieldNode, room: int) -> int:
        if field.name.value.startswith("__"):
            return 0
        if field.selection_set is None or room <= 0:
            return 1
        return 1 + self.depth(field.selection_set, room - 1)
