"""A schedule end to end on real services: the tick fires, a real worker exports, the webhook
hears backup.completed, and the next tick applies the schedule's retention."""

from datetime import UTC, datetime, timedelta

import asyncpg
import dramatiq
from sqlalchemy import select

from app.db.schedule_models import NotificationDelivery
from app.notifications.signing import verify
from app.pipelines.context import PipelineContext
from app.storage.keys import backup_prefix, manifest_key
from tests.support.automation import Receiver, add_backup, add_schedule, backup_ids, subscribe
from tests.support.worker import wait_for
from workers.scheduler import SchedulerDeps, tick


async def delivered(ctx: PipelineContext, subject_id: str) -> bool:
    async with ctx.sessions() as session:
        status = await session.scalar(
            select(NotificationDelivery.status).where(NotificationDelivery.subject_id == subject_id)
        )
    return status == "delivered"


async def test_scheduled_backup_completes_notifies_and_triggers_retention(
    automation: PipelineContext,
    target: asyncpg.Connection,
    receiver: Receiver,
    full_worker: dramatiq.Worker,
) -> None:
    from workers.actors.notifications import send_delivery
    from workers.jobs import DramatiqJobs

    ctx = automation
    await target.execute(
        "CREATE TABLE meals (id int); INSERT INTO meals SELECT generate_series(1, 50)"
    )
    hook = await subscribe(ctx, receiver, ["backup.completed"])
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    # Without drills (tests/workers/test_scheduled_drills.py has them): retention at once.
    schedule = await add_schedule(
        ctx,
        cron="* * * * *",
        created_at=now - timedelta(days=3),
        next_run_at=now,
        keep_last=1,
        verify=False,
    )
    old = [
        await add_backup(ctx, now - timedelta(days=d), metadata={"scheduleId": str(schedule.id)})
        for d in (2, 1)
    ]
    deps = SchedulerDeps(ctx.settings, ctx.sessions, ctx.archives, DramatiqJobs(), send_delivery)

    first = await tick(deps, now)
    assert first.errors == [] and first.retention_applied == []
    [fired] = first.fired
    backup_id = fired.backup_id

    await wait_for(lambda: delivered(ctx, backup_id), timeout=60, message="backup.completed")
    [received] = receiver.received
    assert received.json()["backup"]["backupId"] == backup_id
    assert received.json()["backup"]["status"] == "completed"
    assert verify(hook.secret, received.body, received.headers["X-Lifeboat-Signature"])
    assert ctx.archives.exists(manifest_key(backup_id))
    assert all(ctx.archives.list(backup_prefix(b)) for b in old)

    # The next tick (a second later, not due again) sees the run completed: retention runs.
    second = await tick(deps, now + timedelta(seconds=1))
    assert second.errors == [] and second.fired == []
    assert sorted(second.retention_applied) == sorted(old)
    assert all(ctx.archives.list(backup_prefix(b)) == [] for b in old)
    assert await backup_ids(ctx, "backup_id = ANY(:ids)", ids=[*old, backup_id]) == {backup_id}

    third = await tick(deps, now + timedelta(seconds=2))
    assert third.retention_applied == []  # once per run
