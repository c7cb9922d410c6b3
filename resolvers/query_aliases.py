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
    BREAK,
    DocumentNode,
    ExecutableDefinitionNode,
    FieldNode,
    InlineFragmentNode,
    SelectionSetNode,
    ValidationRule,
)

from gateway.errors import QueryTooComplex


@functools.cache
def aliases_rule(max_aliases: int) -> type[ValidationRule]:
    """A validation rule refusing documents with more than `max_aliases`.

    One class per limit, made once, as for the depth rule. Like it, it
    counts the whole document as validation starts and raises, ending
    validation before the specified rules spend time on a flood.
    """

    class QueryAliasesRule(ValidationRule):
        def enter_document(self, node: DocumentNode, *_: Any) -> object:
            count = _aliases_and_repeats(node)
            if count > max_aliases:
                raise QueryTooComplex(
                    f"The query uses aliases or repeats fields {count} times;"
                    f" at most {max_aliases} are allowed.",
                    limit="aliases",
                )
            return BREAK

    return QueryAliasesRule


def _aliases_and_repeats(document: DocumentNode) -> int:
    """Every alias, and every repeat of a field in its selection set.

    A fragment is counted once, where it is defined; what spreading it many
    times costs is the cost limit's to count.
    """
    count = 0
    pending = [
        definition.selection_set
        for definition in document.definitions
        if isinstance(definition, ExecutableDefinitionNode)
    ]
    while pending:
        fields = _fields_of(pending.pop())
        names = Counter((field.alias or field.name).value for field in fields)
        count += sum(times - 1 for times in names.values())
        count += sum(1 for field in fields if field.alias is not None)
        pending.extend(f.selection_set for f in fields if f.selection_set is not None)
    return count


def _fields_of(selection_set: SelectionSetNode) -> list[FieldNode]:
    """The fields of a selection set, its inline fragments' included."""
    fields = []
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                fields.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
    return fields
