"""Retention with drills, for real: a `verify` schedule keeps only PASSED backups in its slots,
and nothing is deleted while its drill runs."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from app.audit import SYSTEM
from app.db.drill_models import Verification
from app.db.engine import transaction
from app.pipelines.context import PipelineContext
from app.retention.service import Deletion, apply_schedule_retention, delete_backup
from tests.support.automation import add_backup, add_schedule, backup_ids
from tests.support.drill import request

NOW = datetime.now(UTC).replace(microsecond=0)


async def drilled(ctx: PipelineContext, backup_id: str, status: str) -> None:
    """A finished (or running) drill of the backup with this verdict."""
    drill_id = uuid.UUID(await request(ctx, backup_id))
    if status == "running":
        return
    async with transaction(ctx.sessions) as session:
        await session.execute(
            update(Verification)
            .where(Verification.id == drill_id)
            .values(status=status, finished_at=NOW, error=None if status == "passed" else "x")
        )


async def test_a_verify_schedule_keeps_passed_backups_and_its_newest_failed_one(
    automation: PipelineContext,
) -> None:
    ctx = automation
    schedule = await add_schedule(ctx, cron="0 2 * * *", next_run_at=NOW, keep_last=2, verify=True)
    made = [
        await add_backup(
            ctx, NOW - timedelta(days=5 - i), metadata={"scheduleId": str(schedule.id)}
        )
        for i in range(5)
    ]
    for backup_id, status in zip(
        made, ["passed", "passed", "passed", "error", "failed"], strict=True
    ):
        await drilled(ctx, backup_id, status)

    report = await apply_schedule_retention(ctx.sessions, ctx.archives, schedule.id, False)

    # Verified slots: made[2], made[1]; made[3] unverified but among the last two without
    # drills; made[4] damaged, kept only as the newest completed.
    assert {row.backup_id for row in report.forgotten} == {made[0]}
    kept = {row.backup_id: why for row, why in report.kept}
    assert kept[made[4]][0] == "newest completed (drill failed)"
    assert kept[made[3]] == ["last (unverified)"]
    assert await backup_ids(ctx, "backup_id = ANY(:ids)", ids=made) == set(made[1:])


async def test_a_backup_is_not_deleted_while_its_drill_runs(automation: PipelineContext) -> None:
    ctx = automation
    old = await add_backup(ctx, NOW - timedelta(days=3))
    await add_backup(ctx, NOW)  # the newest completed, protected anyway
    await drilled(ctx, old, "running")

    deletion = Deletion(SYSTEM, "retention.delete", {})
    assert not await delete_backup(ctx.sessions, ctx.archives, old, deletion)
    assert await backup_ids(ctx, "backup_id = :id", id=old) == {old}
