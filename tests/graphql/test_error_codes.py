"""How errors are labelled for clients: stable codes, and nothing unexpected leaks."""

from graphql import GraphQLError

from app.errors import NotFound
from app.graphql.errors import MASKED_MESSAGE, _with_code


def test_domain_errors_keep_their_code_and_message() -> None:
    labelled = _with_code(GraphQLError("no backup", path=["backup"], original_error=NotFound("x")))
    assert labelled.extensions == {"code": "NOT_FOUND"}
    assert labelled.message == "no backup"


def test_unexpected_error_before_execution_is_masked() -> None:
    # e.g. the database is down while the token is being checked
    labelled = _with_code(GraphQLError("connection refused", original_error=OSError("refused")))
    assert labelled.extensions == {"code": "INTERNAL_SERVER_ERROR"}
    assert labelled.message == MASKED_MESSAGE


def test_unexpected_error_in_a_resolver_is_masked() -> None:
    labelled = _with_code(GraphQLError("boom", path=["backups"], original_error=KeyError("k")))
    assert labelled.extensions == {"code": "INTERNAL_SERVER_ERROR"}
    assert labelled.message == MASKED_MESSAGE


def test_request_errors_are_labelled_by_kind() -> None:
    assert _with_code(GraphQLError("Syntax Error: x")).extensions == {
        "code": "GRAPHQL_PARSE_FAILED"
    }
    assert _with_code(GraphQLError("Variable '$x' got invalid value")).extensions == {
        "code": "BAD_USER_INPUT"
    }
    assert _with_code(GraphQLError("Cannot query field 'x'")).extensions == {
        "code": "GRAPHQL_VALIDATION_FAILED"
    }
