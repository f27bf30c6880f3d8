"""Scheduled drills end to end on real services: a `verify` schedule's backup is drilled by
itself once completed, its retention waits for the verdict, and a FAILED drill is announced
and keeps the damaged backup (the newest) without letting it fill a keep slot."""

from datetime import UTC, datetime, timedelta

import asyncpg
import dramatiq

from app.db.drill_models import Verification
from app.drills.repository import latest_for
from app.pipelines.context import PipelineContext
from tests.retention.test_retention_drills import drilled
from tests.support.archive import damage_table, stored_manifest
from tests.support.audit import audit_rows
from tests.support.automation import Receiver, add_backup, add_schedule, backup_ids, subscribe
from tests.support.drill import scratch_left
from tests.support.worker import wait_for
from workers.scheduler import SchedulerDeps, TickReport, tick


async def verdict(ctx: PipelineContext, backup_id: str) -> Verification | None:
    async with ctx.sessions() as session:
        drill = (await latest_for(session, [backup_id])).get(backup_id)
    return drill if drill is not None and drill.status != "running" else None


async def completed(ctx: PipelineContext, backup_id: str) -> bool:
    return bool(await backup_ids(ctx, "backup_id = :id AND status = 'completed'", id=backup_id))


def deps_for(ctx: PipelineContext) -> SchedulerDeps:
    from workers.actors.notifications import send_delivery
    from workers.jobs import DramatiqJobs

    return SchedulerDeps(ctx.settings, ctx.sessions, ctx.archives, DramatiqJobs(), send_delivery)


async def fired_and_exported(ctx: PipelineContext, deps: SchedulerDeps, now: datetime) -> str:
    first = await tick(deps, now)
    assert first.errors == [] and first.drills_requested == []
    [fired] = first.fired
    await wait_for(lambda: completed(ctx, fired.backup_id), timeout=60, message="the export")
    return fired.backup_id


def clean(report: TickReport) -> TickReport:
    assert report.errors == [], report.errors
    return report


async def test_a_scheduled_backup_is_drilled_by_itself_and_retention_waits_for_it(
    automation: PipelineContext, target: asyncpg.Connection, full_worker: dramatiq.Worker
) -> None:
    ctx = automation
    await target.execute(
        "CREATE TABLE meals (id int PRIMARY KEY); INSERT INTO meals SELECT generate_series(1, 50)"
    )
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    schedule = await add_schedule(
        ctx, cron="* * * * *", created_at=now - timedelta(days=3), next_run_at=now, keep_last=1
    )
    assert schedule.verify  # schedules drill by default
    old = await add_backup(ctx, now - timedelta(days=1), metadata={"scheduleId": str(schedule.id)})
    await drilled(ctx, old, "passed")
    deps = deps_for(ctx)
    backup_id = await fired_and_exported(ctx, deps, now)

    second = clean(await tick(deps, now + timedelta(seconds=1)))
    assert len(second.drills_requested) == 1
    assert second.retention_applied == []  # the drill has no verdict yet
    drill = await wait_for(lambda: verdict(ctx, backup_id), timeout=120, message="the drill")
    assert (drill.status, drill.error) == ("passed", None)
    assert drill.tables_checked == len(stored_manifest(ctx.archives, backup_id).tables)
    assert await scratch_left(ctx.settings) == []

    third = clean(await tick(deps, now + timedelta(seconds=2)))
    assert third.drills_requested == []  # once per backup
    assert third.retention_applied == [old]
    fourth = clean(await tick(deps, now + timedelta(seconds=3)))
    assert (fourth.drills_requested, fourth.retention_applied) == ([], [])


async def test_a_failed_scheduled_drill_is_announced_and_holds_retention(
    automation: PipelineContext,
    target: asyncpg.Connection,
    full_worker: dramatiq.Worker,
    receiver: Receiver,
) -> None:
    ctx = automation
    await subscribe(ctx, receiver, ["backup.verification_failed"])
    await target.execute(
        "CREATE TABLE meals (id int PRIMARY KEY); INSERT INTO meals SELECT generate_series(1, 50)"
    )
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    schedule = await add_schedule(
        ctx, cron="* * * * *", created_at=now - timedelta(days=3), next_run_at=now, keep_last=1
    )
    olds = [
        await add_backup(ctx, now - timedelta(days=d), metadata={"scheduleId": str(schedule.id)})
        for d in (2, 1)
    ]
    for old in olds:
        await drilled(ctx, old, "passed")
    deps = deps_for(ctx)
    backup_id = await fired_and_exported(ctx, deps, now)
    # The archive is damaged after the backup completed: one flipped byte in the table's rows.
    damage_table(ctx.archives, backup_id)

    clean(await tick(deps, now + timedelta(seconds=1)))
    drill = await wait_for(lambda: verdict(ctx, backup_id), timeout=120, message="the drill")

    assert drill.status == "failed" and drill.error is not None
    assert "public.meals" in drill.error
    await wait_for(lambda: receiver.received, timeout=30, message="the webhook")
    [received] = receiver.received
    assert received.json()["event"] == "backup.verification_failed"
    assert received.json()["backup"]["backupId"] == backup_id
    [row] = await audit_rows(
        "action = 'backup.verification' AND arguments->>'backupId' = $1", backup_id
    )
    assert (row["actor"], row["outcome"]) == ("system", "FAILED")
    # Retention: the damaged newest backup is kept but fills no slot, so the newest PASSED one
    # is kept too (without drills, keep_last=1 would have deleted both older backups).
    third = clean(await tick(deps, now + timedelta(seconds=2)))
    assert third.retention_applied == [olds[0]]
    remaining = await backup_ids(ctx, "backup_id = ANY(:ids)", ids=[*olds, backup_id])
    assert remaining == {olds[1], backup_id}
