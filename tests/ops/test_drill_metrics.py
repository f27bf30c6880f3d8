"""/metrics on restore drills: backups by their latest drill's status, and when the newest
PASSED drill of each backup type finished (deleted backups left out)."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import delete, update

from app.db.drill_models import Verification
from app.db.engine import transaction
from app.db.models import SystemBackup
from app.pipelines.context import PipelineContext
from tests.ops.test_ops_endpoints import samples
from tests.support.automation import add_backup
from tests.support.drill import request

NOW_PLUS = datetime.now(UTC) + timedelta(days=450)  # later than test_ops_endpoints' backups


async def drilled(ctx: PipelineContext, backup_id: str, status: str, at: datetime) -> None:
    drill_id = uuid.UUID(await request(ctx, backup_id))
    async with transaction(ctx.sessions) as session:
        await session.execute(
            update(Verification)
            .where(Verification.id == drill_id)
            .values(status=status, finished_at=at, error=None if status == "passed" else "x")
        )


async def test_drills_are_counted_by_latest_status_and_the_newest_pass_is_dated(
    client: httpx.AsyncClient, automation: PipelineContext
) -> None:
    ctx = automation
    before = samples((await client.get("/metrics")).text)
    proven = datetime.now(UTC).replace(microsecond=0) + timedelta(days=500)  # after any other
    assert proven - timedelta(days=1) > NOW_PLUS
    passed = await add_backup(ctx, proven - timedelta(days=1), backup_type="full")
    await drilled(ctx, passed, "passed", proven)
    # Passed once, then found damaged: counted as failed, and its old pass proves nothing.
    damaged = await add_backup(ctx, proven - timedelta(days=1), backup_type="full")
    await drilled(ctx, damaged, "passed", proven + timedelta(hours=1))
    await drilled(ctx, damaged, "failed", proven + timedelta(hours=2))
    await add_backup(ctx, proven, backup_type="full")  # never drilled
    # Deleted by retention: neither counted nor dated, however recent its pass.
    gone = await add_backup(ctx, proven, backup_type="full")
    await drilled(ctx, gone, "passed", proven + timedelta(days=1))
    async with transaction(ctx.sessions) as session:
        await session.execute(
            update(SystemBackup).where(SystemBackup.backup_id == gone).values(deleted_at=proven)
        )

    after = samples((await client.get("/metrics")).text)

    def grew(status: str) -> float:
        key = ("lifeboat_backup_verifications", (("status", status),))
        return after[key] - before.get(key, 0)

    assert (grew("passed"), grew("failed"), grew("none"), grew("error")) == (1, 1, 1, 0)
    assert ("lifeboat_backup_verifications", (("status", "running"),)) in after
    full = ("lifeboat_backup_last_verified_timestamp_seconds", (("type", "full"),))
    assert after[full] == proven.timestamp()
    # Backups dated in the future would be the newest of every later test's list.
    async with transaction(ctx.sessions) as session:
        await session.execute(delete(SystemBackup).where(SystemBackup.created_at > NOW_PLUS))
