"""A document validated once is not validated again; an invalid one is refused every time."""

from tests.conftest import GraphQLClient, error_code


async def test_a_known_document_still_answers_and_an_invalid_one_is_still_refused(
    gql: GraphQLClient,
) -> None:
    valid = "{ backups(limit: 1) { backupId } }"
    for _ in range(2):
        assert "errors" not in await gql(valid)
    invalid = "{ backups(limit: 1) { noSuchField } }"
    for _ in range(2):
        assert error_code(await gql(invalid)) == "GRAPHQL_VALIDATION_FAILED"
    wrong_argument = '{ backups(limit: "many") { backupId } }'
    for _ in range(2):
        assert error_code(await gql(wrong_argument)) == "GRAPHQL_VALIDATION_FAILED"
