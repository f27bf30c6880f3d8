"""createBackup, backups, backup and restoreConfirmationCode through the GraphQL API."""

import asyncpg
import redis

from app.settings import Settings
from tests.conftest import GraphQLClient, error_code

CREATE = """
mutation ($input: CreateBackupInput!) {
  createBackup(input: $input) {
    id backupId type status tablesIncluded description sizeBytes filePath
    createdBy { email } createdAt completedAt errorMessage metadata
  }
}
"""


def queued_exports(settings: Settings) -> int:
    queue = settings.queue("backups")
    return int(redis.Redis.from_url(settings.broker_url).llen(f"dramatiq:{queue}"))


async def backup_rows(settings: Settings) -> int:
    conn = await asyncpg.connect(settings.database_url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM lifeboat.system_backups"))
    finally:
        await conn.close()


async def test_partial_backup_is_created_and_queued(
    gql: GraphQLClient, target: asyncpg.Connection, settings: Settings
) -> None:
    await target.execute(
        'CREATE TABLE meals (id int); CREATE TABLE "Odd Schema"."x" ()'
        if False
        else "CREATE TABLE meals (id int); CREATE TABLE plans (id int)"
    )
    before = queued_exports(settings)
    body = await gql(
        CREATE,
        {"input": {"type": "PARTIAL", "tables": ["MEALS"], "description": "before the migration"}},
    )
    assert "errors" not in body, body
    backup = body["data"]["createBackup"]
    assert backup["status"] == "CREATING"
    assert backup["type"] == "PARTIAL"
    assert backup["tablesIncluded"] == ["public.meals"]
    assert backup["createdBy"]["email"] == "admin@test.local"
    assert backup["backupId"].startswith("bk_")
    assert queued_exports(settings) == before + 1

    fetched = await gql(
        "query ($id: String!) { backup(backupId: $id) { backupId status } }",
        {"id": backup["backupId"]},
    )
    assert fetched["data"]["backup"] == {"backupId": backup["backupId"], "status": "CREATING"}


async def test_quoted_and_schema_qualified_names(
    gql: GraphQLClient, target: asyncpg.Connection
) -> None:
    await target.execute(
        'CREATE SCHEMA "Odd Schema"; CREATE TABLE "Odd Schema"."A ""B""" (x int);'
        'CREATE SCHEMA sales; CREATE TABLE sales."Orders" (x int)'
    )
    body = await gql(
        CREATE,
        {"input": {"type": "PARTIAL", "tables": ['"Odd Schema"."A ""B"""', 'sales."Orders"']}},
    )
    assert "errors" not in body, body
    assert body["data"]["createBackup"]["tablesIncluded"] == [
        '"Odd Schema"."A ""B"""',
        'sales."Orders"',
    ]


async def test_full_backup_lists_every_table_but_lifeboats_own(
    gql: GraphQLClient, target: asyncpg.Connection
) -> None:
    await target.execute(
        "CREATE TABLE b (x int); CREATE TABLE a (x int);"
        "CREATE SCHEMA lifeboat; CREATE TABLE lifeboat.secret (x int)"
    )
    body = await gql(CREATE, {"input": {"type": "FULL"}})
    assert body["data"]["createBackup"]["tablesIncluded"] == ["public.a", "public.b"]


async def test_bad_input_changes_nothing(
    gql: GraphQLClient, target: asyncpg.Connection, settings: Settings
) -> None:
    await target.execute("CREATE TABLE meals (id int)")
    queued, rows = queued_exports(settings), await backup_rows(settings)
    cases = [
        {"type": "PARTIAL", "tables": ["no_such_table"]},
        {"type": "PARTIAL", "tables": []},
        {"type": "PARTIAL"},
        {"type": "PARTIAL", "tables": ["meals; DROP TABLE meals"]},
        {"type": "PARTIAL", "tables": ['meals"; DROP TABLE meals; --']},
        {"type": "SCHEDULED"},
        {"type": "FULL", "tables": ["meals"]},
        {"type": "FULL", "description": "x" * 5000},
    ]
    for case in cases:
        assert error_code(await gql(CREATE, {"input": case})) == "BAD_USER_INPUT", case
    assert queued_exports(settings) == queued
    assert await backup_rows(settings) == rows
    assert await target.fetchval("SELECT count(*) FROM meals") == 0


async def test_unknown_enum_value_is_bad_user_input(gql: GraphQLClient) -> None:
    assert error_code(await gql(CREATE, {"input": {"type": "HOURLY"}})) == "BAD_USER_INPUT"


async def test_list_is_newest_first_and_limited(
    gql: GraphQLClient, target: asyncpg.Connection
) -> None:
    await target.execute("CREATE TABLE t (x int)")
    ids = []
    for _ in range(3):
        body = await gql(CREATE, {"input": {"type": "FULL"}})
        ids.append(body["data"]["createBackup"]["backupId"])
    listed = await gql("{ backups(limit: 3) { backupId } }")
    assert [b["backupId"] for b in listed["data"]["backups"]] == ids[::-1]
    assert error_code(await gql("{ backups(limit: 100000) { backupId } }")) == "BAD_USER_INPUT"
    assert error_code(await gql("{ backups(limit: 0) { backupId } }")) == "BAD_USER_INPUT"


async def test_unknown_backup_is_null_or_not_found(gql: GraphQLClient) -> None:
    body = await gql('{ backup(backupId: "bk_nope") { backupId } }')
    assert body == {"data": {"backup": None}}
    body = await gql('{ restoreConfirmationCode(backupId: "bk_nope") }')
    assert error_code(body) == "NOT_FOUND"


async def test_confirmation_code_is_short_and_stable(
    gql: GraphQLClient, target: asyncpg.Connection
) -> None:
    await target.execute("CREATE TABLE t (x int)")
    backup_id = (await gql(CREATE, {"input": {"type": "FULL"}}))["data"]["createBackup"]["backupId"]
    query = "query ($id: String!) { restoreConfirmationCode(backupId: $id) }"
    first = (await gql(query, {"id": backup_id}))["data"]["restoreConfirmationCode"]
    second = (await gql(query, {"id": backup_id}))["data"]["restoreConfirmationCode"]
    assert first == second
    assert len(first) == 9 and first[4] == "-"
