"""Who may run what: the least role each root field needs, checked before anything executes.

Every operation, introspection included, needs an active account's bearer token. Then each root
field the operation selects must be allowed to the account's role (viewer < operator < admin,
as DESIGN.md "Security" says). A field missing from ROLES needs admin: a new root field is
closed until someone decides who may use it. A refused operation runs no field at all.
"""

from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from app.auth.roles import ADMIN, OPERATOR, VIEWER, allows
from app.errors import AppError, Forbidden
from app.graphql.auditing import set_operation
from app.graphql.context import Context
from app.graphql.operation import Operation, RootField, read_operation

Rule = str | Callable[[Mapping[str, Any]], str]


def _operator_if_dry_run(arguments: Mapping[str, Any]) -> str:
    """Operators may preview a deletion (dryRun: true, the default); only admins delete."""
    return OPERATOR if arguments.get("dryRun", True) is True else ADMIN


# Root type → root field → the least role allowed (or a rule of its arguments).
ROLES: dict[str, dict[str, Rule]] = {
    "Query": {
        "backups": VIEWER,
        "backup": VIEWER,
        "restoreOperations": VIEWER,
        "restoreOperation": VIEWER,
        "restorePlan": VIEWER,
        "tables": VIEWER,
        "me": VIEWER,
        # DESIGN.md names the `schedules` field among a viewer's reads; its admin row's
        # "schedules and webhooks (read and write)" is read as the schedule mutations and
        # webhooks: a viewer's dashboard shows when the next backup runs, not who is notified.
        "schedules": VIEWER,
        "webhooks": ADMIN,
        "notificationDeliveries": ADMIN,
        "restoreConfirmationCode": ADMIN,
        "auditEvents": ADMIN,
    },
    "Mutation": {
        "createBackup": OPERATOR,
        "verifyBackup": OPERATOR,
        "pinBackup": OPERATOR,
        "unpinBackup": OPERATOR,
        "applyRetention": _operator_if_dry_run,
        "expirePreRestoreSnapshots": _operator_if_dry_run,
        "restoreBackup": ADMIN,
        "createSchedule": ADMIN,
        "updateSchedule": ADMIN,
        "setScheduleEnabled": ADMIN,
        "deleteSchedule": ADMIN,
        "createWebhook": ADMIN,
        "setWebhookEnabled": ADMIN,
        "deleteWebhook": ADMIN,
    },
    "Subscription": {
        "backupProgress": VIEWER,
        "restoreProgress": VIEWER,
    },
}
# Introspection answers anyone signed in, whatever the root type.
INTROSPECTION = {"__typename", "__schema", "__type"}


def required_role(root_type: str, field: RootField) -> str:
    if field.name in INTROSPECTION:
        return VIEWER
    rule = ROLES.get(root_type, {}).get(field.name, ADMIN)
    return rule if isinstance(rule, str) else rule(field.arguments)


def refused_field(role: str, operation: Operation) -> tuple[RootField, str] | None:
    """The first root field `role` may not run and the role it needs; None if all are allowed."""
    for field in operation.fields:
        needed = required_role(operation.root_type, field)
        if not allows(role, needed):
            return field, needed
    return None


class Permissions(SchemaExtension):
    """Authenticate, then check every root field's role; a refusal is an audit row."""

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        assert isinstance(context, Context)
        try:
            credential = await context.authenticate()
            assert execution.graphql_document is not None
            operation = read_operation(
                execution.schema._schema,
                execution.graphql_document,
                execution.operation_name,
                execution.variables,
            )
            set_operation(operation)
            refused = refused_field(credential.admin.role, operation) if operation else None
            if refused is not None:
                field, needed = refused
                error = Forbidden(
                    f"{field.name} needs role {needed} (this account is {credential.admin.role})"
                )
                await context.record_alone(field.name, field.arguments, error.code)
                raise error
        except AppError as error:
            refusal = GraphQLError(error.message, extensions={"code": error.code})
            if execution.operation_type is OperationType.SUBSCRIPTION:
                # A subscription ignores a result set here; an exception stops it.
                raise refusal from None
            # A result set before yielding makes Strawberry skip execution entirely.
            execution.result = ExecutionResult(data=None, errors=[refusal])
        yield
