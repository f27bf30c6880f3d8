"""restoreBackup's schema, tables and targetDatabase, and restorePlan, through the GraphQL API."""

import json
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import asyncpg
import pytest

from app.pipelines.context import PipelineContext
from app.settings import Settings
from tests.conftest import ADMIN_URL, GraphQLClient, error_code
from tests.graphql.test_restores_api import queued_restores, restore_rows
from tests.restores.support import clear_running_restores, code_for, completed_backup

RESTORE = """
mutation ($input: RestoreBackupInput!) {
  restoreBackup(input: $input) { id status targetDatabase schema warnings }
}
"""
PLAN = """
query ($input: RestoreBackupInput!) {
  restorePlan(input: $input) {
    tablesReplaced { name rowsNow rowsInBackup } tablesCreated columnsAdded columnsLost
    objectsDropped uploadsReplaced preRestoreSnapshot warnings refusal
  }
}
"""


@pytest.fixture
async def full_backup(pipeline_context: PipelineContext, target: asyncpg.Connection) -> str:
    await target.execute(
        "CREATE TABLE meals (id int PRIMARY KEY, title text);"
        "INSERT INTO meals VALUES (1, 'soup'), (2, 'bread');"
        "CREATE TABLE cooks (id int PRIMARY KEY); INSERT INTO cooks VALUES (1)"
    )
    backup_id = await completed_backup(pipeline_context, target)
    await clear_running_restores(pipeline_context.settings.database_url)
    return backup_id


@pytest.fixture
async def scratch() -> AsyncIterator[str]:
    name = f"lbtest_{os.getpid()}_api"
    yield name
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def inputs(ctx: PipelineContext, backup_id: str, **options: Any) -> dict[str, Any]:
    return {
        "input": {"backupId": backup_id, "confirmationCode": code_for(ctx, backup_id), **options}
    }


async def occupy(settings: Settings, name: str) -> None:
    """Create database `name` on the target's server holding a table, as one already in use."""
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    occupied = await asyncpg.connect(settings.target_database_url.rsplit("/", 1)[0] + "/" + name)
    try:
        await occupied.execute("CREATE TABLE something (id int)")
    finally:
        await occupied.close()


async def test_bad_options_are_bad_user_input_and_change_nothing(
    gql: GraphQLClient,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    full_backup: str,
    settings: Settings,
) -> None:
    ctx = pipeline_context
    partial = await completed_backup(ctx, target, "partial", ["meals"])
    own = settings.database_url.rsplit("/", 1)[1]
    configured = settings.target_database_url.rsplit("/", 1)[1]
    refused = [
        (full_backup, {"targetDatabase": "Has-Dash"}, "not a valid name"),
        (full_backup, {"targetDatabase": "template1"}, "PostgreSQL system database"),
        (full_backup, {"targetDatabase": own}, "Lifeboat's own database"),
        (full_backup, {"targetDatabase": configured}, "the configured target database"),
        (partial, {"schema": "BACKUP"}, "needs a FULL or SCHEDULED backup"),
        (full_backup, {"schema": "BACKUP", "tables": ["meals"]}, "cannot be limited"),
        (full_backup, {"tables": []}, "`tables` is empty"),
        (full_backup, {"tables": ["nowhere"]}, "does not hold 'nowhere'"),
    ]
    rows, queued = await restore_rows(settings), queued_restores(settings)
    for backup_id, options, said in refused:
        for document in (RESTORE, PLAN):
            body = await gql(document, inputs(ctx, backup_id, **options))
            assert error_code(body) == "BAD_USER_INPUT", (options, body)
            assert said in body["errors"][0]["message"]
    assert (await restore_rows(settings), queued_restores(settings)) == (rows, queued)


async def test_an_occupied_database_or_an_archive_without_schema_is_a_precondition(
    gql: GraphQLClient,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    full_backup: str,
    scratch: str,
    settings: Settings,
) -> None:
    ctx = pipeline_context
    await occupy(settings, scratch)
    occupied_body = await gql(RESTORE, inputs(ctx, full_backup, targetDatabase=scratch))
    # An archive written before schemas were archived (format 1, never encrypted).
    plain = replace(ctx, settings=ctx.settings.model_copy(update={"encryption": "off"}))
    old_backup = await completed_backup(plain, target)
    key = f"backups/{old_backup}/manifest.json"
    body = json.loads(ctx.archives.get_bytes(key))
    body.update(formatVersion=1, schema=None, database=None)
    ctx.archives.put_bytes(key, json.dumps(body).encode(), content_type="application/json")
    await target.execute("DROP TABLE cooks")
    rows = await restore_rows(settings)

    old_body = await gql(RESTORE, inputs(ctx, old_backup))

    assert error_code(occupied_body) == "PRECONDITION_FAILED"
    assert f"database {scratch} exists and is not empty" in occupied_body["errors"][0]["message"]
    assert error_code(old_body) == "PRECONDITION_FAILED"
    assert "made before schemas were archived" in old_body["errors"][0]["message"]
    assert "public.cooks" in old_body["errors"][0]["message"]
    plan = (await gql(PLAN, inputs(ctx, old_backup)))["data"]["restorePlan"]
    assert "made before schemas were archived" in plan["refusal"]
    assert await restore_rows(settings) == rows


async def test_one_restore_per_database_restores_of_two_databases_run_side_by_side(
    gql: GraphQLClient, pipeline_context: PipelineContext, full_backup: str, scratch: str
) -> None:
    ctx = pipeline_context
    here = await gql(RESTORE, inputs(ctx, full_backup))
    there = await gql(RESTORE, inputs(ctx, full_backup, targetDatabase=scratch))
    again = await gql(RESTORE, inputs(ctx, full_backup, targetDatabase=scratch))

    assert here["data"]["restoreBackup"]["targetDatabase"] is None
    assert there["data"]["restoreBackup"]["targetDatabase"] == scratch
    assert error_code(again) == "CONFLICT"
    assert scratch in again["errors"][0]["message"]
    plan = (await gql(PLAN, inputs(ctx, full_backup)))["data"]["restorePlan"]
    assert "already running on database" in plan["refusal"]
    await clear_running_restores(ctx.settings.database_url)


async def test_restore_plan_tells_what_each_mode_would_do_and_changes_nothing(
    gql: GraphQLClient,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    full_backup: str,
    scratch: str,
    settings: Settings,
) -> None:
    ctx = pipeline_context
    await target.execute(
        "INSERT INTO meals VALUES (3, 'stew');"
        "ALTER TABLE meals ADD COLUMN rating int DEFAULT 0;"
        "DROP TABLE cooks; CREATE TABLE added_later (id int)"
    )
    rows = await restore_rows(settings)

    current = (await gql(PLAN, inputs(ctx, full_backup)))["data"]["restorePlan"]
    some = (await gql(PLAN, inputs(ctx, full_backup, tables=["cooks"])))["data"]["restorePlan"]
    rewind = (await gql(PLAN, inputs(ctx, full_backup, schema="BACKUP")))["data"]["restorePlan"]
    elsewhere = (await gql(PLAN, inputs(ctx, full_backup, targetDatabase=scratch)))["data"][
        "restorePlan"
    ]
    await target.execute("ALTER TABLE meals DROP COLUMN title")
    lost = (await gql(PLAN, inputs(ctx, full_backup)))["data"]["restorePlan"]

    assert current == {
        "tablesReplaced": [{"name": "public.meals", "rowsNow": 3, "rowsInBackup": 2}],
        "tablesCreated": ["public.cooks"],
        "columnsAdded": ["public.meals.rating"],
        "columnsLost": [],
        "objectsDropped": [],
        "uploadsReplaced": True,
        "preRestoreSnapshot": True,
        "warnings": [],
        "refusal": None,
    }
    assert (some["tablesReplaced"], some["tablesCreated"]) == ([], ["public.cooks"])
    assert (some["uploadsReplaced"], some["preRestoreSnapshot"]) == (False, False)
    assert rewind["tablesCreated"] == ["public.cooks"]
    assert rewind["objectsDropped"] == ["table public.added_later"]
    assert rewind["columnsAdded"] == ["public.meals.rating"]
    assert (rewind["preRestoreSnapshot"], rewind["refusal"]) == (True, None)
    assert elsewhere["tablesReplaced"] == []
    assert elsewhere["tablesCreated"] == ["public.cooks", "public.meals"]
    assert (elsewhere["uploadsReplaced"], elsewhere["preRestoreSnapshot"]) == (False, False)
    assert lost["columnsLost"] == ["public.meals.title"]
    assert "column title (text) of public.meals is in the backup" in lost["refusal"]
    assert await restore_rows(settings) == rows
    assert await target.fetchval("SELECT to_regclass('cooks')") is None
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        assert not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", scratch)
    finally:
        await admin.close()


async def test_restore_plan_for_an_emptied_target_and_an_occupied_database(
    gql: GraphQLClient,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    full_backup: str,
    scratch: str,
    settings: Settings,
) -> None:
    ctx = pipeline_context
    # The target lost every table (as a database dropped and created empty); another database
    # holds something already.
    await target.execute("DROP TABLE meals, cooks")
    await occupy(settings, scratch)
    rows = await restore_rows(settings)

    emptied = (await gql(PLAN, inputs(ctx, full_backup)))["data"]["restorePlan"]
    elsewhere = (await gql(PLAN, inputs(ctx, full_backup, targetDatabase=scratch)))["data"][
        "restorePlan"
    ]

    assert emptied == {
        "tablesReplaced": [],
        "tablesCreated": ["public.cooks", "public.meals"],
        "columnsAdded": [],
        "columnsLost": [],
        "objectsDropped": [],
        "uploadsReplaced": True,
        "preRestoreSnapshot": True,
        "warnings": [],
        "refusal": None,
    }
    assert f"database {scratch} exists and is not empty" in elsewhere["refusal"]
    assert await restore_rows(settings) == rows
    assert await target.fetchval("SELECT to_regclass('meals')") is None
