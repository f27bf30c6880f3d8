"""The health check before a scheduled backup: a failing one records a failed backup, starts no
export, and notifies (a real webhook receiver gets backup.failed)."""

from datetime import UTC, datetime, timedelta

import asyncpg
import dramatiq
from sqlalchemy import select, update

from app.db.engine import transaction
from app.db.models import RestoreOperation, SystemBackup
from app.db.schedule_models import NotificationDelivery
from app.notifications.signing import verify
from app.pipelines.context import PipelineContext
from app.restores.targets import configured_target
from app.settings import get_settings
from app.storage.client import ObjectStore, create_client
from tests.conftest import GraphQLClient
from tests.support.automation import Receiver, RecordingJobs, add_backup, add_schedule, subscribe
from tests.support.worker import wait_for
from workers.scheduler import SchedulerDeps, tick

TARGET_KEY = configured_target(get_settings()).key

DUE = datetime(2026, 3, 1, 2, tzinfo=UTC)
# By id: the fired backup is dated at the test's fixed DUE, so a list (newest first) depends on
# what earlier tests of the run left (it was missing from `limit: 5` in one full run).
BACKUP = "query ($id: String!) { backup(backupId: $id) { backupId status errorMessage metadata } }"


async def delivery_status(ctx: PipelineContext, subject_id: str, status: str) -> bool:
    async with ctx.sessions() as session:
        found = await session.scalar(
            select(NotificationDelivery.status).where(NotificationDelivery.subject_id == subject_id)
        )
    return found == status


def refusing_storage(ctx: PipelineContext) -> ObjectStore:
    """Storage whose endpoint refuses connections (nothing listens on port 1)."""
    settings = ctx.settings.model_copy(update={"s3_endpoint": "127.0.0.1:1"})
    return ObjectStore(create_client(settings), ctx.settings.s3_bucket)


async def test_failing_storage_check_records_a_failed_backup_and_notifies(
    automation: PipelineContext,
    target: asyncpg.Connection,
    receiver: Receiver,
    full_worker: dramatiq.Worker,
    gql: GraphQLClient,
) -> None:
    from workers.actors.notifications import send_delivery

    ctx = automation
    hook = await subscribe(ctx, receiver, ["backup.failed"])
    schedule = await add_schedule(
        ctx, cron="0 2 * * *", created_at=DUE - timedelta(days=1), next_run_at=DUE
    )
    jobs = RecordingJobs()
    deps = SchedulerDeps(ctx.settings, ctx.sessions, refusing_storage(ctx), jobs, send_delivery)

    report = await tick(deps, DUE + timedelta(seconds=3))

    assert jobs.exports == []
    [fired] = report.fired
    assert fired.failure is not None and fired.failure.startswith("health check failed: storage:")
    failed = (await gql(BACKUP, {"id": fired.backup_id}))["data"]["backup"]
    assert failed["status"] == "FAILED"
    assert failed["errorMessage"] == fired.failure
    assert failed["metadata"]["scheduleId"] == str(schedule.id)

    # Delivered means recorded too: the worker is idle again before the test stops it.
    await wait_for(
        lambda: delivery_status(ctx, fired.backup_id, "delivered"), message="the delivery"
    )
    [delivery] = receiver.received
    assert delivery.headers["X-Lifeboat-Event"] == "backup.failed"
    assert verify(hook.secret, delivery.body, delivery.headers["X-Lifeboat-Signature"])
    assert delivery.json()["backup"]["backupId"] == fired.backup_id
    assert delivery.json()["backup"]["errorMessage"] == fired.failure


async def test_a_running_restore_fails_the_health_check(
    automation: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = automation
    restored = await add_backup(ctx, DUE - timedelta(days=3), backup_type="full")
    async with transaction(ctx.sessions) as session:
        admin_id = (
            await session.scalars(
                select(SystemBackup.created_by).where(SystemBackup.backup_id == restored)
            )
        ).one()
        running = RestoreOperation(
            backup_id=restored, initiated_by=admin_id, database_key=TARGET_KEY
        )
        session.add(running)
    schedule = await add_schedule(
        ctx, cron="0 2 * * *", created_at=DUE - timedelta(days=1), next_run_at=DUE
    )
    jobs = RecordingJobs()
    deliveries: list[str] = []
    deps = SchedulerDeps(ctx.settings, ctx.sessions, ctx.archives, jobs, deliveries.append)
    try:
        report = await tick(deps, DUE)
    finally:
        async with transaction(ctx.sessions) as session:
            await session.execute(
                update(RestoreOperation)
                .where(RestoreOperation.id == running.id)
                .values(status="failed", error_log="test over")
            )
    [fired] = report.fired
    assert fired.schedule_id == schedule.id and jobs.exports == []
    assert fired.failure is not None and "restores: RuntimeError: restore" in fired.failure
    assert "storage" not in fired.failure  # the other checks passed
