"""What the scheduler does on its own is audited as `system`, in the transaction that does it:
scheduled backups, retention deletions, snapshot expiry, and the trail's own pruning."""

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from app.audit.service import prune
from app.db.engine import transaction
from app.pipelines.context import PipelineContext
from app.retention.service import apply_schedule_retention, expire_pre_restore_snapshots
from tests.support.audit import audit_rows
from tests.support.automation import RecordingJobs, add_backup, add_schedule
from workers.scheduler import SchedulerDeps, tick

NOW = datetime.now(UTC).replace(microsecond=0)


async def test_a_scheduled_backup_is_one_system_row_however_often_the_time_is_asked(
    automation: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = automation
    due = NOW - timedelta(minutes=1)
    schedule = await add_schedule(ctx, cron="* * * * *", created_at=due, next_run_at=due)
    deps = SchedulerDeps(ctx.settings, ctx.sessions, ctx.archives, RecordingJobs(), [].append)
    first = await tick(deps, NOW)
    await tick(deps, NOW)  # the same due time again: nothing new
    [fired] = first.fired

    rows = await audit_rows(
        "action = 'backup.scheduled' AND arguments->>'scheduleId' = $1", str(schedule.id)
    )
    [row] = rows
    assert (row["actor"], row["outcome"], row["admin_email"]) == ("system", "ok", None)
    assert row["arguments"]["backupId"] == fired.backup_id
    assert row["arguments"]["scheduleName"] == schedule.name


async def test_each_retention_deletion_is_a_row_of_whoever_asked(
    automation: PipelineContext,
) -> None:
    ctx = automation
    schedule = await add_schedule(ctx, cron="0 2 * * *", next_run_at=NOW, keep_last=1)
    made = [
        await add_backup(
            ctx, NOW - timedelta(days=3 - i), metadata={"scheduleId": str(schedule.id)}
        )
        for i in range(3)
    ]

    await apply_schedule_retention(ctx.sessions, ctx.archives, schedule.id, True)
    assert (
        await audit_rows("action = 'retention.delete' AND arguments->>'backupId' = ANY($1)", made)
        == []
    )
    await apply_schedule_retention(ctx.sessions, ctx.archives, schedule.id, False)

    rows = await audit_rows(
        "action = 'retention.delete' AND arguments->>'backupId' = ANY($1)", made
    )
    assert sorted(row["arguments"]["backupId"] for row in rows) == sorted(made[:2])
    assert {(row["actor"], row["outcome"]) for row in rows} == {("system", "ok")}
    assert all(row["arguments"]["scheduleId"] == str(schedule.id) for row in rows)


async def test_each_expired_snapshot_is_a_row(automation: PipelineContext) -> None:
    ctx = automation
    old = await add_backup(
        ctx, NOW - timedelta(days=9), metadata={"preRestoreFor": str(uuid.uuid4())}
    )
    await add_backup(ctx, NOW)  # the newest completed backup is never deleted
    await expire_pre_restore_snapshots(ctx.sessions, ctx.archives, 7, False)
    [row] = await audit_rows("action = 'snapshot.expire' AND arguments->>'backupId' = $1", old)
    assert (row["actor"], row["outcome"]) == ("system", "ok")


async def test_rows_past_retention_are_deleted_and_the_deletion_is_recorded(
    automation: PipelineContext,
) -> None:
    ctx = automation
    marker = f"old-{uuid.uuid4()}"
    conn = await asyncpg.connect(ctx.settings.database_url)
    try:
        for age_days in (401, 399):
            await conn.execute(
                "INSERT INTO lifeboat.audit_events (at, actor, action, outcome) "
                "VALUES (now() - make_interval(days => $1), 'system', $2, 'ok')",
                age_days,
                marker,
            )
    finally:
        await conn.close()

    async with transaction(ctx.sessions) as session:
        deleted = await prune(session, 400)

    assert deleted >= 1
    [kept] = await audit_rows("action = $1", marker)
    assert kept["at"] > datetime.now(UTC) - timedelta(days=400)
    pruned = await audit_rows("action = 'audit.prune'")
    assert pruned[-1]["arguments"] == {"olderThanDays": 400, "deleted": deleted}
    assert pruned[-1]["actor"] == "system"
