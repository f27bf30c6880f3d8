"""The root fields an operation selects, with their argument values, read before it executes.

Permissions and the audit trail judge a request by its root fields. Fragments on the root type
are followed; @skip and @include are not evaluated, so a skipped field still counts (the check
errs on the strict side).
"""

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    get_operation_ast,
    value_from_ast_untyped,
)


@dataclass(frozen=True)
class RootField:
    name: str
    # Response key (the alias, else the name): two selections of one field differ by it.
    key: str
    # As sent, variables substituted, defaults filled in; enums as their names.
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    root_type: str  # "Query", "Mutation" or "Subscription"
    fields: list[RootField]


def read_operation(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> Operation | None:
    """The operation that will run; None when the document names none (execution says why)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    values = _variable_values(operation, variables or {})
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    nodes: list[FieldNode] = []
    _collect(operation.selection_set, fragments, nodes, set())
    return Operation(root.name, [_root_field(root, node, values) for node in nodes])


def _variable_values(
    operation: OperationDefinitionNode, variables: dict[str, Any]
) -> dict[str, Any]:
    values = dict(variables)
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in values and definition.default_value is not None:
            values[name] = value_from_ast_untyped(definition.default_value)
    return values


def _collect(
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    into: list[FieldNode],
    seen: set[str],
) -> None:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            into.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            _collect(selection.selection_set, fragments, into, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name not in seen and name in fragments:
                seen.add(name)
                _collect(fragments[name].selection_set, fragments, into, seen)


def _root_field(root: GraphQLObjectType, node: FieldNode, values: dict[str, Any]) -> RootField:
    name = node.name.value
    arguments: dict[str, Any] = {}
    definition = root.fields.get(name)
    if definition is not None:
        for arg_name, arg in definition.args.items():
            if arg.default_value is not Undefined:
                arguments[arg_name] = arg.default_value
    for argument in node.arguments or ():
        value = value_from_ast_untyped(argument.value, values)
        if value is not Undefined:
            arguments[argument.name.value] = value
    key = node.alias.value if node.alias else name
    return RootField(name=name, key=key, arguments=arguments)
