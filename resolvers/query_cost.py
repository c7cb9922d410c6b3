"""What a query costs: about how many values its answer can hold.

Every field costs 1. A list multiplies what is selected inside it by its
length, known before running only as an upper bound:

- a field that takes `first` (a page of contacts, recompute jobs, history)
  is as long as its `first`: the value given, or the argument's default;
  a value above the largest page counts as the largest page (the resolver
  refuses it with BAD_USER_INPUT before reading anything), and a variable
  the request leaves unset counts as the largest page too;
- a list inside a connection (`edges`) is as long as the connection's
  `first`;
- a list known to run longer than a page counts as its own bound (a
  location's users: up to `MAX_USERS_LISTED`);
- any other list (a location's pool of numbers) counts as the largest page.

Nested pages therefore multiply: a page of users, each with a page of
contacts, each with its selection history, is refused long before it would
make thousands of database reads.

A selection set's cost is kept as two numbers, a fixed part and a part per
item of the connection it sits in, so that a fragment is measured once
wherever it is spread (see `resolvers.fragments`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
)

from gateway.store.users import MAX_USERS_LISTED
from resolvers.fragments import fragments_in_dependency_order

PAGE_ARGUMENT = "first"

# Lists without `first` that can hold more items than a page, by the type
# and field that return them.
LONG_LISTS = {("Query", "users"): MAX_USERS_LISTED}


@dataclass(frozen=True, slots=True)
class _Cost:
    fixed: int = 0
    per_item: int = 0

    def __add__(self, other: _Cost) -> _Cost:
        return _Cost(self.fixed + other.fixed, self.per_item + other.per_item)

    def for_items(self, items: int) -> int:
        return self.fixed + self.per_item * items


def document_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    max_page_size: int,
) -> int:
    """The cost of the document's costliest operation."""
    measure = _CostMeasure(schema, document, variables or {}, max_page_size)
    costs = [0]
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        root = schema.get_root_type(operation.operation)
        if root is not None:
            cost = measure.selection_set(operation.selection_set, root)
            costs.append(cost.for_items(max_page_size))
    return max(costs)


class _CostMeasure:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any],
        max_page_size: int,
    ) -> None:
        self._schema = schema
        self._variables = variables
        self._max_page_size = max_page_size
        self._fragment_costs: dict[str, _Cost] = {}
        for fragment in fragments_in_dependency_order(document):
            on_type = schema.get_type(fragment.type_condition.name.value)
            cost = (
                _Cost()
                if on_type is None
                else self.selection_set(fragment.selection_set, on_type)
            )
            self._fragment_costs[fragment.name.value] = cost

    def selection_set(
        self, selection_set: SelectionSetNode, parent_type: GraphQLNamedType
    ) -> _Cost:
        total = _Cost()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent_type)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                on_type = (
                    parent_type
                    if condition is None
                    else self._schema.get_type(condition.name.value) or parent_type
                )
                total += self.selection_set(selection.selection_set, on_type)
            elif isinstance(selection, FragmentSpreadNode):
                total += self._fragment_costs.get(selection.name.value, _Cost())
        return total

    def _field(self, node: FieldNode, parent_type: GraphQLNamedType) -> _Cost:
        definition = _field_definition(parent_type, node.name.value)
        if definition is None or node.selection_set is None:
            return _Cost(fixed=1)

        inside = self.selection_set(node.selection_set, get_named_type(definition.type))
        page = self._page_size(node, definition)
        is_list = isinstance(get_nullable_type(definition.type), GraphQLList)

        long_list = LONG_LISTS.get((parent_type.name, node.name.value))
        if is_list and long_list is not None:
            page = long_list
        if is_list and page is not None:
            return _Cost(fixed=1 + page * inside.for_items(self._max_page_size))
        if is_list:
            # As long as the connection it sits in: paid per item of it.
            return _Cost(fixed=1, per_item=inside.for_items(self._max_page_size))
        if page is not None:
            # A connection: its lists are `page` long.
            return _Cost(fixed=1 + inside.for_items(page))
        return _Cost(fixed=1 + inside.for_items(self._max_page_size))

    def _page_size(self, node: FieldNode, definition: GraphQLField) -> int | None:
        """The page a field asks for, or None when it takes no `first`."""
        argument = definition.args.get(PAGE_ARGUMENT)
        if argument is None:
            return None
        default = argument.default_value
        given = next(
            (a.value for a in node.arguments or () if a.name.value == PAGE_ARGUMENT),
            None,
        )

        if given is None or isinstance(given, NullValueNode):
            size = default
        elif isinstance(given, IntValueNode):
            size = int(given.value)
        elif isinstance(given, VariableNode):
            size = self._variables.get(given.name.value, self._max_page_size)
            if size is None:
                size = default
        else:
            size = self._max_page_size
        if not isinstance(size, int):
            size = self._max_page_size
        return min(max(size, 0), self._max_page_size)


def _field_definition(parent_type: GraphQLNamedType, name: str) -> GraphQLField | None:
    fields = getattr(parent_type, "fields", None)
    return None if fields is None else fields.get(name)
