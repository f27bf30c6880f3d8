"""Applying retention for real: archives leave the SeaweedFS bucket and records the database,
protected backups stay, dry runs change nothing."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from app.auth.service import ensure_admin
from app.db.engine import transaction
from app.db.models import RestoreOperation, SystemBackup
from app.pipelines.context import PipelineContext
from app.restores.targets import configured_target
from app.retention.service import apply_schedule_retention, expire_pre_restore_snapshots
from app.settings import get_settings
from app.storage.keys import backup_prefix
from tests.conftest import GraphQLClient, error_code
from tests.support.automation import add_backup, add_schedule, backup_ids

TARGET_KEY = configured_target(get_settings()).key

NOW = datetime.now(UTC).replace(microsecond=0)


async def nightly_backups(ctx: PipelineContext, schedule_id: uuid.UUID, days: int) -> list[str]:
    """One completed backup a night for `days` nights before now, oldest first."""
    return [
        await add_backup(
            ctx, NOW - timedelta(days=days - i), metadata={"scheduleId": str(schedule_id)}
        )
        for i in range(days)
    ]


def stored(ctx: PipelineContext, backup_id: str) -> int:
    return len(ctx.archives.list(backup_prefix(backup_id)))


async def test_retention_deletes_archives_and_records_beyond_the_policy(
    automation: PipelineContext,
) -> None:
    ctx = automation
    schedule = await add_schedule(ctx, cron="0 2 * * *", next_run_at=NOW, keep_last=2)
    made = await nightly_backups(ctx, schedule.id, 5)
    other = await add_backup(ctx, NOW - timedelta(days=30))  # not this schedule's

    report = await apply_schedule_retention(ctx.sessions, ctx.archives, schedule.id, False)

    assert {row.backup_id for row in report.forgotten} == set(made[:3])
    for gone in made[:3]:
        assert stored(ctx, gone) == 0
    assert await backup_ids(ctx, "backup_id = ANY(:ids)", ids=made) == set(made[3:])
    assert all(stored(ctx, kept) == 2 for kept in made[3:])
    assert stored(ctx, other) == 2


async def test_a_dry_run_lists_what_would_go_and_changes_nothing(
    automation: PipelineContext,
) -> None:
    ctx = automation
    schedule = await add_schedule(ctx, cron="0 2 * * *", next_run_at=NOW, keep_last=1)
    made = await nightly_backups(ctx, schedule.id, 3)

    report = await apply_schedule_retention(ctx.sessions, ctx.archives, schedule.id, True)

    assert {row.backup_id for row in report.forgotten} == set(made[:2])
    assert await backup_ids(ctx, "backup_id = ANY(:ids)", ids=made) == set(made)
    assert all(stored(ctx, backup_id) == 2 for backup_id in made)


async def test_pinned_and_restoring_backups_stay_and_restored_ones_become_tombstones(
    automation: PipelineContext,
) -> None:
    ctx = automation
    schedule = await add_schedule(ctx, cron="0 2 * * *", next_run_at=NOW, keep_last=1)
    pinned, restoring, restored_before, plain, newest = await nightly_backups(ctx, schedule.id, 5)
    async with transaction(ctx.sessions) as session:
        await session.execute(
            update(SystemBackup).where(SystemBackup.backup_id == pinned).values(pinned=True)
        )
        admin = await ensure_admin(session, "retention@test.local")
        session.add(
            RestoreOperation(
                backup_id=restored_before,
                initiated_by=admin.id,
                database_key=TARGET_KEY,
                status="completed",
            )
        )
        running = RestoreOperation(
            backup_id=restoring, initiated_by=admin.id, database_key=TARGET_KEY
        )
        session.add(running)
    try:
        report = await apply_schedule_retention(ctx.sessions, ctx.archives, schedule.id, False)
    finally:
        async with transaction(ctx.sessions) as session:
            await session.execute(
                update(RestoreOperation)
                .where(RestoreOperation.id == running.id)
                .values(status="completed")
            )
    kept = {row.backup_id: why for row, why in report.kept}
    assert kept[pinned] == ["pinned"] and kept[restoring] == ["being restored"]
    assert {row.backup_id for row in report.forgotten} == {restored_before, plain}
    # Restore history still points at restored_before: its record stays, marked deleted.
    assert await backup_ids(ctx, "backup_id = :id AND deleted_at IS NOT NULL", id=restored_before)
    assert await backup_ids(ctx, "backup_id = :id", id=plain) == set()
    assert stored(ctx, restored_before) == 0 and stored(ctx, plain) == 0
    assert stored(ctx, newest) == 2 and stored(ctx, pinned) == 2 and stored(ctx, restoring) == 2


async def test_pre_restore_snapshots_expire_after_their_days(automation: PipelineContext) -> None:
    ctx = automation
    old = await add_backup(
        ctx, NOW - timedelta(days=8), metadata={"preRestoreFor": str(uuid.uuid4())}
    )
    fresh = await add_backup(
        ctx, NOW - timedelta(days=2), metadata={"preRestoreFor": str(uuid.uuid4())}
    )
    await add_backup(ctx, NOW)  # the newest completed backup is someone else

    report = await expire_pre_restore_snapshots(ctx.sessions, ctx.archives, 7, False)

    assert [row.backup_id for row in report.forgotten] == [old]
    assert stored(ctx, old) == 0 and stored(ctx, fresh) == 2


APPLY = """
mutation ($id: ID!, $dry: Boolean!) {
  applyRetention(scheduleId: $id, dryRun: $dry) {
    dryRun forgotten { backupId } kept { backup { backupId pinned } reasons }
  }
}
"""
PIN = "mutation ($id: String!) { pinBackup(backupId: $id) { backupId pinned } }"
UNPIN = "mutation ($id: String!) { unpinBackup(backupId: $id) { backupId pinned } }"


async def test_apply_retention_and_pins_through_graphql(
    automation: PipelineContext, gql: GraphQLClient
) -> None:
    ctx = automation
    schedule = await add_schedule(ctx, cron="0 2 * * *", next_run_at=NOW, keep_last=1)
    older, newer = await nightly_backups(ctx, schedule.id, 2)
    await add_backup(ctx, NOW)  # the newest completed backup of all is another one

    pinned = await gql(PIN, {"id": older})
    assert pinned["data"]["pinBackup"] == {"backupId": older, "pinned": True}
    dry = (await gql(APPLY, {"id": str(schedule.id), "dry": True}))["data"]["applyRetention"]
    assert dry["forgotten"] == []
    assert {k["backup"]["backupId"]: k["reasons"] for k in dry["kept"]}[older] == ["pinned"]

    await gql(UNPIN, {"id": older})
    dry = (await gql(APPLY, {"id": str(schedule.id), "dry": True}))["data"]["applyRetention"]
    assert dry == {
        "dryRun": True,
        "forgotten": [{"backupId": older}],
        "kept": [
            {
                "backup": {"backupId": newer, "pinned": False},
                # The schedule drills its backups (verify, the default); this one never was.
                "reasons": ["last (unverified)", "newest completed"],
            }
        ],
    }
    assert stored(ctx, older) == 2

    done = (await gql(APPLY, {"id": str(schedule.id), "dry": False}))["data"]["applyRetention"]
    assert done["forgotten"] == [{"backupId": older}] and stored(ctx, older) == 0
    assert error_code(await gql(PIN, {"id": older})) == "NOT_FOUND"
    missing = await gql(APPLY, {"id": str(uuid.uuid4()), "dry": True})
    assert error_code(missing) == "NOT_FOUND"
