"""`rotateApiKey` and `issueApiKey` must each be the only field of their
mutation.

The old key stops working the moment the new one is made, and the new one
is shown only in the answer. Were another field of the same mutation to
fail, GraphQL could null the whole answer (a failed field whose type is
non-null nulls its parent, up to `data`), and the location would be left
with no working key at all.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationRule,
)

KEY_FIELDS = ("rotateApiKey", "issueApiKey")


class KeyRotationAlone(ValidationRule):
    def enter_operation_definition(
        self, node: OperationDefinitionNode, *_: Any
    ) -> None:
        if node.operation is not OperationType.MUTATION:
            return
        fields = _root_fields(node.selection_set, self._fragments())
        if len(fields) < 2:
            return
        for key_field in KEY_FIELDS:
            if key_field in fields:
                self.report_error(
                    GraphQLError(
                        f"{key_field} must be the only field of its mutation, so"
                        " that no other field's error can lose the new key.",
                        node,
                    )
                )

    def _fragments(self) -> dict[str, FragmentDefinitionNode]:
        return {
            definition.name.value: definition
            for definition in self.context.document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }


def _root_fields(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]
) -> list[str]:
    """The fields an operation asks for at its root, through its fragments."""
    fields = []
    pending = [selection_set]
    spread: set[str] = set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                fields.append(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif (
                isinstance(selection, FragmentSpreadNode)
                and selection.name.value in fragments
                and selection.name.value not in spread
            ):
                spread.add(selection.name.value)
                pending.append(fragments[selection.name.value].selection_set)
    return fields
