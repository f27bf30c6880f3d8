"""Errors as clients see them: a stable extensions.code; unexpected ones masked and logged once."""

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult, StreamExecutionResult

from app.errors import AppError

logger = logging.getLogger("lifeboat.graphql")

MASKED_MESSAGE = "Unexpected error."


# What parsing, validating and coercing a request raise (None: graphql-core's own errors).
_REQUEST_ERRORS = (type(None), GraphQLError, ValueError, TypeError)


def _request_error_code(error: GraphQLError) -> str:
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable "):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def _with_code(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if error.extensions and "code" in error.extensions:
        return error
    if isinstance(original, AppError):
        code = original.code
    elif error.path is None and isinstance(original, _REQUEST_ERRORS):
        # Raised before any resolver ran, by parsing, validation or coercion of variables.
        code = _request_error_code(error)
    else:
        logger.error("unexpected error in a GraphQL operation", exc_info=original)
        return GraphQLError(
            MASKED_MESSAGE,
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR"},
        )
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=original,
        extensions={**(error.extensions or {}), "code": code},
    )


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [_with_code(error) for error in result.errors]

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        # Each result of a subscription (or an operation over a websocket) goes out on its
        # own, before on_operation's end: it gets its codes here.
        if isinstance(result, ExecutionResult) and result.errors:
            result.errors = [_with_code(error) for error in result.errors]
        yield
