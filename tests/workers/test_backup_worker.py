"""The export actor on a real Dramatiq worker: mutation → queue → worker → completed backup."""

from typing import Any

import asyncpg
import dramatiq

from app.db.models import SystemBackup
from app.pipelines.context import PipelineContext
from app.storage import keys
from tests.conftest import GraphQLClient
from tests.support.fixture_schema import FIXTURE_TABLES, create_fixture_schema
from tests.support.pipeline import backup_row, create_backup_row
from tests.support.worker import drain, wait_for

CREATE = """
mutation ($input: CreateBackupInput!) { createBackup(input: $input) { backupId status } }
"""
STATUS = """
query ($id: String!) {
  backup(backupId: $id) { status tablesIncluded sizeBytes filePath completedAt errorMessage }
}
"""


async def test_backup_requested_through_the_api_is_completed_by_the_worker(
    gql: GraphQLClient, target: asyncpg.Connection, worker: dramatiq.Worker
) -> None:
    await create_fixture_schema(target)
    body = await gql(CREATE, {"input": {"type": "FULL", "description": "nightly"}})
    backup_id = body["data"]["createBackup"]["backupId"]

    async def finished() -> dict[str, Any] | None:
        backup = (await gql(STATUS, {"id": backup_id}))["data"]["backup"]
        return backup if backup["status"] != "CREATING" else None

    backup = await wait_for(finished, timeout=60, message="the backup to finish")
    assert backup["status"] == "COMPLETED", backup["errorMessage"]
    assert backup["tablesIncluded"] == FIXTURE_TABLES
    assert backup["filePath"] == keys.backup_prefix(backup_id)
    assert backup["sizeBytes"] > 0 and backup["completedAt"]


async def test_a_redelivered_message_for_a_finished_backup_changes_nothing(
    pipeline_context: PipelineContext, target: asyncpg.Connection, worker: dramatiq.Worker
) -> None:
    from workers.actors.backups import export_backup

    ctx = pipeline_context
    await target.execute("CREATE TABLE meals (id int); INSERT INTO meals VALUES (1)")
    backup_id = await create_backup_row(ctx, target, "partial", ["meals"])
    export_backup.send(backup_id)
    first = await wait_for(
        lambda: _finished(ctx, backup_id), timeout=30, message="the first export"
    )
    assert first.status == "completed"

    export_backup.send(backup_id)
    await drain(worker, ctx.settings)

    again = await backup_row(ctx, backup_id)
    assert (again.status, again.completed_at, again.file_size_bytes) == (
        "completed",
        first.completed_at,
        first.file_size_bytes,
    )
    assert ctx.archives.exists(keys.manifest_key(backup_id))


async def _finished(ctx: PipelineContext, backup_id: str) -> SystemBackup | None:
    row = await backup_row(ctx, backup_id)
    return row if row.status != "creating" else None
