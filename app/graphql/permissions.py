"""Every operation, introspection included, needs an active admin's bearer token."""

from collections.abc import AsyncIterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from app.errors import AppError
from app.graphql.context import Context


class RequireAdmin(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        assert isinstance(context, Context)
        try:
            await context.authenticate()
        except AppError as error:
            # A result set before yielding makes Strawberry skip execution entirely.
            self.execution_context.result = ExecutionResult(
                data=None,
                errors=[GraphQLError(error.message, extensions={"code": error.code})],
            )
        yield
