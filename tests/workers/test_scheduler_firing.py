"""Firing schedules with a controllable clock: due, not due, missed runs, never before creation."""

from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy import select

from app.auth.service import SYSTEM_ACCOUNT_EMAIL
from app.db.engine import transaction
from app.db.models import AdminUser, SystemBackup
from app.db.schedule_models import Schedule
from app.jobs import JobNotSent
from app.jobs.dispatch import broker_address
from app.pipelines.context import PipelineContext
from app.schedules import service
from app.schedules.service import ScheduleSpec
from tests.support.automation import RecordingJobs, add_schedule
from workers.scheduler import SchedulerDeps, TickReport, tick

JAN1 = datetime(2026, 1, 1, tzinfo=UTC)


def deps_for(ctx: PipelineContext, jobs: RecordingJobs | None = None) -> SchedulerDeps:
    deliveries: list[str] = []
    return SchedulerDeps(
        settings=ctx.settings,
        sessions=ctx.sessions,
        archives=ctx.archives,
        jobs=jobs or RecordingJobs(),
        enqueue_delivery=deliveries.append,
    )


async def add_daily(ctx: PipelineContext) -> Schedule:
    """Daily at 02:00, created at the start of 2026, first due at 02:00 that day."""
    return await add_schedule(
        ctx, cron="0 2 * * *", created_at=JAN1, next_run_at=JAN1 + timedelta(hours=2)
    )


async def scheduled_backups(ctx: PipelineContext, schedule: Schedule) -> list[SystemBackup]:
    async with ctx.sessions() as session:
        rows = await session.scalars(
            select(SystemBackup)
            .where(SystemBackup.metadata_["scheduleId"].astext == str(schedule.id))
            .order_by(SystemBackup.created_at)
        )
        return list(rows)


async def reload(ctx: PipelineContext, schedule: Schedule) -> Schedule:
    async with ctx.sessions() as session:
        row = await session.get(Schedule, schedule.id)
    assert row is not None
    return row


async def fire(ctx: PipelineContext, now: datetime, jobs: RecordingJobs) -> TickReport:
    report = await tick(deps_for(ctx, jobs), now)
    assert report.errors == []
    return report


async def test_a_due_schedule_fires_once_as_the_system_account(
    automation: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = automation
    daily = await add_daily(ctx)
    jobs = RecordingJobs()

    await fire(ctx, JAN1 + timedelta(hours=2, seconds=5), jobs)
    await fire(ctx, JAN1 + timedelta(hours=2, seconds=20), jobs)  # the next tick, same due time

    [backup] = await scheduled_backups(ctx, daily)
    assert jobs.exports == [backup.backup_id]
    assert (backup.backup_type, backup.status) == ("scheduled", "creating")
    assert backup.metadata_ == {
        "scheduleId": str(daily.id),
        "scheduleName": daily.name,
        "dueAt": "2026-01-01T02:00:00+00:00",
    }
    async with ctx.sessions() as session:
        creator = await session.get(AdminUser, backup.created_by)
    assert creator is not None and (creator.email, creator.role) == (SYSTEM_ACCOUNT_EMAIL, "system")
    after = await reload(ctx, daily)
    assert after.next_run_at == JAN1 + timedelta(days=1, hours=2)
    assert after.last_backup_id == backup.backup_id


async def test_a_schedule_not_yet_due_does_not_fire(
    automation: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = automation
    daily = await add_daily(ctx)
    jobs = RecordingJobs()
    await fire(ctx, JAN1 + timedelta(hours=1, minutes=59, seconds=59), jobs)
    assert await scheduled_backups(ctx, daily) == [] and jobs.exports == []


async def test_missed_runs_fire_once_for_the_latest_due_time(
    automation: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = automation
    daily = await add_daily(ctx)
    jobs = RecordingJobs()
    # Down from Jan 1 01:00 to Jan 5 03:00: five due times passed.
    await fire(ctx, datetime(2026, 1, 5, 3, 0, tzinfo=UTC), jobs)

    [backup] = await scheduled_backups(ctx, daily)
    assert backup.metadata_ is not None
    assert backup.metadata_["dueAt"] == "2026-01-05T02:00:00+00:00"
    assert (await reload(ctx, daily)).next_run_at == datetime(2026, 1, 6, 2, tzinfo=UTC)


async def test_nothing_fires_for_due_times_before_the_schedule_existed(
    automation: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = automation
    created = datetime(2026, 1, 1, 2, 30, tzinfo=UTC)  # just after today's 02:00
    async with transaction(ctx.sessions) as session:
        spec = ScheduleSpec(name="nightly", cron="0 2 * * *")
        nightly = await service.create_schedule(session, None, spec, now=created)
    assert nightly.next_run_at == datetime(2026, 1, 2, 2, tzinfo=UTC)
    jobs = RecordingJobs()

    await fire(ctx, created + timedelta(minutes=10), jobs)
    assert await scheduled_backups(ctx, nightly) == []

    await fire(ctx, datetime(2026, 1, 2, 2, 0, 1, tzinfo=UTC), jobs)
    assert len(await scheduled_backups(ctx, nightly)) == 1


async def test_weekly_full_schedule_makes_full_backups(
    automation: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = automation
    sunday = datetime(2026, 1, 4, 1, tzinfo=UTC)
    weekly = await add_schedule(
        ctx, cron="0 1 * * 0", backup_type="full", created_at=JAN1, next_run_at=sunday
    )
    await fire(ctx, sunday + timedelta(seconds=1), RecordingJobs())
    [backup] = await scheduled_backups(ctx, weekly)
    assert backup.backup_type == "full"
    assert backup.metadata_ is not None and backup.metadata_["scheduleId"] == str(weekly.id)
    assert (await reload(ctx, weekly)).next_run_at == sunday + timedelta(days=7)


async def test_disabled_schedules_do_not_fire_and_resume_without_catching_up(
    automation: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = automation
    daily = await add_schedule(
        ctx,
        cron="0 2 * * *",
        created_at=JAN1,
        next_run_at=JAN1 + timedelta(hours=2),
        enabled=False,
    )
    jobs = RecordingJobs()
    await fire(ctx, JAN1 + timedelta(days=3), jobs)
    assert await scheduled_backups(ctx, daily) == []

    resumed_at = JAN1 + timedelta(days=3, hours=12)
    async with transaction(ctx.sessions) as session:
        await service.set_enabled(session, daily.id, True, now=resumed_at)
    await fire(ctx, resumed_at + timedelta(minutes=1), jobs)
    assert await scheduled_backups(ctx, daily) == []
    assert (await reload(ctx, daily)).next_run_at == JAN1 + timedelta(days=4, hours=2)


async def test_a_partial_schedule_backs_up_its_tables(
    automation: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = automation
    await target.execute("CREATE TABLE meals (id int); CREATE TABLE users (id int)")
    partial = await add_schedule(
        ctx,
        cron="*/15 * * * *",
        backup_type="partial",
        tables=["public.meals"],
        created_at=JAN1,
        next_run_at=JAN1 + timedelta(minutes=15),
    )
    await fire(ctx, JAN1 + timedelta(minutes=15), RecordingJobs())
    [backup] = await scheduled_backups(ctx, partial)
    assert (backup.backup_type, backup.tables_included) == ("partial", ["public.meals"])


async def test_a_partial_schedule_whose_table_is_gone_records_a_failed_backup(
    automation: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = automation
    partial = await add_schedule(
        ctx,
        cron="0 * * * *",
        backup_type="partial",
        tables=["public.dropped"],
        created_at=JAN1,
        next_run_at=JAN1 + timedelta(hours=1),
    )
    jobs = RecordingJobs()
    await fire(ctx, JAN1 + timedelta(hours=1), jobs)
    [backup] = await scheduled_backups(ctx, partial)
    assert backup.status == "failed" and jobs.exports == []
    assert backup.error_message is not None and "public.dropped" in backup.error_message


class RefusingJobs(RecordingJobs):
    """The broker answered the health check, then did not take the backup's message (it went
    down between the two; tests/workers/test_broker_restarts.py shows a real broker's refusal
    raising JobNotSent)."""

    def export_backup(self, backup_id: str) -> None:
        raise JobNotSent("ConnectionError: Connection refused")


async def test_a_scheduled_backup_the_broker_does_not_take_is_failed_saying_why(
    automation: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = automation
    daily = await add_daily(ctx)

    report = await tick(deps_for(ctx, RefusingJobs()), JAN1 + timedelta(hours=2, seconds=5))

    [backup] = await scheduled_backups(ctx, daily)
    assert backup.status == "failed"  # not CREATING for nobody until the queued give-up
    address = broker_address(ctx.settings.broker_url)
    assert backup.error_message is not None
    assert f"the backup was not started: the job queue (LIFEBOAT_BROKER_URL, {address})" in (
        backup.error_message
    )
    assert "Connection refused" in backup.error_message
    assert backup.completed_at is not None
    assert report.errors == [f"fire: schedule {daily.name}: {backup.error_message}"]
    assert (await reload(ctx, daily)).next_run_at == JAN1 + timedelta(days=1, hours=2)
