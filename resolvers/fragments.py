"""The fragments of a document, in an order that lets each be measured once.

A limit that follows fragment spreads must not walk a fragment again for
every spread of it: ten fragments that each spread the next one ten times
would make ten billion walks out of a few hundred characters. Measured in
this order, each fragment is measured once, and a spread is a look-up.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)


def fragments_in_dependency_order(
    document: DocumentNode,
) -> list[FragmentDefinitionNode]:
    """Every fragment after the fragments it spreads.

    A spread of an unknown fragment, or one that closes a cycle, is left
    out of the order; the specified validation rules refuse such documents
    anyway, so a measure may count the spread as nothing.
    """
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    ordered: list[FragmentDefinitionNode] = []
    placed: set[str] = set()
    # Depth-first, on a stack of our own: a long chain of fragments must not
    # exhaust Python's.
    stack: list[tuple[str, Iterator[str]]] = []
    on_stack: set[str] = set()

    def enter(name: str) -> None:
        spreads = _spread_names(fragments[name].selection_set)
        stack.append((name, iter(spreads)))
        on_stack.add(name)

    for name in fragments:
        if name not in placed:
            enter(name)
        while stack:
            current, spreads = stack[-1]
            spread = next(spreads, None)
            if spread is None:
                stack.pop()
                on_stack.discard(current)
                placed.add(current)
                ordered.append(fragments[current])
            elif spread in fragments and not (spread in placed or spread in on_stack):
                enter(spread)
    return ordered


def _spread_names(selection_set: SelectionSetNode) -> list[str]:
    """The fragments spread anywhere inside `selection_set`."""
    names = []
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names.append(selection.name.value)
            elif (
                isinstance(selection, (FieldNode, InlineFragmentNode))
                and selection.selection_set is not None
            ):
                pending.append(selection.selection_set)
    return names
