"""Drills end to end: verifyBackup through the API, run by a real worker on its own queue;
the verdict is audited, a FAILED one is announced to webhooks; the target is untouched and
no scratch database is left."""

import asyncpg
import dramatiq

from app.pipelines.context import PipelineContext
from tests.conftest import GraphQLClient
from tests.support.archive import damage_table, stored_manifest
from tests.support.audit import audit_rows
from tests.support.automation import Receiver, subscribe
from tests.support.drill import scratch_left
from tests.support.fixture_schema import create_fixture_schema, table_fingerprints
from tests.support.pipeline import create_backup_row
from tests.support.worker import wait_for

VERIFY = """
mutation ($id: String!) { verifyBackup(backupId: $id) { verification { status } } }
"""
VERIFICATION = """
query ($id: String!) {
  backup(backupId: $id) {
    verification { status error tablesChecked rowsChecked finishedAt stepTimes { step seconds } }
  }
}
"""


async def backed_up(ctx: PipelineContext, target: asyncpg.Connection) -> str:
    from app.pipelines.export.pipeline import run_export

    await create_fixture_schema(target)
    backup_id = await create_backup_row(ctx, target, "full")
    await run_export(ctx, backup_id)
    return backup_id


async def verdict(gql: GraphQLClient, backup_id: str) -> dict[str, object]:
    async def finished() -> dict[str, object] | None:
        body = await gql(VERIFICATION, {"id": backup_id})
        drill = body["data"]["backup"]["verification"]
        return drill if drill["status"] != "RUNNING" else None

    found: dict[str, object] = await wait_for(finished, timeout=120, message="the drill's verdict")
    return found


async def test_a_drill_asked_through_the_api_passes_in_the_worker_and_is_audited(
    gql: GraphQLClient,
    automation: PipelineContext,
    target: asyncpg.Connection,
    full_worker: dramatiq.Worker,
) -> None:
    backup_id = await backed_up(automation, target)
    before = await table_fingerprints(target)

    asked = await gql(VERIFY, {"id": backup_id})
    assert asked["data"]["verifyBackup"]["verification"] == {"status": "RUNNING"}
    drill = await verdict(gql, backup_id)

    manifest = stored_manifest(automation.archives, backup_id)
    assert (drill["status"], drill["error"]) == ("PASSED", None)
    assert drill["tablesChecked"] == len(manifest.tables)
    assert drill["rowsChecked"] == sum(table.rows for table in manifest.tables)
    steps = [time["step"] for time in drill["stepTimes"]]  # type: ignore[attr-defined]
    assert "load" in steps and "read back" in steps
    assert await table_fingerprints(target) == before
    assert await scratch_left(automation.settings) == []
    [row] = await audit_rows(
        "action = 'backup.verification' AND arguments->>'backupId' = $1", backup_id
    )
    assert (row["actor"], row["outcome"]) == ("system", "ok")
    assert row["arguments"]["status"] == "passed"


async def test_a_failed_drill_is_announced_to_webhooks_and_audited(
    gql: GraphQLClient,
    automation: PipelineContext,
    target: asyncpg.Connection,
    full_worker: dramatiq.Worker,
    receiver: Receiver,
) -> None:
    ctx = automation
    await subscribe(ctx, receiver, ["backup.verification_failed"])
    backup_id = await backed_up(ctx, target)
    damage_table(ctx.archives, backup_id, "public.recipes")

    await gql(VERIFY, {"id": backup_id})
    drill = await verdict(gql, backup_id)

    assert drill["status"] == "FAILED"
    assert "public.recipes" in str(drill["error"])
    await wait_for(lambda: receiver.received, timeout=30, message="the webhook delivery")
    [received] = receiver.received
    body = received.json()
    assert body["event"] == "backup.verification_failed"
    assert body["backup"]["backupId"] == backup_id
    assert body["backup"]["verification"]["status"] == "failed"
    assert "public.recipes" in body["backup"]["verification"]["error"]
    [row] = await audit_rows(
        "action = 'backup.verification' AND arguments->>'backupId' = $1", backup_id
    )
    assert (row["actor"], row["outcome"]) == ("system", "FAILED")
    assert await scratch_left(ctx.settings) == []
